import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_it_has_a_migration_for_every_model_change():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as missing:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}", pytrace=False)
        raise AssertionError from missing
    assert "No changes detected" in out.getvalue()
