def client_ip(request) -> str | None:
    """The client's address as the server saw it (a proxy's forwarded header is not trusted)."""
    return request.META.get("REMOTE_ADDR") or None
