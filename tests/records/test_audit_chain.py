"""The audit trail's hash chain as ``audit_log`` writes it: each row links to the one before
and hashes its own content; writers on PostgreSQL queue on a lock so the chain never forks.
"""

import datetime
import hashlib
import json
import threading

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions import demo
from records.audit import (
    GENESIS,
    canonical_around,
    event_hash,
    hash_of,
    hashed_content,
    verify_chain,
)
from records.models import AuditEvent
from records.services import audit_log

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "Concurrent writers need PostgreSQL: SQLite's shared-cache in-memory test database "
        "answers a second writer with 'database table is locked' instead of waiting (and "
        "serialises writers with its database lock anyway). Runs under "
        "scripts/with-postgres.sh (make test)."
    ),
)


def chain():
    return list(AuditEvent.objects.order_by("id"))


def test_an_empty_trail_is_a_whole_chain(db):
    result = verify_chain()
    assert result.ok
    assert result.events == 0
    assert result.head == GENESIS
    assert result.describe().startswith("0 events, chain whole")


def test_each_event_links_to_the_one_before_and_hashes_its_own_content(practitioner):
    first = audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner, ip="192.0.2.1")
    second = audit_log(
        event=AuditEvent.Event.LOGIN_FAILED, ip="2001:db8::1", details={"username": "x"}
    )
    third = audit_log(event=AuditEvent.Event.LOGOUT, actor=practitioner)

    rows = chain()
    assert [r.pk for r in rows] == [first.pk, second.pk, third.pk]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    for row in rows:
        assert len(row.hash) == 64
        assert row.hash == hash_of(row)
    assert len({r.hash for r in rows}) == 3
    result = verify_chain()
    assert result.ok
    assert result.events == 3
    assert result.head == third.hash
    assert result.last_id == third.pk


def test_the_time_hashed_is_the_time_stored(practitioner):
    written = audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)

    stored = AuditEvent.objects.get(pk=written.pk)

    assert stored.at == written.at
    assert stored.hash == written.hash


def test_the_hash_covers_every_field(practitioner):
    row = audit_log(
        event=AuditEvent.Event.VIEWED,
        actor=practitioner,
        ip="192.0.2.9",
        details={"b": [1, 2.5, None], "a": "é \u202e"},
    )
    stored = AuditEvent.objects.get(pk=row.pk)
    base = {
        "event": stored.event,
        "actor_id": stored.actor_id,
        "actor_username": stored.actor_username,
        "actor_role": stored.actor_role,
        "record_id": stored.record_id,
        "record_reference": stored.record_reference,
        "ip": stored.ip,
        "details": stored.details,
        "at": stored.at,
        "prev_hash": stored.prev_hash,
    }
    assert event_hash(**base) == stored.hash
    changes = {
        "event": "exported",
        "actor_id": practitioner.pk + 1,
        "actor_username": "someone",
        "actor_role": "auditor",
        "record_id": 1,
        "record_reference": "ISD-2020-00001",
        "ip": "192.0.2.10",
        "details": {**stored.details, "a": "changed"},
        "at": stored.at.replace(microsecond=(stored.at.microsecond + 1) % 1_000_000),
        "prev_hash": "f" * 64,
    }
    for field, value in changes.items():
        assert event_hash(**{**base, field: value}) != stored.hash, field


def test_details_hash_the_same_when_read_back(practitioner):
    """Whatever the JSON column does to them (PostgreSQL's jsonb writes 1e16 as an integer
    and sorts keys its own way), the details hash the same when read back."""
    audit_log(
        event=AuditEvent.Event.EXPORTED,
        actor=practitioner,
        ip="::ffff:192.0.2.1",
        details={
            "zz": 1,
            "a": [1.0, 1e16, 1.5e300, 1e-7, -0.0, 2**70],
            "nested": {"b": None, "a": True, "é": "\u202e\U0001f600"},
            "": "",
        },
    )
    audit_log(event=AuditEvent.Event.VIEWED, actor=practitioner, ip="2001:DB8:0:0::1")

    result = verify_chain()
    assert result.ok, result.describe()
    assert result.events == 2


def test_a_record_and_its_reference_are_in_the_chain(practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )

    events = AuditEvent.objects.filter(record=record)
    assert events.exists()
    assert all(e.record_reference == record.reference for e in events)
    assert verify_chain().ok
    assert verify_chain().events == AuditEvent.objects.count()


