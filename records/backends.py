"""Django's ModelBackend, reading the signed-in user once per request with ``RowByPk``."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from records.models import User
from records.rows import RowByPk

_users = RowByPk(User)


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = _users.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
