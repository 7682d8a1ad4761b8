"""Until a user who needs two-factor has verified a code, only the sign-in and sign-out, the
two-factor pages, static files and /healthz answer; every other path goes to enrolment or
verification, with where they were going (path only: a query may hold search terms)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from records.mfa import has_confirmed_device, mfa_pending

OPEN_URL_NAMES = ("login", "logout", "mfa_enrol", "mfa_verify")


class MFARequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and mfa_pending(user) and not self._is_open(request.path):
            target = "mfa_verify" if has_confirmed_device(user) else "mfa_enrol"
            url = reverse(target)
            if request.method == "GET" and request.path != "/":
                url += "?" + urlencode({"next": request.path})
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        if path.startswith(static) or path == reverse("healthz"):
            return True
        return path in {reverse(name) for name in OPEN_URL_NAMES}
