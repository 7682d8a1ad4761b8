"""Django's database sessions in ``UserSession``, read with the signed-in user and their
two-factor device in one statement (``records.rows.RowByPk`` with joins).

Every signed-in request read its session, then its user, then (for a manager or auditor) the
device that verified them: three statements, and on PostgreSQL three round trips. Now the
session row names its user and device in columns, written each time it is saved, and one
read brings all three. The user and device rows read so are handed on only to the request
that read them (``rows_of``), and only when they are the ones its signed session data names:
``records.backends.UserBackend`` and ``records.mfa_middleware.DeviceMiddleware`` take them
from there, and read their own as before otherwise.

The same statement reads the directory stamp (``records.DirectoryStamp``), set on the user
as ``directory_stamp``: what ``records.selectors`` keeps a user's filter choices and teams
under."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends import db
from django.core import checks
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import DirectoryStamp, UserSession
from records.rows import RowByPk

_sessions = RowByPk(
    UserSession,
    joined=("user", "totp_device"),
    # What the user's filter choices and scope may be kept under (records.selectors).
    scalars={
        "directory_stamp": f"(SELECT stamp FROM {DirectoryStamp._meta.db_table} WHERE id = 1)"  # noqa: S608
    },
)
_TOTP_LABEL = TOTPDevice._meta.label_lower  # as a persistent id names it: "otp_totp.totpdevice"


class SessionStore(db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self.row: UserSession | None = None  # as read, with its user and device
        # A session the cookie named that had expired, with whose it was: it is no session,
        # but the person can be told why (config.middleware.SessionTimeoutMiddleware).
        self.expired: UserSession | None = None

    @classmethod
    def get_model_class(cls):
        return UserSession

    def _get_session_from_db(self):
        # As Django's: a session past its expiry date is no session.
        session = _sessions.get(self.session_key) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            self.row = None
            self.expired = session
            return None
        self.row = session
        if session.user is not None:
            session.user.directory_stamp = session.directory_stamp
        return session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        session.totp_device_id = _totp_device_id(data.get(DEVICE_ID_SESSION_KEY))
        return session


def _user_id(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _totp_device_id(persistent_id) -> int | None:
    if not isinstance(persistent_id, str) or "/" not in persistent_id:
        return None
    label, device_id = persistent_id.rsplit("/", 1)
    return _user_id(device_id) if label == _TOTP_LABEL else None


_request_session: ContextVar[SessionStore | None] = ContextVar("request_session", default=None)


@contextmanager
def rows_of(session):
    """While the sign-in and two-factor checks run for a request: its session, whose row
    holds the user and device read with it."""
    token = _request_session.set(session if isinstance(session, SessionStore) else None)
    try:
        yield
    finally:
        _request_session.reset(token)


def loaded_user(user_id):
    """The user read with this request's session, if it is the one ``user_id`` names."""
    row = _loaded_row()
    if row is None or row.user_id is None or str(row.user_id) != str(user_id):
        return None
    return row.user


def loaded_device(persistent_id: str):
    """The TOTP device read with this request's session, if it is the one named."""
    row = _loaded_row()
    if row is None or row.totp_device_id is None:
        return None
    device = row.totp_device
    return device if device is not None and device.persistent_id == persistent_id else None


def _loaded_row() -> UserSession | None:
    session = _request_session.get()
    return None if session is None else session.row


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with its ``get_user`` run where the backend can take the user read with
    this request's session."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _signed_in_user(request))


def _signed_in_user(request):
    with rows_of(request.session):
        return auth_middleware.get_user(request)


@checks.register(checks.Tags.security)
def check_session_engine(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Deactivating a user ends their sessions by ``UserSession.user``, which only this store
    keeps: any other SESSION_ENGINE would leave a deactivated user signed in."""
    if __name__ == settings.SESSION_ENGINE:
        return []
    return [
        checks.Error(
            f"SESSION_ENGINE is {settings.SESSION_ENGINE!r}, not {__name__!r}.",
            hint="Deactivating a user ends their sessions only in records.sessions' table.",
            id="records.E001",
        )
    ]