def test_a_reference_without_a_record(practitioner):
    row = audit_log(
        event=AuditEvent.Event.ACCESS_DENIED, actor=practitioner, record_reference="ISD-X"
    )

    assert row.record_id is None
    assert row.record_reference == "ISD-X"
    assert verify_chain().ok


def test_an_event_rolled_back_with_its_transaction_leaves_the_chain_whole(practitioner):
    audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_log(event=AuditEvent.Event.LOGOUT, actor=practitioner)
        raise RuntimeError("the caller's work failed")
    audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)

    rows = chain()
    assert [r.event for r in rows] == ["login", "login"]
    assert rows[1].prev_hash == rows[0].hash
    assert verify_chain().ok


def test_an_unhashed_row_breaks_the_chain(practitioner):
    """A row written around audit_log (no hash) is caught like any other stranger."""
    audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)
    stranger = AuditEvent.objects.create(event="login", actor_username="nobody")

    result = verify_chain()

    assert not result.ok
    assert result.broken.event_id == stranger.pk
    assert result.broken.reason == "inserted"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain(practitioner, manager, auditor):
    writers, per_writer = 6, 25
    users = [practitioner, manager, auditor]
    start = threading.Barrier(writers, timeout=30)
    errors = []

    def write(n):
        try:
            start.wait()
            for i in range(per_writer):
                audit_log(
                    event=AuditEvent.Event.VIEWED,
                    actor=users[n % len(users)],
                    details={"writer": n, "i": i},
                )
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    total = writers * per_writer
    assert AuditEvent.objects.count() == total
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == total  # no two rows claim the same previous row
    result = verify_chain()
    assert result.ok, result.describe()
    assert result.events == total


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_the_transaction_holding_the_chain(practitioner, manager):
    """Without the lock the second writer would read the head before the first commits and
    fork the chain; with it, it waits and links to the first."""
    first_logged, release, second_done = threading.Event(), threading.Event(), threading.Event()
    rows = {}
    errors = []

    def first():
        try:
            with transaction.atomic():
                rows["first"] = audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)
                first_logged.set()
                assert release.wait(30)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            assert first_logged.wait(30)
            rows["second"] = audit_log(event=AuditEvent.Event.LOGIN, actor=manager)
            second_done.set()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    audit_log(event=AuditEvent.Event.LOGOUT, actor=manager)  # a head to fork from
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_logged.wait(30)
    assert not second_done.wait(0.5), "the second writer did not wait for the first"
    release.set()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert rows["second"].prev_hash == rows["first"].hash
    assert verify_chain().ok


def _nothing_open() -> bool:
    """The connection is in no transaction, at the server as well as in Django."""
    import psycopg2.extensions

    status = connection.connection.info.transaction_status
    return status == psycopg2.extensions.TRANSACTION_STATUS_IDLE and connection.get_autocommit()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_one_statement(practitioner):
    """A view of a record: the lock, the head, the time, the hash and the row in the
    database's own function, committed as the statement ends."""
    from django.test.utils import CaptureQueriesContext

    audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner, ip="192.0.2.1")
    with CaptureQueriesContext(connection) as queries:
        viewed = audit_log(
            event=AuditEvent.Event.VIEWED, actor=practitioner, ip="192.0.2.1", details={"a": 1}
        )

    sqls = [query["sql"] for query in queries.captured_queries]
    assert len(sqls) == 1
    assert "records_audit_append" in _statement_text(sqls[0])
    before, stored = chain()
    assert stored.pk == viewed.pk > before.pk
    assert stored.prev_hash == viewed.prev_hash == before.hash
    assert stored.hash == viewed.hash == hash_of(stored)
    assert stored.at == viewed.at
    assert (stored.event, stored.actor_id, stored.ip, stored.details) == (
        "viewed",
        practitioner.pk,
        "192.0.2.1",
        {"a": 1},
    )
    assert verify_chain().ok
    assert _nothing_open()


def _statement_text(sql: str) -> str:
    """The SQL itself, where ``rows.execute`` ran it as a prepared statement."""
    if not sql.startswith("EXECUTE "):
        return sql
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name = %s", [sql.split()[1]]
        )
        return cursor.fetchone()[0]


