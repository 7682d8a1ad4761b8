"""Setting up two-factor: QR code and key, confirm with a current code, backup codes once."""

import re
from base64 import b32decode

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.models import AuditEvent
from tests.records.mfa_helpers import totp_code, wrong_code

URL = "/accounts/two-factor/set-up/"
CODES_URL = "/accounts/two-factor/backup-codes/"


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_MFA = True


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def test_it_shows_a_qr_code_as_svg_and_the_key_as_text(signed_in, manager):
    response = signed_in.get(URL)

    page = response.content.decode()
    device = TOTPDevice.objects.get(user=manager)
    assert response.status_code == 200
    assert not device.confirmed
    assert re.search(r'<svg role="img" aria-label="QR code[^"]*"[^>]*>\s*<path d="M', page)
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    key = re.search(r'<code[^>]*id="mfa-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert b32decode(key.replace(" ", "")) == device.bin_key
    assert "What is the 6-digit code your authenticator app shows?" in page
    assert response["Cache-Control"].count("no-store") == 1


def test_it_keeps_the_same_key_until_confirmed(signed_in, manager):
    signed_in.get(URL)
    signed_in.get(URL)

    assert TOTPDevice.objects.filter(user=manager).count() == 1


def test_it_confirms_with_a_current_code_and_shows_ten_backup_codes_once(signed_in, manager):
    signed_in.get(URL)
    device = TOTPDevice.objects.get(user=manager)

    response = signed_in.post(URL, {"code": totp_code(device), "next": "/records/"})

    assert response.status_code == 302
    assert response.url == CODES_URL
    device.refresh_from_db()
    assert device.confirmed
    page = signed_in.get(CODES_URL).content.decode()
    shown = re.findall(r'<code class="govuk-!-font-size-24">([a-z2-7]{8})</code>', page)
    stored = set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert len(shown) == 10
    assert set(shown) == stored
    assert 'href="/records/"' in page
    again = signed_in.get(CODES_URL).content.decode()
    assert not set(shown) & set(re.findall(r"[a-z2-7]{8}", again))
    assert "You have 10 unused backup codes" in again
    # Verified in this session: other pages open.
    assert signed_in.get("/records/").status_code == 200


def test_it_audits_the_enrolment_and_the_codes_without_the_codes(signed_in, manager):
    signed_in.get(URL)
    device = TOTPDevice.objects.get(user=manager)
    code = totp_code(device)

    signed_in.post(URL, {"code": code}, REMOTE_ADDR="192.0.2.40")

    enrolled = AuditEvent.objects.get(event="mfa_enrolled")
    issued = AuditEvent.objects.get(event="mfa_backup_codes_issued")
    assert enrolled.actor == manager
    assert enrolled.ip == "192.0.2.40"
    assert issued.actor == manager
    assert issued.details == {"count": 10, "replaced": 0}
    tokens = StaticToken.objects.values_list("token", flat=True)
    rows = repr(list(AuditEvent.objects.values()))
    assert code not in rows
    assert not any(token in rows for token in tokens)


def test_it_refuses_a_wrong_code_with_an_error_summary(signed_in, manager):
    signed_in.get(URL)
    device = TOTPDevice.objects.get(user=manager)

    response = signed_in.post(URL, {"code": wrong_code(device)})

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert 'href="#id_code"' in page
    assert "That code is not right" in page
    assert "<title>Error:" in page
    device.refresh_from_db()
    assert not device.confirmed
    failed = AuditEvent.objects.get(event="mfa_failed")
    assert failed.actor == manager
    assert failed.details["stage"] == "enrol"
    assert signed_in.get("/records/").status_code == 302


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "Enter the 6 digits your authenticator app shows"),
        ("abcdef", "Enter the 6 digits your authenticator app shows"),
        ("1" * 100_000, "Enter the 6 digits your authenticator app shows"),
    ],
)
def test_it_says_what_to_enter_when_the_code_is_not_six_digits(signed_in, manager, code, message):
    response = signed_in.post(URL, {"code": code})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(event="mfa_failed").exists()


def test_it_throttles_wrong_codes(signed_in, manager):
    signed_in.get(URL)
    device = TOTPDevice.objects.get(user=manager)
    signed_in.post(URL, {"code": wrong_code(device)})

    # At once after a wrong code, even the right code must wait.
    response = signed_in.post(URL, {"code": totp_code(device)})

    assert "Too many wrong codes. Wait" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.filter(event="mfa_failed").last().details["throttled"] is True


def test_it_sends_someone_already_set_up_to_verify(signed_in, manager):
    signed_in.get(URL)
    device = TOTPDevice.objects.get(user=manager)
    device.confirmed = True
    device.save()
    signed_in.logout()
    signed_in.force_login(manager)

    response = signed_in.get(URL)

    assert response.url == "/accounts/two-factor/verify/"
