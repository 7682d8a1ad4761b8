"""DeviceMiddleware: django-otp's rules for the session's device, with our cheaper read. A
device that is gone, not confirmed, someone else's, or named wrongly verifies nobody."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.records.mfa_helpers import enrolled

AUDIT = "/audit/"


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_MFA = True


def _signed_in_with(client, user, persistent_id):
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    return client


def test_it_verifies_with_the_users_confirmed_device(client, auditor):
    device = enrolled(auditor)

    response = _signed_in_with(client, auditor, device.persistent_id).get(AUDIT)

    assert response.status_code == 200


def test_it_reads_django_otps_legacy_id_as_django_otp_does(client, auditor):
    device = enrolled(auditor)
    legacy = f"django_otp.plugins.otp_totp.models.TOTPDevice/{device.pk}"

    response = _signed_in_with(client, auditor, legacy).get(AUDIT)

    assert response.status_code == 200


def test_it_verifies_with_a_backup_code_device_too(client, auditor):
    enrolled(auditor)
    static = StaticDevice.objects.get(user=auditor)

    response = _signed_in_with(client, auditor, static.persistent_id).get(AUDIT)

    assert response.status_code == 200


def test_it_refuses_another_users_device(client, auditor, manager):
    theirs = enrolled(manager)
    enrolled(auditor)

    response = _signed_in_with(client, auditor, theirs.persistent_id).get(AUDIT)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/two-factor/verify/")
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_it_refuses_an_unconfirmed_device(client, auditor):
    device = enrolled(auditor)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)

    response = _signed_in_with(client, auditor, device.persistent_id).get(AUDIT)

    assert response.status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_it_refuses_a_device_deleted_since(client, auditor):
    device = enrolled(auditor)
    persistent_id = device.persistent_id
    device.delete()

    response = _signed_in_with(client, auditor, persistent_id).get(AUDIT)

    assert response.status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "persistent_id",
    [
        "otp_totp.totpdevice/not-a-number",
        "no_such_app.device/1",
        "records.user/1",  # a model, but not a device
        "nonsense",
        "otp_totp.totpdevice/999999",
    ],
)
def test_it_treats_a_malformed_or_foreign_id_as_no_device(client, auditor, persistent_id):
    enrolled(auditor)

    response = _signed_in_with(client, auditor, persistent_id).get(AUDIT)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/two-factor/verify/")