@postgres_only
def test_the_database_hashes_hostile_content_as_the_app_does(practitioner):
    """The function hashes the pieces the app wrote around the time and the previous hash:
    whatever a name, a reference or the details hold, the hash is the one ``event_hash``
    gives for the row as stored."""
    hostile = "<script>\"'\\ \u202e\U0001f600 é \x7f\t\n{}[]:, \ud7ff"
    rows = [
        audit_log(
            event=AuditEvent.Event.LOGIN_FAILED,
            ip="2001:DB8::1",
            details={"username": hostile, hostile: [hostile, 1.5, None, True, 2**70]},
        ),
        audit_log(
            event=AuditEvent.Event.ACCESS_DENIED,
            actor=practitioner,
            record_reference=hostile,
            details={"path": "/records/\x00/"},
        ),
        audit_log(event=AuditEvent.Event.LOGOUT),
    ]

    for row in rows:
        stored = AuditEvent.objects.get(pk=row.pk)
        assert stored.hash == row.hash == hash_of(stored)
    assert verify_chain().ok


@postgres_only
def test_the_first_event_links_to_genesis_in_the_database(practitioner):
    assert not AuditEvent.objects.exists()

    first = audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)

    assert first.prev_hash == GENESIS
    assert first.hash == hash_of(AuditEvent.objects.get(pk=first.pk))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_every_event_takes_the_databases_time_in_the_chains_order(practitioner):
    """Alone, inside a transaction, or with a wizard page's change: each event's time is
    the database's clock read under the chain's lock, so time and id keep one order, however
    far apart the app's servers' clocks are."""
    draft = _draft(practitioner)
    before = connection.cursor()
    before.execute("SELECT clock_timestamp()")
    started = before.fetchone()[0]
    audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)
    with transaction.atomic():
        audit_log(event=AuditEvent.Event.VIEWED, actor=practitioner, record=draft)
    _save_purpose(draft, practitioner)
    audit_log(event=AuditEvent.Event.LOGOUT, actor=practitioner)

    rows = [row for row in chain() if row.at >= started]
    assert [row.event for row in rows] == ["login", "viewed", "step_answered", "logout"]
    assert [row.at for row in rows] == sorted(row.at for row in rows)
    assert len({row.at for row in rows}) == 4
    assert verify_chain().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_statement_leaves_nothing_written_or_open(practitioner, monkeypatch):
    """The function ran and inserted, then its statement failed: the row goes with it."""
    from records import audit

    audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner)
    monkeypatch.setattr(
        audit, "_APPEND_IN_DATABASE", audit._APPEND_IN_DATABASE + " WHERE 1 / 0 = 1"
    )
    with pytest.raises(DatabaseError, match="division by zero"):
        audit_log(event=AuditEvent.Event.VIEWED, actor=practitioner)
    monkeypatch.undo()

    assert _nothing_open()  # the lock went with the statement rolled back
    assert AuditEvent.objects.count() == 1
    audit_log(event=AuditEvent.Event.VIEWED, actor=practitioner)
    assert AuditEvent.objects.count() == 2
    assert verify_chain().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["hashing", "insert"])
def test_a_failure_between_a_saves_round_trips_leaves_nothing_written_or_open(
    practitioner, monkeypatch, where
):
    from records import audit

    draft = _draft(practitioner)
    events = AuditEvent.objects.count()

    def fail_hashing(**fields):
        raise RuntimeError("hashing failed")

    class FailingInsert:
        def insert_and_commit(self, row, *, connection, cursor):
            cursor.execute("SELECT * FROM no_such_table; COMMIT")

    if where == "hashing":
        monkeypatch.setattr(audit, "event_hash", fail_hashing)
    else:
        monkeypatch.setattr(audit, "_INSERT", FailingInsert())
    with pytest.raises(Exception, match="hashing failed|no_such_table"):
        _save_purpose(draft, practitioner)
    monkeypatch.undo()

    assert _nothing_open()  # the lock went with the transaction rolled back
    assert AuditEvent.objects.count() == events
    assert type(draft).objects.get(pk=draft.pk).answers == {"urgent": "no"}
    _save_purpose(draft, practitioner)
    assert AuditEvent.objects.count() == events + 1
    assert verify_chain().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_between_a_saves_round_trips_writes_nothing(practitioner, monkeypatch):
    """PostgreSQL gone mid-save (a restart): the save's own error comes back, not the
    failed ROLLBACK's, and the server kept nothing of it."""
    from records import audit

    draft = _draft(practitioner)
    events = AuditEvent.objects.count()

    def lose_the_connection(**fields):
        connection.connection.close()
        raise RuntimeError("connection lost")

    monkeypatch.setattr(audit, "event_hash", lose_the_connection)
    with pytest.raises(RuntimeError, match="connection lost"):
        _save_purpose(draft, practitioner)
    monkeypatch.undo()
    connection.close()  # as the request's end does with an unusable connection

    assert AuditEvent.objects.count() == events
    assert type(draft).objects.get(pk=draft.pk).answers == {"urgent": "no"}
    assert verify_chain().ok


