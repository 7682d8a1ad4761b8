"""Sign-in throttling (django-axes): the client's address, the lockout page, and its audit event.

Settings are in config/settings.py ("Hardening: sign-in throttling and two-factor").
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
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
