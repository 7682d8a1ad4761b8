"""Refused access to a record's pages goes to the audit trail."""

from records.models import AuditEvent
from records.services import audit_log
from records.utils import client_ip

# URL namespaces whose pages with a ``reference`` are about one record.
RECORD_NAMESPACES = frozenset({"records", "approvals", "decisions", "exports"})
DENIED_STATUSES = frozenset({403, 404})
PATH_MAX = 500


class AccessDeniedAuditMiddleware:
    """One ACCESS_DENIED event for each 403 or 404 a signed-in user gets on a record's URL.

    The event holds the reference as it was asked for, the path (no query string) and the
    status; never a link to the record, so the trail does not tell whether it exists.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in DENIED_STATUSES:
            reference = self._record_reference(request)
            user = getattr(request, "user", None)
            if reference is not None and user is not None and user.is_authenticated:
                audit_log(
                    event=AuditEvent.Event.ACCESS_DENIED,
                    actor=user,
                    record_reference=reference,
                    ip=client_ip(request),
                    details={"path": request.path[:PATH_MAX], "status": response.status_code},
                )
        return response

    @staticmethod
    def _record_reference(request) -> str | None:
        match = getattr(request, "resolver_match", None)
        if match is None or not match.namespaces or match.namespaces[0] not in RECORD_NAMESPACES:
            return None
        reference = match.kwargs.get("reference")
        return str(reference) if reference else None
