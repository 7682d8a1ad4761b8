"""Two-factor pages: set up an authenticator, verify a code after the password, backup codes.

Each page is only for users who need two-factor (records.mfa.mfa_required); others are sent
home. records.mfa_middleware sends those who still need to verify here from every other page.
"""

from __future__ import annotations

import math
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from records.mfa import backup_codes_left, has_confirmed_device, mfa_required, mfa_verified
from records.mfa_forms import MFAEnrolForm, MFAVerifyForm
from records.mfa_services import (
    mfa_backup_codes_issue,
    mfa_enrol,
    mfa_enrolment_device,
    mfa_verify,
)
from records.utils import client_ip

NEW_CODES_KEY = "mfa_new_backup_codes"  # shown once on the next page, then dropped
NEXT_KEY = "mfa_next"
FEW_BACKUP_CODES = 3
QR_LABEL = "QR code to scan with your authenticator app"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _wrong_code_message(check) -> str:
    if check.locked_until is not None:
        seconds = max(1, math.ceil((check.locked_until - timezone.now()).total_seconds()))
        return (
            f"Too many wrong codes. Wait {seconds} second{'s' if seconds != 1 else ''}, "
            "then enter the code your app shows then"
        )
    return "That code is not right. Enter the code your authenticator app shows now"


def _qr_svg(url: str) -> str:
    """The otpauth:// address as an inline SVG (paths only: no script, no style attribute)."""
    svg = qrcode.make(
        url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4
    ).to_string(encoding="unicode")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{QR_LABEL}" focusable="false" ', 1)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    user = request.user
    if not mfa_required(user):
        return redirect("home")
    if has_confirmed_device(user):
        return redirect(_next_url(request) if mfa_verified(user) else "mfa_verify")
    device = mfa_enrolment_device(user=user)
    form = MFAEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = mfa_enrol(
            user=user, device=device, code=form.cleaned_data["code"], ip=client_ip(request)
        )
        if check.accepted:
            otp_login(request, check.device)
            request.session[NEW_CODES_KEY] = list(check.backup_codes)
            request.session[NEXT_KEY] = _next_url(request)
            return redirect("mfa_backup_codes")
        form.add_error("code", _wrong_code_message(check))
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/mfa_enrol.html",
        {
            "form": form,
            # The SVG holds only path geometry made by qrcode: no text from anyone.
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308
            "secret": _grouped(secret),
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": _next_url(request),
            "help_contact": settings.SIGN_IN_HELP_CONTACT,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    user = request.user
    if not mfa_required(user):
        return redirect("home")
    if mfa_verified(user):
        return redirect(_next_url(request))
    if not has_confirmed_device(user):
        return redirect("mfa_enrol")
    form = MFAVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = mfa_verify(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
        if check.accepted:
            otp_login(request, check.device)
            if check.backup_codes_left is not None and check.backup_codes_left < FEW_BACKUP_CODES:
                messages.warning(
                    request,
                    f"You have {check.backup_codes_left} backup code"
                    f"{'' if check.backup_codes_left == 1 else 's'} left. Make a new set at "
                    f"{reverse('mfa_backup_codes')}",
                )
            return redirect(_next_url(request))
        form.add_error("code", _wrong_code_message(check))
    return render(
        request,
        "registration/mfa_verify.html",
        {"form": form, "next": _next_url(request), "help_contact": settings.SIGN_IN_HELP_CONTACT},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def backup_codes(request):
    """GET: the codes just issued (once), or how many are left; POST: a new set."""
    user = request.user
    if not mfa_required(user):
        return redirect("home")
    if not mfa_verified(user):  # the middleware sends them there too; never show codes before
        return redirect("mfa_verify")
    if request.method == "POST":
        codes = mfa_backup_codes_issue(user=user, ip=client_ip(request))
        request.session[NEW_CODES_KEY] = codes
        request.session[NEXT_KEY] = "/"
        return redirect("mfa_backup_codes")
    codes = request.session.pop(NEW_CODES_KEY, None)
    next_url = request.session.pop(NEXT_KEY, "/")
    return render(
        request,
        "registration/mfa_backup_codes.html",
        {
            "codes": codes,
            "next": next_url,
            "left": None if codes else backup_codes_left(user),
            "help_contact": settings.SIGN_IN_HELP_CONTACT,
        },
    )
