"""Until a user who needs two-factor has verified a code, only the sign-in and sign-out, the
two-factor pages, static files and /healthz answer; every other path goes to enrolment or
verification, with where they were going (path only: a query may hold search terms)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from records.mfa import has_confirmed_device, mfa_pending
from records.rows import RowByPk
from records.sessions import loaded_device, rows_of

OPEN_URL_NAMES = ("login", "logout", "mfa_enrol", "mfa_verify")


class DeviceMiddleware(OTPMiddleware):
    """django-otp's OTPMiddleware, taking the session's device from the session's own read
    (``records.sessions``) or loading it with ``RowByPk`` (on every request of a manager or
    auditor). Everything else is django-otp's: the device must be the user's and confirmed
    (``_finalize_device``), or the session loses it."""

    _loaders: dict[type, RowByPk] = {}

    def _verify_user_sync(self, request, user):
        with rows_of(request.session):
            return super()._verify_user_sync(request, user)

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        device = loaded_device(persistent_id)
        if device is not None:
            return device
        try:  # as Device.from_persistent_id: anything malformed is no device
            model_label, device_id = persistent_id.rsplit("/", 1)
            app_label, model_name = model_label.split(".")
            model = apps.get_model(app_label, model_name)
            pk = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(model, Device):
            return None
        if model not in self._loaders:
            self._loaders[model] = RowByPk(model)
        return self._loaders[model].get(pk)


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
