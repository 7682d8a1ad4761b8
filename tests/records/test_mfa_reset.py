"""An administrator resets someone's two-factor (a lost phone): audited, set up again after."""

import pytest
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.mfa_services import user_mfa_reset
from records.models import AuditEvent, User
from tests.records.mfa_helpers import enrolled, totp_code


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_MFA = True


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(
        username="admin", password="correct-horse-battery", first_name="Ada", last_name="Admin"
    )


@pytest.fixture
def admin_client(client, admin_user):
    enrolled(admin_user, backup_codes=[])
    device = TOTPDevice.objects.get(user=admin_user)
    client.force_login(admin_user)
    assert (
        client.post("/accounts/two-factor/verify/", {"code": totp_code(device)}).status_code == 302
    )
    return client


def test_it_removes_their_devices_and_audits_the_administrator(admin_user, manager):
    enrolled(manager)

    removed = user_mfa_reset(user=manager, by=admin_user, ip="192.0.2.60")

    assert removed == 2
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert not StaticDevice.objects.filter(user=manager).exists()
    assert not StaticToken.objects.filter(device__user=manager).exists()
    event = AuditEvent.objects.get(event="mfa_reset")
    assert event.actor == admin_user
    assert event.ip == "192.0.2.60"
    assert event.details == {"username": "manager", "devices_removed": 2}


def test_it_refuses_anyone_but_an_administrator(manager, auditor):
    enrolled(auditor)

    with pytest.raises(PermissionDenied):
        user_mfa_reset(user=auditor, by=manager)

    assert TOTPDevice.objects.filter(user=auditor).exists()
    assert not AuditEvent.objects.filter(event="mfa_reset").exists()


def test_it_is_an_admin_action_on_users(admin_client, admin_user, manager, auditor):
    enrolled(manager)
    enrolled(auditor)

    response = admin_client.post(
        "/admin/records/user/",
        {"action": "reset_mfa", "_selected_action": [manager.pk, auditor.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Two-factor authentication reset for auditor, manager" in response.content.decode()
    assert not TOTPDevice.objects.filter(user__in=[manager, auditor]).exists()
    events = AuditEvent.objects.filter(event="mfa_reset").order_by("pk")
    assert [(e.actor, e.details["username"]) for e in events] == [
        (admin_user, "auditor"),
        (admin_user, "manager"),
    ]


def test_it_hides_the_devices_own_admin_pages(admin_client):
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin_client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_it_sends_a_reset_user_to_set_up_again_even_mid_session(client, admin_user, manager):
    device = enrolled(manager)
    client.force_login(manager)
    client.post("/accounts/two-factor/verify/", {"code": totp_code(device)})
    assert client.get("/records/").status_code == 200

    user_mfa_reset(user=manager, by=admin_user)

    response = client.get("/records/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/two-factor/set-up/")
