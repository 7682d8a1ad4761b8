"""Sign-in throttling (django-axes): a username from one address is locked after repeated
failures, for a finite cool-off, with an audit event and our own page."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import RequestFactory, override_settings

from records.models import AuditEvent
from records.utils import client_ip
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
HERE = "192.0.2.30"
ELSEWHERE = "198.51.100.7"
WRONG = "Wrong-Password-4711"


def _sign_in(client, username, password=WRONG, ip=HERE):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail(client, username, times, ip=HERE):
    return [_sign_in(client, username, ip=ip) for _ in range(times)]


def test_it_locks_a_username_from_one_address_after_the_limit(client, practitioner):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5

    before = _fail(client, "practitioner", limit - 1)
    assert [r.status_code for r in before] == [200] * (limit - 1)
    assert "Enter a correct username and password" in before[-1].content.decode()

    locking = _sign_in(client, "practitioner")
    assert locking.status_code == 429

    refused = _sign_in(client, "practitioner", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(event="login").exists()


def test_it_shows_our_page_saying_for_how_long_and_whom_to_contact(client, practitioner):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)

    response = _sign_in(client, "practitioner", PASSWORD)

    page = response.content.decode()
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    assert "Sign-in locked for 15 minutes" in page
    assert settings.SIGN_IN_HELP_CONTACT in page
    assert "Account locked: too many login attempts" not in page  # not axes' own text


def test_it_does_not_lock_the_same_username_from_another_address(client, practitioner):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)

    response = _sign_in(client, "practitioner", PASSWORD, ip=ELSEWHERE)

    assert response.status_code == 302
    assert response.url == "/"


def test_it_does_not_lock_another_username_from_the_same_address(client, practitioner, manager):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)

    response = _sign_in(client, "manager", PASSWORD)

    assert response.status_code == 302


def test_it_ends_the_lock_after_the_cool_off(client, practitioner):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)
    assert _sign_in(client, "practitioner", PASSWORD).status_code == 429

    # Move the failures back in time to just inside, then just past, the cool-off.
    cooloff = timedelta(minutes=settings.AXES_COOLOFF_MINUTES)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - cooloff + timedelta(minutes=1))
    assert _sign_in(client, "practitioner", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))

    response = _sign_in(client, "practitioner", PASSWORD)

    assert response.status_code == 302
    assert AuditEvent.objects.filter(event="login", actor=practitioner).count() == 1


def test_it_does_not_extend_the_lock_on_tries_during_it(client, practitioner):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)
    started = AccessAttempt.objects.get().attempt_time

    _fail(client, "practitioner", 3)

    assert AccessAttempt.objects.get().attempt_time == started


def test_it_resets_the_count_after_a_success(client, practitioner):
    limit = settings.AXES_FAILURE_LIMIT
    _fail(client, "practitioner", limit - 1)
    assert _sign_in(client, "practitioner", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    again = _fail(client, "practitioner", limit - 1)

    assert [r.status_code for r in again] == [200] * (limit - 1)


def test_it_audits_each_lock_once_with_the_username_never_the_password(client, practitioner):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT + 2)

    event = AuditEvent.objects.get(event="login_locked")
    assert event.actor == practitioner
    assert event.ip == HERE
    assert event.details == {
        "username": "practitioner",
        "failures": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
    }
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert WRONG not in repr(row)
    # Every try is still a failed sign-in of its own.
    failed = AuditEvent.objects.filter(event="login_failed").count()
    assert failed == settings.AXES_FAILURE_LIMIT + 2


def test_it_audits_a_lock_on_an_unknown_username_without_an_actor(client, db):
    _fail(client, "nobody-here", settings.AXES_FAILURE_LIMIT)

    event = AuditEvent.objects.get(event="login_locked")
    assert event.actor is None
    assert event.details["username"] == "nobody-here"


@pytest.mark.parametrize(
    ("behind_proxy", "forwarded", "expected"),
    [
        (False, "1.2.3.4, 203.0.113.9", "10.0.0.2"),
        (True, "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the client sent 1.2.3.4 itself
        (True, "2001:db8::7", "2001:db8::7"),
        (True, "", "10.0.0.2"),
        (True, "203.0.113.9, <script>", "10.0.0.2"),  # not from our proxy
    ],
)
def test_it_trusts_the_forwarded_address_only_behind_the_proxy(behind_proxy, forwarded, expected):
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    with override_settings(BEHIND_TLS_PROXY=behind_proxy):
        assert client_ip(request) == expected


@override_settings(BEHIND_TLS_PROXY=True)
def test_it_locks_the_forwarded_address_behind_the_proxy(client, practitioner):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "practitioner", "password": WRONG},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            secure=True,
        )

    other_client = client.post(
        LOGIN,
        {"username": "practitioner", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.10",
        secure=True,
    )

    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    assert other_client.status_code == 302


@pytest.mark.parametrize("length", [151, 256, 100_000])
def test_it_takes_a_username_longer_than_any_account_without_an_error(client, db, length):
    """django-axes stores the username in 255 characters: PostgreSQL refused a longer one."""
    username = "u" * length

    response = _sign_in(client, username)

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert AccessAttempt.objects.get().username == "u" * 150
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(client, username)
    assert response.status_code == 429  # and it is still counted toward a lock


# --- An administrator clears a lock early ---------------------------------------------------


@pytest.fixture
def administrator(db):
    from records.models import User

    return User.objects.create_superuser(username="admin", password=PASSWORD)


def test_an_administrator_clearing_a_lock_is_audited_and_lets_them_sign_in(
    client, practitioner, administrator
):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="practitioner")
    admin_client = type(client)()
    admin_client.force_login(administrator)

    response = admin_client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}, REMOTE_ADDR="192.0.2.9"
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(event="login_lock_cleared")
    assert event.actor == administrator
    assert event.ip == "192.0.2.9"
    assert event.details == {
        "username": "practitioner",
        "address": HERE,
        "failures": settings.AXES_FAILURE_LIMIT,
        "was_locked": True,
    }
    assert _sign_in(client, "practitioner", PASSWORD).status_code == 302  # signed in


def test_clearing_several_from_the_list_audits_each(client, practitioner, manager, administrator):
    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)
    _fail(client, "manager", 2)
    admin_client = type(client)()
    admin_client.force_login(administrator)

    admin_client.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )

    assert not AccessAttempt.objects.exists()
    cleared = AuditEvent.objects.filter(event="login_lock_cleared").order_by("pk")
    assert [(e.details["username"], e.details["was_locked"]) for e in cleared] == [
        ("practitioner", True),
        ("manager", False),
    ]


def test_only_an_administrator_may_clear_a_lock(client, practitioner, manager):
    from django.core.exceptions import PermissionDenied

    from records.throttling import sign_in_locks_clear

    _fail(client, "practitioner", settings.AXES_FAILURE_LIMIT)

    with pytest.raises(PermissionDenied):
        sign_in_locks_clear(attempts=AccessAttempt.objects.all(), by=manager)
    assert AccessAttempt.objects.count() == 1
    assert not AuditEvent.objects.filter(event="login_lock_cleared").exists()
