"""Settings for the test suite: the real settings with test-only relaxations."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")

from config.settings import *  # noqa: E402,F403

# Tests render templates without running collectstatic first.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# The live server speaks plain HTTP.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Built exports go to a scratch folder (or TEST_MEDIA_ROOT, which a test gives the worker it
# starts), never the developer's media/; tests that build one point MEDIA_ROOT at their own
# temporary folder. Jobs queue in the database as in production (TASKS); tests run them with the
# ImmediateBackend or a real `db_worker`.
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT") or BASE_DIR / ".tmp" / "test-media")  # noqa: F405
# Two-factor is off unless a test turns it on (tests/records/test_mfa_*.py do).
REQUIRE_MFA = False
