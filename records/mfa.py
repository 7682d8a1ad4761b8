"""Two-factor policy: who must verify a second factor (django-otp) after their password."""

from __future__ import annotations

from django.conf import settings
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticToken

BACKUP_CODE_COUNT = 10


def mfa_required(user) -> bool:
    """Managers and auditors (and staff and superusers, who reach the admin) while
    REQUIRE_MFA is on; practitioners never."""
    if not settings.REQUIRE_MFA or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_manager or user.is_auditor or user.is_staff or user.is_superuser)


def mfa_verified(user) -> bool:
    """Verified with a device in this session (django-otp's OTPMiddleware sets it)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def mfa_pending(user) -> bool:
    """Must still verify (or enrol) before any other page."""
    return mfa_required(user) and not mfa_verified(user)


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
