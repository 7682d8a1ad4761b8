"""With the database unreachable, a request gets the service's own error page (templates/
500.html), never a stack trace, and the liveness probe says 503.

A subprocess runs the real settings with DEBUG off and DATABASE_URL pointing at a port where
nothing listens, and sends its requests through Django's test client there (the suite's own
database stays untouched, whichever it is).
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
import django
django.setup()
from django.test import Client

client = Client(raise_request_exception=False)
found = {}
found["healthz"] = client.get("/healthz").status_code
# Signing in asks the database for the user.
response = client.post("/accounts/login/", {"username": "practitioner", "password": "x" * 12})
found["login"] = [response.status_code, response.content.decode()]
# A signed-in person's session is looked up in the database before the page is drawn.
client.cookies["sessionid"] = "a" * 32
response = client.get("/records/")
found["records"] = [response.status_code, response.content.decode()]
print(json.dumps(found))
"""


def closed_port() -> int:
    """A port nothing listens on (bound, noted and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_against_no_database() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{closed_port()}/share_safely",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "CONN_HEALTH_CHECKS": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # The server's log has the error (for the people running it), not the page.
    assert "OperationalError" in done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_it_shows_the_services_own_error_page_without_a_traceback_when_the_database_is_down():
    found = run_against_no_database()

    assert found["healthz"] == 503
    for name in ("login", "records"):
        status, html = found[name]
        assert status == 500, name
        assert "Sorry, there is a problem with the service" in html, name
        assert "If someone is in immediate danger, call 999." in html, name
        for leak in ("Traceback", "OperationalError", "psycopg2", "connection refused", 'File "'):
            assert leak.lower() not in html.lower(), (name, leak)
        assert "127.0.0.1:" not in html, name


def test_it_is_told_the_connection_settings_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "CONN_MAX_AGE": "17",
        "CONN_HEALTH_CHECKS": "false",
    }
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "d = settings.DATABASES['default']; "
        "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [17, False]

    env.pop("CONN_MAX_AGE")
    env.pop("CONN_HEALTH_CHECKS")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert json.loads(done.stdout) == [60, True]
