"""Settings read the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env):
    """Import config.settings in a fresh interpreter with only these variables set."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"}
    }
    code = (
        "import config.settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS, "
        "s.STORAGES['staticfiles']['BACKEND'])"
    )
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
