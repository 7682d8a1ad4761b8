"""Who must use two-factor, and what they reach before verifying a code."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from records.mfa import mfa_required
from tests.conftest import PASSWORD
from tests.records.mfa_helpers import enrolled

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mfa_on(settings):
    settings.REQUIRE_MFA = True


def test_it_requires_two_factor_of_managers_auditors_and_staff_only(
    mfa_on, practitioner, manager, auditor
):
    assert mfa_required(manager)
    assert mfa_required(auditor)
    assert not mfa_required(practitioner)
    practitioner.is_staff = True
    assert mfa_required(practitioner)


def test_it_requires_it_of_no_one_when_off(settings, manager, auditor):
    settings.REQUIRE_MFA = False

    assert not mfa_required(manager)
    assert not mfa_required(auditor)


@pytest.mark.parametrize(("debug", "expected"), [("false", "True"), ("true", "False")])
def test_it_is_on_by_default_unless_debug(debug, expected):
    env = {k: v for k, v in os.environ.items() if k not in {"REQUIRE_MFA", "DEBUG"}}
    env.update(DEBUG=debug, SECRET_KEY="test-only-key", DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.REQUIRE_MFA)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected


def test_it_sends_a_manager_without_a_device_to_set_it_up(mfa_on, client, manager):
    response = client.post(
        "/accounts/login/", {"username": "manager", "password": PASSWORD, "next": "/records/"}
    )
    assert response.status_code == 302
    assert response.url == "/records/"  # the password step is as before

    response = client.get("/records/")

    assert response.status_code == 302
    assert response.url == "/accounts/two-factor/set-up/?next=%2Frecords%2F"


def test_it_sends_an_auditor_with_a_device_to_verify_before_any_page(mfa_on, client, auditor):
    enrolled(auditor)
    client.force_login(auditor)

    for path in ("/", "/records/", "/audit/", "/insight/", "/guidance/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/accounts/two-factor/verify/"), path
    posted = client.post("/records/")
    assert posted.url == "/accounts/two-factor/verify/"


def test_it_leaves_sign_out_the_two_factor_pages_static_and_healthz_open(mfa_on, client, manager):
    client.force_login(manager)

    assert client.get("/accounts/two-factor/set-up/").status_code == 200
    assert client.get("/healthz").status_code == 200
    # Static files are not served by the test client: reached (404), not redirected.
    assert client.get("/static/app/init.js").status_code == 404
    assert client.get("/accounts/two-factor/verify/").url == "/accounts/two-factor/set-up/"
    assert client.get("/accounts/two-factor/backup-codes/").url.startswith(
        "/accounts/two-factor/set-up/"
    )
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert client.get("/accounts/login/").status_code == 200


def test_it_lets_a_practitioner_through_and_sends_them_home_from_the_pages(
    mfa_on, client, practitioner
):
    client.force_login(practitioner)

    assert client.get("/records/").status_code == 200
    for path in ("set-up", "verify", "backup-codes"):
        response = client.get(f"/accounts/two-factor/{path}/")
        assert (response.status_code, response.url) == (302, "/"), path


def test_it_asks_nothing_when_off(settings, client, manager):
    settings.REQUIRE_MFA = False
    enrolled(manager)
    client.force_login(manager)

    assert client.get("/records/").status_code == 200
    assert client.get("/accounts/two-factor/verify/").url == "/"
