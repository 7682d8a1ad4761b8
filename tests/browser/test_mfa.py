"""Browser: a manager sets up two-factor with a computed code, keeps the backup codes, signs in
again with a code; a locked sign-in's page. axe-core on each page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.test_content_security_policy import CSPWatch
from tests.conftest import PASSWORD
from tests.records.mfa_helpers import totp_code, wrong_code


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_MFA = True


def _password(page, live_server, user, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_it_sets_up_two_factor_then_verifies_at_the_next_sign_in(
    page, live_server, manager, assert_accessible
):
    csp = CSPWatch(page)
    _password(page, live_server, manager)
    page.wait_for_url(re.compile(r"/accounts/two-factor/set-up/"))
    assert page.get_by_role("heading", name="Set up two-factor authentication").is_visible()
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert_accessible()
    csp.collect()

    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator("#mfa-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", key)
    device = TOTPDevice.objects.get(user=manager)

    # A wrong code: the error summary, focused, linking to the field.
    code = page.get_by_label("What is the 6-digit code your authenticator app shows?")
    code.fill(wrong_code(device))
    page.get_by_role("button", name="Confirm and continue").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "That code is not right" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert_accessible()

    # django-otp makes the next try wait a second after a wrong code: let that second pass.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    code.fill(totp_code(device))
    page.get_by_role("button", name="Confirm and continue").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/backup-codes/"))
    codes = page.locator("#backup-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_accessible()
    csp.collect()
    page.get_by_role("link", name="I have kept my codes: continue").click()
    page.wait_for_url(f"{live_server.url}/")
    assert_accessible()
    page.goto(f"{live_server.url}/accounts/two-factor/backup-codes/")
    assert page.get_by_text("You have 10 unused backup codes").is_visible()
    assert_accessible()
    csp.collect()

    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _password(page, live_server, manager)
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
    assert page.get_by_role("heading", name="What is the code from your authenticator app?")
    assert_accessible()
    csp.collect()
    page.get_by_label("What is the code from your authenticator app?").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    csp.assert_none()  # no Content-Security-Policy violation on the two-factor pages


def test_it_shows_the_locked_page(page, live_server, practitioner, assert_accessible, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _password(page, live_server, practitioner, password="Wrong-Password-4711")

    assert page.get_by_role(
        "heading", name=re.compile("Sign-in locked for 15 minutes")
    ).is_visible()
    assert_accessible()
