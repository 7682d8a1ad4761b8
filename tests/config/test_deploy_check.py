"""`manage.py check --deploy` passes with the settings a production server is given."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Variables a developer's shell or the test run may set that would change the answer.
CLEARED = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "BEHIND_TLS_PROXY",
    "INSECURE_LOCAL_HTTP",
    "DJANGO_SETTINGS_MODULE",
    "HSTS_INCLUDE_SUBDOMAINS",
    "HSTS_PRELOAD",
    "REQUIRE_MFA",
    # make test sets it for the browser tests; a deployment never does (async.E001).
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def deploy_check(**env):
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    production = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "share.example.invalid",
        "CSRF_TRUSTED_ORIGINS": "https://share.example.invalid",
        "BEHIND_TLS_PROXY": "true",
        # Never connected to: the checks only read settings.
        "DATABASE_URL": "postgres://app:pw@db.example.invalid:5432/sharing",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **production, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_production_settings():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_it_names_the_hsts_warnings_when_subdomains_and_preload_are_switched_off():
    # The settings are read from the environment: switched off, Django's own check says so.
    result = deploy_check(HSTS_INCLUDE_SUBDOMAINS="false", HSTS_PRELOAD="false")
    assert result.returncode != 0
    assert "security.W005" in result.stderr
    assert "security.W021" in result.stderr
