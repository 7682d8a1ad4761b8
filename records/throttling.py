"""Sign-in throttling (django-axes): the client's address, the lockout page, and its audit event.

Settings are in config/settings.py ("Hardening: sign-in throttling and two-factor").
"""

from __future__ import annotations

import ipaddress

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.shortcuts import render

from records.models import AuditEvent
from records.services import audit_log

USERNAME_MAX = 150


def client_ip(request) -> str | None:
    """The address axes locks on.

    Behind our TLS proxy, REMOTE_ADDR is the proxy's for everyone, so the last
    X-Forwarded-For entry counts: the one the proxy appended (nginx:
    ``$proxy_add_x_forwarded_for``). Entries before it are whatever the client sent, so they
    are never trusted. Without the proxy the header is ignored altogether.
    """
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if entries and _is_address(entries[-1]):  # anything else did not come from our proxy
            return entries[-1]
    return request.META.get("REMOTE_ADDR") or None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


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
