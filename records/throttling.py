"""Sign-in throttling (django-axes): the client's address, the lockout page, and its audit event.

Settings are in config/settings.py ("Hardening: sign-in throttling and two-factor").
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import render

from records.models import AuditEvent
from records.services import audit_log

USERNAME_MAX = 150


def lockout_response(request, original_response=None, credentials=None):
    """Our own page (base template) in place of axes' plain text: locked for how long, whom
    to ask. Never says whether the username exists."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
            "help_contact": settings.SIGN_IN_HELP_CONTACT,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@receiver(user_locked_out)
def _audit_lock(sender, request, username, ip_address, **kwargs):
    # axes also sends this for each refused try during a lock; only the failure that starts
    # the lock has counted failures on the request.
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    username = str(username or "")[:USERNAME_MAX]
    actor = get_user_model().objects.filter(username=username).first() if username else None
    audit_log(
        event=AuditEvent.Event.LOGIN_LOCKED,
        actor=actor,
        ip=ip_address,
        details={
            "username": username,
            "failures": failures,
            "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
        },
    )


@transaction.atomic
def sign_in_locks_clear(*, attempts, by, ip: str | None = None) -> int:
    """An administrator clears failed sign-ins (django-axes' attempts) before their lock runs
    out: each cleared one is an audit event naming the username, the address and whether it
    was a lock. Returns how many were cleared."""
    if not (by.is_active and by.is_staff and by.has_perm("axes.delete_accessattempt")):
        raise PermissionDenied("Only an administrator may clear sign-in locks.")
    cleared = 0
    for attempt in attempts.order_by("pk"):
        audit_log(
            event=AuditEvent.Event.LOGIN_LOCK_CLEARED,
            actor=by,
            ip=ip,
            details={
                "username": str(attempt.username or "")[:USERNAME_MAX],
                "address": attempt.ip_address,
                "failures": attempt.failures_since_start,
                "was_locked": attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT,
            },
        )
        attempt.delete()
        cleared += 1
    return cleared
