"""Backup and restore, as the README's "Reliability" section has it: `pg_dump -Fc` of a database
with records and audit events, `pg_restore` into a fresh database on the same server, `migrate`
(nothing to apply) and `verify_audit` there, anchored on the head the original printed, after
`vacuumdb --analyze`; and the restored audit table still refuses UPDATE and DELETE (its trigger
came with it)."""

import io
import re
import shutil
import subprocess
import sys

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from decisions import demo
from records.models import AuditEvent, DecisionRecord
from tests.config import processes

RESTORED = "share_safely_restored_test"


@pytest.fixture
def fresh_database(transactional_db):
    """An empty database beside the test one, dropped afterwards (PostgreSQL only)."""
    processes.skip_unless_postgres(
        "backup and restore are pg_dump and pg_restore: run with scripts/with-postgres.sh"
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{RESTORED}"')
        cursor.execute(f'CREATE DATABASE "{RESTORED}"')
    yield RESTORED
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


def run(command, **env):
    done = subprocess.run(
        command,
        cwd=processes.ROOT,
        env=processes.environment(processes.ROOT / ".tmp" / "test-media", **env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done


@pytest.mark.django_db(transaction=True)
def test_it_restores_a_dump_into_a_fresh_database_where_the_audit_chain_verifies(
    practitioner, manager, auditor, tmp_path, fresh_database
):
    processes.skip_unless_postgres()
    for tool in ("pg_dump", "pg_restore", "vacuumdb"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found (PostgreSQL client tools)")
    for outcome in ("share_without_consent", "share_with_consent", "not_share_no_purpose"):
        demo.create_submitted(author=practitioner, answers=demo.finished_answers(outcome))
    demo.create_returned(
        author=practitioner,
        manager=manager,
        answers=demo.finished_answers("share_without_consent"),
        comment="Say which parts of the plan the police need.",
    )
    records, events = DecisionRecord.objects.count(), AuditEvent.objects.count()
    assert events > records > 0
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    head = re.search(r"Head ([0-9a-f]{64})", out.getvalue()).group(1)

    dump = tmp_path / "share_safely.dump"
    source = processes.database_url()
    target = processes.database_url(fresh_database)
    dumped = run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), "-d", source])
    assert dumped.returncode == 0, dumped.stderr
    restored = run(["pg_restore", "--no-owner", "--exit-on-error", "-d", target, str(dump)])
    assert restored.returncode == 0, restored.stderr
    vacuumed = run(["vacuumdb", "--analyze", "-d", target])
    assert vacuumed.returncode == 0, vacuumed.stderr

    migrated = run([sys.executable, "manage.py", "migrate", "--noinput"], DATABASE_URL=target)
    assert migrated.returncode == 0, migrated.stderr
    assert "No migrations to apply." in migrated.stdout
    verified = run(
        [sys.executable, "manage.py", "verify_audit", f"--anchor={head}"], DATABASE_URL=target
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{events} events, chain whole. Head {head}" in verified.stdout

    with psycopg2.connect(target) as restored_db, restored_db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM records_decisionrecord")
        assert cursor.fetchone()[0] == records
        # What a dump does not carry, vacuumdb made: statistics and the visibility map.
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname = 'records_decisionrecord'"
        )
        assert cursor.fetchone() == (True, True)
        for statement in (
            "UPDATE records_auditevent SET details = '{}'::jsonb",
            "DELETE FROM records_auditevent",
        ):
            with pytest.raises(psycopg2.Error, match="pgtrigger: Cannot .* records_auditevent"):
                cursor.execute(statement)
            restored_db.rollback()
        cursor.execute("SELECT count(*) FROM records_auditevent")
        assert cursor.fetchone()[0] == events
    restored_db.close()
