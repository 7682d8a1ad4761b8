"""Django's database sessions, read with ``records.rows.RowByPk``: the session is the first
query of every request, and building it with the ORM cost more than running it."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from records.rows import RowByPk

_sessions = RowByPk(Session)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        # As Django's: a session past its expiry date is no session.
        session = _sessions.get(self.session_key) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
