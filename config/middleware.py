"""Sessions that end by themselves, and pages that are never kept by a browser or a proxy."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import patch_cache_control

from records.models import AuditEvent
from records.services import audit_log
from records.utils import client_ip

# Seconds since the epoch, kept in the session (JSON).
STARTED = "_session_started"
LAST_SEEN = "_session_last_seen"
# The last-seen time is written at most once a minute, not on every request (a session save
# is a database write): the idle timeout is therefore exact to within a minute.
TOUCH_EVERY = 60

# Pages a browser asks for by itself (the export page polls its job's status every second):
# they are not the person using the service, so they do not hold an idle session open.
BACKGROUND = frozenset({"exports:job_status"})

IDLE = "idle"
ABSOLUTE = "absolute"


def signed_out_message(reason: str) -> str:
    if reason == IDLE:
        minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
        why = f"you had not used the service for {minutes} minutes"
    else:
        hours = settings.SESSION_ABSOLUTE_HOURS
        why = f"you had been signed in for {hours} hours"
    return (
        f"You have been signed out because {why}. Sign in again to continue. "
        "Anything you saved before then has been kept."
    )


class SessionTimeoutMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT_MINUTES without a request, or
    SESSION_ABSOLUTE_HOURS after signing in: one SESSION_EXPIRED audit event (details say
    which), the session deleted, and the person sent to sign in with a message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = int(time.time())
        session = request.session
        was_signed_in = request.user.is_authenticated
        if was_signed_in:
            reason = self._expired(session, now)
            if reason is not None:
                return self._end(request, reason)
        else:
            self._expired_unused(request)
        response = self.get_response(request)
        if request.user.is_authenticated:
            # Signed in by this request (or a session from before these stamps): start afresh.
            if not was_signed_in or STARTED not in session or LAST_SEEN not in session:
                session[STARTED] = now
                session[LAST_SEEN] = now
            elif now - session[LAST_SEEN] >= TOUCH_EVERY and not _background(request):
                session[LAST_SEEN] = now
        return response

    @staticmethod
    def _expired(session, now: int) -> str | None:
        last_seen = session.get(LAST_SEEN)
        started = session.get(STARTED)
        if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
            return IDLE
        if started is not None and now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
            return ABSOLUTE
        return None

    @staticmethod
    def _end(request, reason: str):
        _told(request, request.user, reason)
        # Not auth.logout(): that would record a sign-out the person did not make.
        request.session.flush()
        request.user = AnonymousUser()
        # The path only: a query string may hold search terms.
        return redirect_to_login(request.path, settings.LOGIN_URL)

    @staticmethod
    def _expired_unused(request) -> None:
        """A session unused for all of SESSION_COOKIE_AGE has expired before this middleware
        sees it: Django reads it as none. It was someone's (``records.sessions``), so they
        are told, it is on the trail as any idle session's end is, and its row goes."""
        expired = getattr(request.session, "expired", None)
        if expired is None or expired.user is None:
            return
        request.session.expired = None
        if type(expired).objects.filter(pk=expired.pk).delete()[0] == 0:
            return  # another request with the same cookie has told them
        _told(request, expired.user, IDLE, unused_past_cookie_age=True)


def _told(request, user, reason: str, **more) -> None:
    """The session's end on the trail (SESSION_EXPIRED, whose and why), and the message."""
    audit_log(
        event=AuditEvent.Event.SESSION_EXPIRED,
        actor=user,
        ip=client_ip(request),
        details={
            "reason": reason,
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
            "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
            **more,
        },
    )
    messages.warning(request, signed_out_message(reason))


def _background(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in BACKGROUND


class NoStoreMiddleware:
    """Cache-Control: no-store on every response to a signed-in user (records and personal
    data may be on any of them). Static files are served before this by WhiteNoise and keep
    their long cache; a view's own no-store is left as it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True)
        return response
