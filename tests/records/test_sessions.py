"""records.sessions: the session row names its user and TOTP device, one statement reads all
three on every signed-in request, and who is signed in is still what the signed session data
says, whatever the row's columns hold."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from records.models import UserSession
from tests.conftest import PASSWORD
from tests.records.mfa_helpers import enrolled

GUIDANCE = "/guidance/"


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_MFA = True
    settings.DATABASE_PREPARED_STATEMENTS = False  # the tests read the SQL


def _verified(client, user, device):
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _row(client) -> UserSession:
    return UserSession.objects.get(pk=client.session.session_key)


def test_it_names_the_user_from_sign_in_and_drops_the_row_at_sign_out(client, practitioner):
    client.cookies["sessionid"] = ""
    response = client.post(
        "/accounts/login/", {"username": practitioner.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    key = client.cookies["sessionid"].value

    assert UserSession.objects.get(pk=key).user_id == practitioner.pk
    assert UserSession.objects.get(pk=key).totp_device_id is None

    client.post("/accounts/logout/")

    assert not UserSession.objects.filter(pk=key).exists()


def test_it_names_the_authenticator_device_that_verified_the_session(client, manager):
    device = enrolled(manager)

    _verified(client, manager, device)

    assert (_row(client).user_id, _row(client).totp_device_id) == (manager.pk, device.pk)


def test_a_backup_code_device_is_not_named_and_still_verifies(client, manager):
    enrolled(manager)
    static = StaticDevice.objects.get(user=manager)

    response = _verified(client, manager, static).get(GUIDANCE)

    assert response.status_code == 200
    assert response.wsgi_request.user.otp_device == static
    assert _row(client).totp_device_id is None


def test_one_statement_reads_the_session_the_user_and_the_device(client, manager):
    device = enrolled(manager)
    _verified(client, manager, device)
    client.get(GUIDANCE)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(GUIDANCE)

    assert response.status_code == 200
    user = response.wsgi_request.user
    assert (user.pk, user.otp_device.pk) == (manager.pk, device.pk)
    sql = [query["sql"] for query in queries.captured_queries]
    session_reads = [s for s in sql if "records_usersession" in s]
    assert len(session_reads) == 1
    assert session_reads[0].count("LEFT JOIN") == 2
    assert not [s for s in sql if "otp_totp_totpdevice" in s and "usersession" not in s]
    assert not [s for s in sql if s.startswith('SELECT "records_user"."id"')]
    assert len(sql) == 1


def test_the_signed_data_says_who_is_signed_in_not_the_rows_column(client, practitioner, auditor):
    client.force_login(practitioner)
    UserSession.objects.filter(pk=client.session.session_key).update(user=auditor)

    response = client.get(GUIDANCE)

    assert response.wsgi_request.user == practitioner


def test_the_rows_device_verifies_nobody_when_the_session_names_another(client, manager):
    device = enrolled(manager)
    static = StaticDevice.objects.get(user=manager)
    _verified(client, manager, static)
    UserSession.objects.filter(pk=client.session.session_key).update(totp_device=device)

    response = client.get(GUIDANCE)

    assert response.wsgi_request.user.otp_device == static


def test_a_deactivated_user_keeps_no_session_row(client, practitioner, admin):
    from records.services import user_deactivate

    client.force_login(practitioner)
    other = type(client)()
    other.force_login(practitioner)

    ended = user_deactivate(user=practitioner, by=admin)

    assert ended == 2
    assert not UserSession.objects.filter(user=practitioner).exists()


def test_any_other_session_engine_fails_the_system_check(settings):
    from records.sessions import check_session_engine

    assert check_session_engine() == []
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"

    [error] = check_session_engine()

    assert error.id == "records.E001"
    assert "django.contrib.sessions.backends.db" in error.msg
