"""Settings read the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


OURS = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "BEHIND_TLS_PROXY",
    "INSECURE_LOCAL_HTTP",
    "DJANGO_SETTINGS_MODULE",
}
SUMMARY = (
    "import config.settings as s; "
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS, "
    "s.STORAGES['staticfiles']['BACKEND'])"
)
# Production settings answering requests in process (an in-memory database, no server; the
# plain static storage, as collectstatic has not run: tests/config/test_production_static.py).
REQUESTS = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": plain}}).enable()
client = Client(HTTP_HOST="127.0.0.1")
for path in ("/healthz", "/accounts/login/"):
    response = client.get(path)
    cookie = response.cookies.get("csrftoken")
    secure = bool(cookie["secure"]) if cookie else None
    print(path, response.status_code, "secure" if secure else "not-secure" if cookie else "-")
"""


def load_settings(code=SUMMARY, **env):
    """Import config.settings in a fresh interpreter with only these variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_it_uses_a_development_key_and_sqlite_while_debug_is_on():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "True django.db.backends.sqlite3" in result.stdout
    assert "localhost" in result.stdout


def test_it_reads_postgresql_and_hosts_from_the_environment():
    result = load_settings(
        SECRET_KEY="from-the-environment",
        DATABASE_URL="postgres://app:pw@db.example.invalid:5432/sharing",
        ALLOWED_HOSTS="share.example.invalid",
    )
    assert result.returncode == 0, result.stderr
    assert "False django.db.backends.postgresql ['share.example.invalid']" in result.stdout
    assert "CompressedManifestStaticFilesStorage" in result.stdout


PRODUCTION = {"SECRET_KEY": "from-the-environment", "DATABASE_URL": "sqlite://:memory:"}


def test_it_sends_secure_only_cookies_when_debug_is_off():
    # Over plain HTTP a browser keeps these cookies back, and signing in fails with 403.
    result = load_settings(REQUESTS, **PRODUCTION, ALLOWED_HOSTS="127.0.0.1")
    assert result.returncode == 0, result.stderr
    assert "/accounts/login/ 200 secure" in result.stdout


def test_it_relaxes_secure_cookies_for_a_trial_on_this_machine():
    result = load_settings(
        REQUESTS, **PRODUCTION, ALLOWED_HOSTS="127.0.0.1,localhost", INSECURE_LOCAL_HTTP="true"
    )
    assert result.returncode == 0, result.stderr
    assert "/accounts/login/ 200 not-secure" in result.stdout


def test_it_refuses_the_local_trial_setting_behind_a_tls_proxy():
    result = load_settings(
        **PRODUCTION,
        ALLOWED_HOSTS="127.0.0.1",
        BEHIND_TLS_PROXY="true",
        INSECURE_LOCAL_HTTP="true",
    )
    assert result.returncode != 0
    assert "unset it when BEHIND_TLS_PROXY is on" in result.stderr


def test_it_refuses_the_local_trial_setting_for_another_host():
    result = load_settings(
        **PRODUCTION, ALLOWED_HOSTS="127.0.0.1,share.example.invalid", INSECURE_LOCAL_HTTP="true"
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS may hold only 127.0.0.1, localhost, [::1]" in result.stderr


def test_it_redirects_to_https_behind_a_proxy_but_not_the_liveness_probe():
    result = load_settings(
        REQUESTS, **PRODUCTION, ALLOWED_HOSTS="127.0.0.1", BEHIND_TLS_PROXY="true"
    )
    assert result.returncode == 0, result.stderr
    assert "/healthz 200" in result.stdout
    assert "/accounts/login/ 301" in result.stdout


SQLITE_WRITERS = """
import os, tempfile, threading
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "two.sqlite3")
import django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE tally (n integer)")
    cursor.execute("INSERT INTO tally VALUES (0)")
errors = []
start = threading.Barrier(2)
def writer():
    start.wait()
    try:
        for _ in range(50):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT n FROM tally")  # read, then write: the deadlock shape
                (n,) = cursor.fetchone()
                cursor.execute("UPDATE tally SET n = %s", [n + 1])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()
threads = [threading.Thread(target=writer) for _ in range(2)]
[t.start() for t in threads]
[t.join() for t in threads]
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM tally")
    print("tally", cursor.fetchone()[0], "errors", len(errors), errors[:1])
"""


def test_it_lets_two_writers_share_an_sqlite_file_without_locking_errors():
    # gunicorn's two workers (and the export worker) write to one file in the quick start.
    result = load_settings(SQLITE_WRITERS, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "tally 100 errors 0 []" in result.stdout, result.stdout
