"""``manage.py verify_audit``: exit 0 on a whole chain, non-zero naming the first broken event
after a row was changed, removed or slipped in behind the app's back.

Tampering goes around the app with raw SQL. On PostgreSQL that also means getting past the
append-only trigger, as a table owner could: ``pgtrigger.ignore`` for some tests, ``ALTER
TABLE ... DISABLE TRIGGER`` for others (both rolled back with the test's transaction). SQLite
has no trigger: the chain is what catches the change there.
"""

import contextlib
import io
import json

import pgtrigger
import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection

from records.audit import CONTENT_CHANGED, INSERTED, LINK_BROKEN, event_hash, verify_chain
from records.models import AuditEvent
from records.services import audit_log

TABLE = AuditEvent._meta.db_table
TRIGGER = "records.AuditEvent:audit_append_only"


@contextlib.contextmanager
def past_the_trigger():
    """Raw writes to the audit table, as someone who owns it could make them."""
    if connection.vendor == "postgresql":
        with pgtrigger.ignore(TRIGGER), connection.cursor() as cursor:
            yield cursor
    else:
        with connection.cursor() as cursor:
            yield cursor


@contextlib.contextmanager
def trigger_disabled():
    """The other way round the trigger: the owner switches it off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fire the deferred foreign-key checks first: ALTER TABLE refuses to run with
            # trigger events pending in the transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


@pytest.fixture
def trail(practitioner, manager):
    """Six events, as the app writes them."""
    rows = []
    for n in range(3):
        rows.append(audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner, ip="192.0.2.1"))
        rows.append(
            audit_log(
                event=AuditEvent.Event.VIEWED,
                actor=manager,
                record_reference=f"ISD-2026-{n:05d}",
                details={"n": n},
            )
        )
    return rows


def verify(*args):
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as error:
        verify(*args)
    return str(error.value)


def test_a_whole_chain_passes(trail):
    assert verify().startswith("6 events, chain whole. Head ")
    assert trail[-1].hash in verify()


def test_an_empty_trail_passes(db):
    assert verify().startswith("0 events, chain whole.")


def test_batches_smaller_than_the_trail_change_nothing(trail):
    assert verify("--batch-size", "2").startswith("6 events, chain whole.")
    assert verify("--batch-size", "1").startswith("6 events, chain whole.")


def test_an_edited_row_is_named(trail):
    victim = trail[2]
    with past_the_trigger() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET actor_username = %s WHERE id = %s", ["manager", victim.pk]
        )

    message = refused()

    assert f"event id {victim.pk} (login, " in message
    assert victim.at.strftime("%Y-%m-%dT%H:%M:%S") in message
    assert "content was changed" in message
    assert "after 2 good events" in message
    result = verify_chain()
    assert result.broken.event_id == victim.pk
    assert result.broken.reason == CONTENT_CHANGED


def test_an_edit_of_the_details_is_named(trail):
    victim = trail[3]
    with trigger_disabled() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET details = %s WHERE id = %s", [json.dumps({"n": 9}), victim.pk]
        )

    assert f"event id {victim.pk} (viewed, " in refused()
    assert verify_chain().broken.reason == CONTENT_CHANGED


def test_an_edit_of_the_time_is_named(trail):
    victim = trail[4]
    with past_the_trigger():
        AuditEvent.objects.filter(pk=victim.pk).update(at=victim.at.replace(year=2020))

    assert f"event id {victim.pk} (login, 2020-" in refused()


def test_an_edit_that_also_rewrites_the_hash_is_caught_at_the_next_row(trail):
    """Someone who knows the algorithm edits a row and gives it a matching hash: the row
    checks out on its own, but the next row still links to the old hash."""
    victim, after = trail[2], trail[3]
    forged = event_hash(
        event=victim.event,
        actor_id=victim.actor_id,
        actor_username="someone-else",
        actor_role=victim.actor_role,
        record_id=victim.record_id,
        record_reference=victim.record_reference,
        ip=victim.ip,
        details=victim.details,
        at=victim.at,
        prev_hash=victim.prev_hash,
    )
    with past_the_trigger() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET actor_username = %s, hash = %s WHERE id = %s",
            ["someone-else", forged, victim.pk],
        )

    message = refused()

    assert f"event id {after.pk} (viewed, " in message
    assert f"does not follow the event before it (id {victim.pk})" in message
    assert verify_chain().broken.reason == LINK_BROKEN


def test_a_deleted_row_is_named_by_the_row_after_the_gap(trail):
    victim, after = trail[2], trail[3]
    with past_the_trigger() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [victim.pk])

    message = refused()

    assert f"event id {after.pk} (viewed, " in message
    assert f"does not follow the event before it (id {trail[1].pk})" in message
    assert f"ids {victim.pk} to {victim.pk} are not in the table" in message
    assert "a previous event is missing" in message
    result = verify_chain()
    assert result.broken.event_id == after.pk
    assert result.broken.reason == LINK_BROKEN
    assert result.events == 2
    assert result.head == trail[1].hash


def test_deleting_the_first_rows_is_caught(trail):
    with trigger_disabled() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id <= %s", [trail[1].pk])

    message = refused()

    assert f"event id {trail[2].pk} (login, " in message
    assert "does not follow the start of the chain" in message


def test_a_row_inserted_at_the_end_is_named(trail, practitioner):
    with past_the_trigger() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (at, actor_id, actor_username, actor_role, event, "
            "record_reference, details, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                trail[-1].at,
                practitioner.pk,
                "practitioner",
                "practitioner",
                "viewed",
                "ISD-2026-00001",
                json.dumps({}),
                "",
                "",
            ],
        )
        cursor.execute(f"SELECT max(id) FROM {TABLE}")
        inserted = cursor.fetchone()[0]

    message = refused()

    assert f"event id {inserted} (viewed, " in message
    assert "inserted behind the app's back" in message
    assert verify_chain().broken.reason == INSERTED


def test_a_row_slipped_into_a_gap_is_named(trail):
    """Copied from the row before it, linked to it, slipped in between: its hash gives it
    away, and the row after it no longer links either."""
    victim = trail[2]
    with past_the_trigger() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [victim.pk])
        cursor.execute(
            f"INSERT INTO {TABLE} (id, at, actor_username, actor_role, event, "
            "record_reference, details, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                victim.pk,
                victim.at,
                "auditor",
                "auditor",
                "login",
                "",
                json.dumps({}),
                trail[1].hash,
                victim.hash,
            ],
        )

    message = refused()

    assert f"event id {victim.pk} (login, " in message
    assert "content was changed" in message


def test_the_command_exits_non_zero_from_the_command_line(trail, capsys):
    with past_the_trigger() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET ip = %s WHERE id = %s", ["192.0.2.99", trail[0].pk])

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "verify_audit"])

    assert exit_.value.code == 1
    assert f"event id {trail[0].pk} (login, " in capsys.readouterr().err


def test_the_command_exits_zero_from_the_command_line(trail, capsys):
    execute_from_command_line(["manage.py", "verify_audit"])  # no SystemExit

    assert capsys.readouterr().out.startswith("6 events, chain whole.")


def test_an_anchor_still_in_the_chain_passes(trail):
    out = verify("--anchor", trail[3].hash)

    assert out.startswith("6 events, chain whole.")
    assert "Contains the anchor." in out


def test_events_removed_from_the_end_are_caught_by_the_anchor(trail):
    """Cutting the tail leaves a chain that links up: only the head kept from an earlier run
    shows it."""
    recorded_head = trail[-1].hash
    with past_the_trigger() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id >= %s", [trail[4].pk])

    assert verify().startswith("4 events, chain whole.")
    message = refused("--anchor", recorded_head)

    assert "cut short or rewritten" in message
    assert f"none has the hash {recorded_head}" in message
    result = verify_chain(anchor=recorded_head)
    assert result.broken is None
    assert not result.ok


def test_a_chain_recomputed_from_an_edit_on_is_caught_by_the_anchor(trail):
    """Someone who knows the algorithm edits a row and recomputes every hash after it: the
    chain links up again, but the head recorded earlier is gone."""
    recorded_head = trail[-1].hash
    rows = list(AuditEvent.objects.order_by("id"))
    prev = rows[1].hash
    with past_the_trigger() as cursor:
        for n, row in enumerate(rows[2:]):
            username = "someone-else" if n == 0 else row.actor_username
            forged = event_hash(
                event=row.event,
                actor_id=row.actor_id,
                actor_username=username,
                actor_role=row.actor_role,
                record_id=row.record_id,
                record_reference=row.record_reference,
                ip=row.ip,
                details=row.details,
                at=row.at,
                prev_hash=prev,
            )
            cursor.execute(
                f"UPDATE {TABLE} SET actor_username = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [username, prev, forged, row.pk],
            )
            prev = forged

    assert verify().startswith("6 events, chain whole.")
    assert "cut short or rewritten" in refused("--anchor", recorded_head)


def test_a_head_file_carries_the_anchor_from_run_to_run(trail, tmp_path, practitioner):
    head_file = tmp_path / "audit-head"

    assert verify("--head-file", str(head_file)).startswith("6 events, chain whole.")
    assert head_file.read_text() == trail[-1].hash + "\n"

    later = audit_log(event=AuditEvent.Event.LOGOUT, actor=practitioner)
    out = verify("--head-file", str(head_file))
    assert "Contains the anchor." in out
    assert head_file.read_text() == later.hash + "\n"

    with past_the_trigger() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [later.pk])
    assert "cut short or rewritten" in refused("--head-file", str(head_file))
    assert head_file.read_text() == later.hash + "\n"  # kept for the next run to fail too


def test_anchor_and_head_file_do_not_mix(trail, tmp_path):
    message = refused("--anchor", trail[0].hash, "--head-file", str(tmp_path / "head"))
    assert "not both" in message
