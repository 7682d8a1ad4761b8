"""Sessions: a new key at sign-in, ended by signing out, by SESSION_IDLE_TIMEOUT_MINUTES
without a request and by SESSION_ABSOLUTE_HOURS after signing in (audited, with a message)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from config.middleware import LAST_SEEN, STARTED
from records.models import AuditEvent, UserSession
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
COOKIE = "sessionid"


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    return client.cookies[COOKIE].value


def with_cookie(key: str) -> Client:
    other = Client()
    other.cookies[COOKIE] = key
    return other


def set_times(client, **stamps):
    session = client.session
    now = int(time.time())
    for name, seconds_ago in stamps.items():
        session[{"started": STARTED, "last_seen": LAST_SEEN}[name]] = now - seconds_ago
    session.save()


def expired_events():
    return AuditEvent.objects.filter(event=AuditEvent.Event.SESSION_EXPIRED)


def test_it_gives_a_new_session_key_at_sign_in(client, practitioner):
    session = client.session
    session["before"] = "anonymous visit"
    session.save()
    before = session.session_key
    client.cookies[COOKIE] = before

    after = sign_in(client, practitioner)

    assert after != before
    assert not UserSession.objects.filter(session_key=before).exists()
    assert with_cookie(before).get("/").status_code == 302


def test_it_stamps_the_session_at_sign_in(client, practitioner):
    sign_in(client, practitioner)
    session = client.session
    assert abs(session[STARTED] - time.time()) < 60
    assert session[LAST_SEEN] == session[STARTED]


def test_signing_out_ends_the_session(client, practitioner):
    key = sign_in(client, practitioner)
    assert with_cookie(key).get("/").status_code == 200

    client.post("/accounts/logout/")

    assert not UserSession.objects.filter(session_key=key).exists()
    response = with_cookie(key).get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_idle_session_ends_with_an_event_and_a_message(client, practitioner):
    key = sign_in(client, practitioner)
    set_times(client, last_seen=31 * 60, started=40 * 60)

    response = client.get("/records/", {"q": "Fictional Person"})

    # Sent to sign in, back to the page (its path only: a query may hold a search).
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/records/"
    [event] = expired_events()
    assert event.actor == practitioner
    assert event.details == {"reason": "idle", "idle_minutes": 30, "absolute_hours": 8}
    assert not UserSession.objects.filter(session_key=key).exists()
    # No sign-out is recorded: the person did not sign out.
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.LOGOUT).exists()
    page = client.get(response["Location"]).content.decode()
    assert "You have been signed out because you had not used the service for 30 minutes" in page
    assert "govuk-notification-banner" in page
    assert with_cookie(key).get("/").status_code == 302


def test_a_session_unused_past_its_cookies_age_ends_with_an_event_and_a_message(
    client, practitioner
):
    """Unused for all of SESSION_COOKIE_AGE (8 hours), the session has expired before the
    timeouts see it: the person is still told why, and the trail still says whose it was."""
    from datetime import timedelta

    from django.utils import timezone

    key = sign_in(client, practitioner)
    UserSession.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/records/", follow=True)

    assert response.redirect_chain[0] == ("/accounts/login/?next=/records/", 302)
    assert "you had not used the service for 30 minutes" in response.content.decode()
    [event] = expired_events()
    assert event.actor == practitioner
    assert event.details == {
        "reason": "idle",
        "idle_minutes": 30,
        "absolute_hours": 8,
        "unused_past_cookie_age": True,
    }
    assert not UserSession.objects.filter(session_key=key).exists()
    # Told once: the same cookie again is a stranger's.
    again = with_cookie(key).get("/", follow=True)
    assert "you had not used the service" not in again.content.decode()
    assert expired_events().count() == 1


def test_a_cookie_naming_no_session_is_a_strangers(client):
    client.cookies[COOKIE] = "no-such-session-key-fictional"

    response = client.get("/", follow=True)

    assert "signed out" not in response.content.decode()
    assert not expired_events().exists()


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, practitioner):
    key = sign_in(client, practitioner)
    set_times(client, started=8 * 3600 + 5, last_seen=10)

    response = client.get("/", follow=True)

    assert response.redirect_chain[0] == ("/accounts/login/?next=/", 302)
    [event] = expired_events()
    assert event.details["reason"] == "absolute"
    assert "you had been signed in for 8 hours" in response.content.decode()
    assert not UserSession.objects.filter(session_key=key).exists()


def test_a_session_used_within_the_limits_carries_on(client, practitioner):
    sign_in(client, practitioner)
    set_times(client, started=7 * 3600, last_seen=29 * 60)

    assert client.get("/").status_code == 200

    # The request counts as activity: the idle clock starts again.
    assert abs(client.session[LAST_SEEN] - time.time()) < 60
    assert not expired_events().exists()


def test_the_last_seen_time_is_written_at_most_once_a_minute(client, practitioner):
    sign_in(client, practitioner)
    set_times(client, started=100, last_seen=20)
    stamp = client.session[LAST_SEEN]

    client.get("/")

    assert client.session[LAST_SEEN] == stamp


def test_the_limits_are_settings(client, practitioner, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    settings.SESSION_ABSOLUTE_HOURS = 1
    sign_in(client, practitioner)
    set_times(client, started=60, last_seen=6 * 60)
    assert client.get("/").status_code == 302
    sign_in(client, practitioner)
    set_times(client, started=3601, last_seen=0)
    assert client.get("/").status_code == 302
    assert [e.details for e in expired_events().order_by("pk")] == [
        {"reason": "idle", "idle_minutes": 5, "absolute_hours": 1},
        {"reason": "absolute", "idle_minutes": 5, "absolute_hours": 1},
    ]


def test_a_post_after_the_timeout_changes_nothing(client, practitioner):
    from records.models import DecisionRecord

    sign_in(client, practitioner)
    set_times(client, last_seen=31 * 60)

    response = client.post("/decisions/new/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/decisions/new/"
    assert not DecisionRecord.objects.exists()


def test_strangers_are_not_touched(client):
    assert client.get("/guidance/").status_code == 200
    assert not expired_events().exists()
    assert not UserSession.objects.exists()


def test_the_export_pages_polling_does_not_keep_an_idle_session_open(client, auditor, settings):
    from exports.models import ExportJob

    job = ExportJob.objects.create(requested_by=auditor, status=ExportJob.Status.RUNNING)
    sign_in(client, auditor)
    set_times(client, started=20 * 60, last_seen=20 * 60)
    stamp = client.session[LAST_SEEN]

    assert client.get(f"/exports/{job.pk}/status.json").status_code == 200
    assert client.session[LAST_SEEN] == stamp  # not counted as using the service

    set_times(client, last_seen=31 * 60)
    response = client.get(f"/exports/{job.pk}/status.json")
    assert response.status_code == 302
    assert expired_events().get().details["reason"] == "idle"
