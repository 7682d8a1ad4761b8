"""Log in, log out and failed log-ins go to the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from records.models import AuditEvent
from records.services import audit_log
from records.utils import client_ip


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log(event=AuditEvent.Event.LOGIN, actor=user, ip=client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(event=AuditEvent.Event.LOGOUT, actor=user, ip=client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Never store the password: only the username that was tried.
    audit_log(
        event=AuditEvent.Event.LOGIN_FAILED,
        ip=client_ip(request) if request else None,
        details={"username": str(credentials.get("username", ""))[:150]},
    )
