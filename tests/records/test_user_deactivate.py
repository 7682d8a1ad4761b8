"""records.services.user_deactivate and the admin's ways to it: the user can no longer sign
in, every session they have ends at once, and the trail says who did it."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from records.models import AuditEvent, User, UserSession
from records.services import user_deactivate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(family_team):
    return User.objects.create_superuser(
        username="siteadmin", password=PASSWORD, first_name="Site", last_name="Testadmin"
    )


def signed_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    return client


def refused(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_ends_every_session_of_the_user_and_no_other(practitioner, practitioner2, site_admin):
    desk, laptop = signed_in(practitioner), signed_in(practitioner)
    colleague = signed_in(practitioner2)
    keys = {desk.cookies["sessionid"].value, laptop.cookies["sessionid"].value}

    ended = user_deactivate(user=practitioner, by=site_admin, ip="10.0.0.9")

    assert ended == 2
    assert refused(desk) and refused(laptop)
    assert colleague.get("/").status_code == 200
    assert not UserSession.objects.filter(session_key__in=keys).exists()
    practitioner.refresh_from_db()
    assert practitioner.is_active is False
    [event] = AuditEvent.objects.filter(event=AuditEvent.Event.USER_DEACTIVATED)
    assert (event.actor, event.ip) == (site_admin, "10.0.0.9")
    assert event.details == {
        "user": "practitioner",
        "user_id": practitioner.pk,
        "sessions_ended": 2,
    }


def test_a_deactivated_user_cannot_sign_in_again(client, practitioner, site_admin):
    user_deactivate(user=practitioner, by=site_admin)
    response = client.post(
        "/accounts/login/", {"username": practitioner.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_nobody_deactivates_themselves(site_admin):
    with pytest.raises(ValidationError):
        user_deactivate(user=site_admin, by=site_admin)
    site_admin.refresh_from_db()
    assert site_admin.is_active


def test_the_admin_action_deactivates_the_selected_users(practitioner, manager, site_admin):
    victim = signed_in(practitioner)
    admin = Client()
    admin.force_login(site_admin)

    response = admin.post(
        "/admin/records/user/",
        {"action": "deactivate_users", "_selected_action": [practitioner.pk, manager.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Deactivated manager, practitioner" in response.content.decode()
    assert refused(victim)
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {
        "manager",
        "practitioner",
    }
    assert AuditEvent.objects.filter(event=AuditEvent.Event.USER_DEACTIVATED).count() == 2


def test_the_admin_action_leaves_the_admin_signed_in(site_admin):
    admin = Client()
    admin.force_login(site_admin)
    response = admin.post(
        "/admin/records/user/",
        {"action": "deactivate_users", "_selected_action": [site_admin.pk]},
        follow=True,
    )
    assert "You cannot deactivate your own account." in response.content.decode()
    site_admin.refresh_from_db()
    assert site_admin.is_active


def test_unticking_active_on_the_users_page_ends_their_sessions(practitioner, site_admin):
    victim = signed_in(practitioner)
    model_admin = site._registry[User]
    request = RequestFactory().post("/admin/records/user/")
    request.user = site_admin

    class Form:
        changed_data = ["is_active"]

    practitioner.is_active = False
    model_admin.save_model(request, practitioner, Form(), change=True)

    assert refused(victim)
    [event] = AuditEvent.objects.filter(event=AuditEvent.Event.USER_DEACTIVATED)
    assert event.details["sessions_ended"] == 1
