import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, for audit events and sign-in locks.

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


USERNAME_MAX = 150  # records.User.username (AbstractUser)


def sign_in_username(request, credentials=None) -> str:
    """The username tried, for sign-in locks (``AXES_USERNAME_CALLABLE``). Django's sign-in
    form does not limit its length, and django-axes stores it in 255 characters: PostgreSQL
    refused a longer one (a 500). Cut to the longest a user can have, which no lock misses."""
    data = credentials if credentials is not None else request.POST
    return str(data.get("username") or "")[:USERNAME_MAX]
