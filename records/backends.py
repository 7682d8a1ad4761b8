"""Django's ModelBackend, taking the signed-in user from the request's session read
(``records.sessions``), or reading them once with ``RowByPk``."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from records.models import User
from records.rows import RowByPk
from records.sessions import loaded_user

_users = RowByPk(User)


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = loaded_user(user_id) or _users.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
