"""Two-factor services (django-otp): enrol, verify, backup codes, an administrator's reset.

Each is keyword-only, runs in one transaction and writes its audit events in it. A refused
code is audited and returned as a result (not raised) so that the event and the device's
throttling count are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.mfa import BACKUP_CODE_COUNT
from records.models import AuditEvent, User
from records.services import audit_log

TOTP = "totp"
BACKUP_CODE = "backup_code"
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    method: str = ""
    device: Device | None = None
    locked_until: datetime | None = None  # set when wrong codes must wait (throttling)
    backup_codes: tuple[str, ...] = ()  # issued at enrolment, shown once
    backup_codes_left: int | None = None


def normalise_code(code: str) -> str:
    """People type codes with spaces or hyphens, backup codes in capitals."""
    return "".join(ch for ch in code if ch not in " -\t").lower()


def is_authenticator_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


@transaction.atomic
def mfa_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the enrolment page shows, the same one until confirmed
    (not audited: it cannot be used until a code confirms it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def _refused(*, user, method, device, ip, stage, locked_until=None) -> CodeCheck:
    details = {"stage": stage, "method": method}
    if device is not None:
        details["failures"] = device.throttling_failure_count
    if locked_until is not None:
        details["throttled"] = True
    audit_log(event=AuditEvent.Event.MFA_FAILED, actor=user, ip=ip, details=details)
    return CodeCheck(accepted=False, method=method, locked_until=locked_until)


def _check(device, code: str) -> tuple[bool, datetime | None]:
    """django-otp's own throttling: each wrong code doubles the wait before the next."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return False, (info or {}).get("locked_until")
    return device.verify_token(code), None


@transaction.atomic
def mfa_enrol(*, user: User, device: TOTPDevice, code: str, ip: str | None = None) -> CodeCheck:
    """Confirm a new authenticator with a current code, then issue the backup codes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied("Not this user's authenticator to set up.")
    accepted, locked_until = _check(device, normalise_code(code))
    if not accepted:
        return _refused(
            user=user, method=TOTP, device=device, ip=ip, stage="enrol", locked_until=locked_until
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()  # other unconfirmed tries
    audit_log(event=AuditEvent.Event.MFA_ENROLLED, actor=user, ip=ip, details={"method": TOTP})
    codes = mfa_backup_codes_issue(user=user, ip=ip)
    return CodeCheck(accepted=True, method=TOTP, device=device, backup_codes=tuple(codes))


@transaction.atomic
def mfa_verify(*, user: User, code: str, ip: str | None = None) -> CodeCheck:
    """A code from the authenticator (6 digits) or a single-use backup code."""
    code = normalise_code(code)
    if is_authenticator_code(code):
        method, model = TOTP, TOTPDevice
    else:
        method, model = BACKUP_CODE, StaticDevice
    device = (
        model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    )
    if device is None:
        return _refused(user=user, method=method, device=None, ip=ip, stage="verify")
    accepted, locked_until = _check(device, code)
    if not accepted:
        return _refused(
            user=user,
            method=method,
            device=device,
            ip=ip,
            stage="verify",
            locked_until=locked_until,
        )
    audit_log(event=AuditEvent.Event.MFA_VERIFIED, actor=user, ip=ip, details={"method": method})
    left = None
    if method == BACKUP_CODE:
        left = device.token_set.count()
        audit_log(
            event=AuditEvent.Event.MFA_BACKUP_CODE_USED,
            actor=user,
            ip=ip,
            details={"backup_codes_left": left},
        )
    return CodeCheck(accepted=True, method=method, device=device, backup_codes_left=left)


@transaction.atomic
def mfa_backup_codes_issue(*, user: User, ip: str | None = None) -> list[str]:
    """A new set of single-use backup codes, replacing any earlier set; returned once."""
    device, _ = StaticDevice.objects.select_for_update().get_or_create(
        user=user, name=BACKUP_CODES_NAME, defaults={"confirmed": True}
    )
    replaced, _ = device.token_set.all().delete()
    codes: list[str] = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    device.throttle_reset()
    audit_log(
        event=AuditEvent.Event.MFA_BACKUP_CODES_ISSUED,
        actor=user,
        ip=ip,
        details={"count": len(codes), "replaced": replaced},
    )
    return codes


@transaction.atomic
def user_mfa_reset(*, user: User, by: User, ip: str | None = None) -> int:
    """An administrator removes someone's authenticator and backup codes (a lost phone): they
    set up again at their next sign-in. Their current sessions lose the verification too,
    since it names a device that no longer exists."""
    if not (by.is_active and by.is_staff and by.has_perm("records.change_user")):
        raise PermissionDenied("Only an administrator may reset two-factor authentication.")
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count = model.objects.filter(user=user).count()
        model.objects.filter(user=user).delete()
        removed += count
    audit_log(
        event=AuditEvent.Event.MFA_RESET,
        actor=by,
        ip=ip,
        details={"username": user.username, "devices_removed": removed},
    )
    return removed
