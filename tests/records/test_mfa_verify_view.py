"""Verifying a code after the password: the authenticator's code or a single-use backup code."""

import re
from datetime import timedelta

import pytest
from django_otp.plugins.otp_static.models import StaticToken

from records.models import AuditEvent
from tests.conftest import PASSWORD
from tests.records.mfa_helpers import BACKUP_CODES, enrolled, totp_code, wrong_code

URL = "/accounts/two-factor/verify/"
CODES_URL = "/accounts/two-factor/backup-codes/"


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_MFA = True


@pytest.fixture
def device(auditor):
    return enrolled(auditor)


@pytest.fixture
def signed_in(client, auditor, device):
    response = client.post("/accounts/login/", {"username": "auditor", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_it_asks_one_question_as_the_page_heading(signed_in):
    response = signed_in.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'<h1 class="govuk-label-wrapper">\s*<label for="id_code" class="govuk-label '
        r'govuk-label--l">\s*What is the code from your authenticator app\?',
        page,
    )
    assert 'autocomplete="one-time-code"' in page
    assert "no-store" in response["Cache-Control"]


def test_it_accepts_the_current_code_and_goes_where_they_were_going(signed_in, auditor, device):
    response = signed_in.post(URL, {"code": totp_code(device), "next": "/audit/"})

    assert response.status_code == 302
    assert response.url == "/audit/"
    assert signed_in.get("/audit/").status_code == 200
    event = AuditEvent.objects.get(event="mfa_verified")
    assert event.actor == auditor
    assert event.details == {"method": "totp"}


def test_it_refuses_the_same_code_twice(client, auditor, device):
    code = totp_code(device)
    client.force_login(auditor)
    assert client.post(URL, {"code": code}).status_code == 302
    client.logout()
    client.force_login(auditor)

    response = client.post(URL, {"code": code})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()


def test_it_never_follows_next_to_another_site(signed_in, device):
    response = signed_in.post(URL, {"code": totp_code(device), "next": "https://evil.example/"})

    assert response.url == "/"


def test_it_refuses_a_wrong_code_and_audits_it(signed_in, auditor, device):
    response = signed_in.post(URL, {"code": wrong_code(device)}, REMOTE_ADDR="192.0.2.50")

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "That code is not right" in page
    event = AuditEvent.objects.get(event="mfa_failed")
    assert event.actor == auditor
    assert event.ip == "192.0.2.50"
    assert event.details == {"stage": "verify", "method": "totp", "failures": 1}
    assert signed_in.get("/records/").status_code == 302


def test_it_throttles_wrong_codes_as_django_otp_does(signed_in, device):
    signed_in.post(URL, {"code": wrong_code(device)})

    response = signed_in.post(URL, {"code": totp_code(device)})

    assert "Too many wrong codes. Wait 1 second" in response.content.decode()
    assert not AuditEvent.objects.filter(event="mfa_verified").exists()
    # Once the wait is over, the right code works.
    device.refresh_from_db()
    device.throttling_failure_timestamp -= timedelta(seconds=2)
    device.save()
    assert signed_in.post(URL, {"code": totp_code(device)}).status_code == 302


def test_it_accepts_a_backup_code_once(signed_in, client, auditor):
    response = signed_in.post(URL, {"code": BACKUP_CODES[0].upper()})

    assert response.status_code == 302
    assert not StaticToken.objects.filter(token=BACKUP_CODES[0]).exists()
    used = AuditEvent.objects.get(event="mfa_backup_code_used")
    assert used.details == {"backup_codes_left": 2}
    assert AuditEvent.objects.get(event="mfa_verified").details == {"method": "backup_code"}
    assert BACKUP_CODES[0] not in repr(list(AuditEvent.objects.values()))
    # Few left: a warning says so on the next page.
    assert "You have 2 backup codes left" in signed_in.get("/").content.decode()

    signed_in.post("/accounts/logout/")
    signed_in.post("/accounts/login/", {"username": "auditor", "password": PASSWORD})
    again = signed_in.post(URL, {"code": BACKUP_CODES[0]})
    assert again.status_code == 200
    assert AuditEvent.objects.filter(event="mfa_failed").get().details["method"] == "backup_code"


def test_it_says_what_to_enter_for_a_code_of_neither_kind(signed_in):
    response = signed_in.post(URL, {"code": "12"})

    assert "Enter a 6-digit code from your authenticator app, or an 8-character backup code" in (
        response.content.decode()
    )


def test_it_sends_someone_without_a_device_to_set_up(client, manager):
    client.force_login(manager)

    assert client.get(URL).url == "/accounts/two-factor/set-up/"


def test_it_lets_a_verified_user_make_new_backup_codes(signed_in, auditor, device):
    signed_in.post(URL, {"code": totp_code(device)})
    before = set(StaticToken.objects.values_list("token", flat=True))
    assert "You have 3 unused backup codes" in signed_in.get(CODES_URL).content.decode()

    response = signed_in.post(CODES_URL)

    assert response.url == CODES_URL
    after = set(StaticToken.objects.values_list("token", flat=True))
    assert len(after) == 10
    assert not before & after
    page = signed_in.get(CODES_URL).content.decode()
    assert all(code in page for code in after)
    issued = AuditEvent.objects.get(event="mfa_backup_codes_issued")
    assert issued.actor == auditor
    assert issued.details == {"count": 10, "replaced": 3}


def test_it_makes_no_backup_codes_before_verifying(signed_in):
    response = signed_in.post(CODES_URL)

    assert response.url == URL
    assert StaticToken.objects.count() == len(BACKUP_CODES)


def test_it_links_to_the_backup_codes_only_once_verified(signed_in, device):
    before = signed_in.get("/guidance/").content.decode()
    signed_in.post(URL, {"code": totp_code(device)})
    after = signed_in.get("/guidance/").content.decode()

    assert CODES_URL not in before
    assert f'href="{CODES_URL}">Two-factor backup codes</a>' in after
