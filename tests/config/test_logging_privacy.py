"""No query string (a search may hold a case reference or a name), referrer or request body in
the logs: gunicorn's access log (config/gunicorn.conf.py) and Django's own."""

from __future__ import annotations

import logging
import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "config" / "gunicorn.conf.py"
SECRET = "Fictional-Person-Testperson"


def test_the_access_log_format_has_the_path_without_query_or_referrer():
    fmt = runpy.run_path(str(CONF))["access_log_format"]
    assert "%(U)s" in fmt  # the path
    for atom in ("%(r)s", "%(q)s", "%(f)s", "{raw_uri}"):
        assert atom not in fmt


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def test_gunicorn_started_with_it_logs_no_query_string_or_referrer(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(CONF),
                "config.wsgi",
                "--workers=1",
                f"--bind=127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}/healthz?subject={SECRET}"
            referrer = f"http://127.0.0.1:{port}/records/?q={SECRET}-referred"
            for _ in range(200):  # up to 20 s for the worker to boot
                try:
                    assert get(url, Referer=referrer) == 200
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(log.read_text())
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    text = log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in text, text
    assert SECRET not in text
    assert "subject=" not in text


@pytest.mark.django_db
def test_djangos_own_log_lines_name_the_path_only(client, practitioner, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(practitioner)
    client.get("/records/NO-SUCH-REF/", {"q": SECRET})
    client.post("/accounts/login/", {"username": "nobody", "password": f"{SECRET}{PASSWORD}"})
    client.post("/decisions/no-such/purpose/", {"purpose_text": SECRET})

    lines = [record.getMessage() for record in caplog.records]
    assert any("/records/NO-SUCH-REF/" in line for line in lines), lines
    assert not [line for line in lines if SECRET in line]