def _draft(practitioner):
    draft = demo.create_draft(author=practitioner, answers={"urgent": "no"}, complete=False)
    return type(draft).objects.get(pk=draft.pk)


def _save_purpose(draft, practitioner):
    from records.services import decision_save_step

    return decision_save_step(
        record=draft,
        author=practitioner,
        step="purpose",
        values={"purpose": "yes"},
        completed_steps=["urgent", "purpose"],
        ip="192.0.2.7",
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_wizard_save_outside_a_transaction_takes_two_round_trips(practitioner):
    """The answers' UPDATE goes with the lock, the head and the id; the event with COMMIT."""
    from django.test.utils import CaptureQueriesContext

    draft = _draft(practitioner)
    with CaptureQueriesContext(connection) as queries:
        _save_purpose(draft, practitioner)

    sqls = [query["sql"] for query in queries.captured_queries]
    assert len(sqls) == 2
    assert sqls[0].startswith("BEGIN; SELECT pg_advisory_xact_lock(")
    assert 'WITH changed AS (UPDATE "records_decisionrecord" SET' in sqls[0]
    assert sqls[1].endswith("; COMMIT")
    draft.refresh_from_db()
    assert draft.answers == {"urgent": "no", "purpose": "yes"}
    assert draft.completed_steps == ["urgent", "purpose"]
    saved = chain()[-1]
    assert (saved.event, saved.record_id, saved.details) == (
        "step_answered",
        draft.pk,
        {"step": "purpose"},
    )
    assert saved.prev_hash == chain()[-2].hash
    assert verify_chain().ok
    assert _nothing_open()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_save_of_a_draft_submitted_meanwhile_changes_and_writes_nothing(practitioner):
    from records.services import StaleState

    draft = _draft(practitioner)
    events = AuditEvent.objects.count()
    type(draft).objects.filter(pk=draft.pk).update(state="awaiting_approval")  # another tab

    with pytest.raises(StaleState):
        _save_purpose(draft, practitioner)

    assert type(draft).objects.get(pk=draft.pk).answers == {"urgent": "no"}
    assert AuditEvent.objects.count() == events
    assert verify_chain().ok
    assert _nothing_open()


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    event=_TEXT,
    actor_id=st.none() | st.integers(min_value=1),
    actor_username=_TEXT,
    record_id=st.none() | st.integers(min_value=1),
    record_reference=_TEXT,
    details=st.dictionaries(_TEXT, _JSON, max_size=5),
    at=st.datetimes(timezones=st.just(datetime.UTC)),
    prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
)
def test_the_pieces_around_the_time_and_link_make_the_canonical_json(
    event, actor_id, actor_username, record_id, record_reference, details, at, prev_hash
):
    """What the database joins (migration 0018) is what ``event_hash`` hashes."""
    fields = {
        "event": event,
        "actor_id": actor_id,
        "actor_username": actor_username,
        "actor_role": "practitioner",
        "record_id": record_id,
        "record_reference": record_reference,
        "ip": "192.0.2.1",
        "details": details,
    }
    before_at, before_prev_hash, after_prev_hash = canonical_around(hashed_content(**fields))
    canonical_at = at.isoformat(timespec="microseconds")

    joined = before_at + canonical_at + before_prev_hash + prev_hash + after_prev_hash

    assert joined.isascii()
    assert hashlib.sha256(joined.encode("ascii")).hexdigest() == event_hash(
        **fields, at=at, prev_hash=prev_hash
    )
    assert json.loads(joined)["at"] == canonical_at
