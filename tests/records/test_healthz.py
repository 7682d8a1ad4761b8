from django.db import OperationalError


def test_it_returns_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_it_needs_no_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert b"login" not in response.content


class _UnreachableDatabase:
    def cursor(self):
        raise OperationalError("database unreachable (test)")


def test_it_returns_503_when_the_database_does_not_answer(client, db, monkeypatch):
    monkeypatch.setattr("config.views.connection", _UnreachableDatabase())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
