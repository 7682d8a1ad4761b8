from records.models import AuditEvent
from tests.conftest import PASSWORD


def test_it_logs_a_login(client, practitioner):
    response = client.post(
        "/accounts/login/",
        {"username": "practitioner", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.20",
    )

    assert response.status_code == 302
    assert response.url == "/"
    event = AuditEvent.objects.get(event="login")
    assert event.actor == practitioner
    assert event.actor_username == "practitioner"
    assert event.actor_role == "practitioner"
    assert event.ip == "192.0.2.20"
    assert event.record is None


def test_it_logs_a_logout(client, manager):
    client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})

    response = client.post("/accounts/logout/", REMOTE_ADDR="192.0.2.21")

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    event = AuditEvent.objects.get(event="logout")
    assert event.actor == manager
    assert event.actor_role == "manager"
    assert event.ip == "192.0.2.21"
    assert client.get("/").status_code == 302  # logged out for real


def test_it_does_not_log_out_on_get(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/accounts/logout/").status_code == 405
    assert not AuditEvent.objects.filter(event="logout").exists()


def test_it_logs_a_failed_login_without_the_password(client, practitioner):
    tried = "Wrong-Password-4711"

    response = client.post(
        "/accounts/login/",
        {"username": "practitioner", "password": tried},
        REMOTE_ADDR="192.0.2.22",
    )

    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    event = AuditEvent.objects.get(event="login_failed")
    assert event.details == {"username": "practitioner"}
    assert event.ip == "192.0.2.22"
    assert event.actor is None
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert tried not in repr(row)
    assert PASSWORD not in repr(row)
    assert not AuditEvent.objects.filter(event="login").exists()


def test_it_logs_a_failed_login_for_an_unknown_user(client, db):
    client.post("/accounts/login/", {"username": "nobody-here", "password": "secret-4711"})

    event = AuditEvent.objects.get(event="login_failed")
    assert event.details == {"username": "nobody-here"}
    assert "secret-4711" not in repr(AuditEvent.objects.filter(pk=event.pk).values().get())


def test_it_logs_the_forwarded_address_behind_the_proxy(client, practitioner, settings):
    settings.BEHIND_TLS_PROXY = True
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP

    client.post(
        "/accounts/login/",
        {"username": "practitioner", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",  # the proxy
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",  # the first entry is the client's claim
    )

    assert AuditEvent.objects.get(event="login").ip == "198.51.100.7"
