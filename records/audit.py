"""The audit trail's hash chain: how a row's hash is made, how rows join the chain, and how
the chain is checked.

Each ``AuditEvent`` stores ``prev_hash``, the hash of the row before it (64 zeros for the
first), and ``hash``, the SHA-256 of a canonical JSON of its own content with that
``prev_hash``. A row changed after it was written no longer matches its hash; a row removed
or slipped in breaks the link of the row after it. ``services.audit_log`` is the one writer
(through ``append``); ``python manage.py verify_audit`` and ``verify_chain`` check it.

Writers are serialised so two events can never claim the same previous row: on PostgreSQL
by a transaction-scoped advisory lock taken before the chain's head is read, held until the
caller's transaction ends; on SQLite by the database's own write lock.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import ipaddress
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import Error, connections, router, transaction
from django.utils import timezone

from records.models import AuditEvent
from records.rows import RowInsert, execute

GENESIS = "0" * 64
_INSERT = RowInsert(AuditEvent)
# pg_advisory_xact_lock key for the chain ("AUDITCHN" as a big-endian 64-bit integer): any
# constant works, as long as nothing else in the database takes the same one.
CHAIN_LOCK_ID = int.from_bytes(b"AUDITCHN", "big") - 2**63
# Rows read per query when the chain is walked: memory stays flat at any table size.
VERIFY_BATCH_SIZE = 5000
REFERENCE_MAX = AuditEvent._meta.get_field("record_reference").max_length

# A row's fields that ``hashed_content`` covers, as the row names them.
_HASHED_FIELDS = (
    "event",
    "actor_id",
    "actor_username",
    "actor_role",
    "record_id",
    "record_reference",
    "ip",
    "details",
)
# The content a hash covers, in the order rows are read when the chain is walked.
_CHAIN_FIELDS = ("id", *_HASHED_FIELDS, "at", "prev_hash", "hash")


@functools.lru_cache(maxsize=4096)
def _canonical_ip(ip: str | None) -> str:
    """One spelling per address, whatever form the database gives it back in."""
    if not ip:
        return ""
    try:
        return ipaddress.ip_address(ip).exploded
    except ValueError:
        return str(ip)


def _canonical_at(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def event_hash(*, at: datetime.datetime, prev_hash: str, **fields) -> str:
    """SHA-256 (hex) of a row's canonical content (``fields`` as ``hashed_content`` takes
    them, its time and the previous row's hash): sorted keys, no spaces, ASCII only."""
    content = {**hashed_content(**fields), "at": _canonical_at(at), "prev_hash": prev_hash}
    return hashlib.sha256(_canonical(content).encode("ascii")).hexdigest()


def hashed_content(
    *,
    event: str,
    actor_id: int | None,
    actor_username: str,
    actor_role: str,
    record_id: int | None,
    record_reference: str,
    ip: str | None,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """What a row's hash covers but its time and the previous row's hash."""
    return {
        "v": 1,
        "event": event,
        "actor": actor_id,
        "actor_username": actor_username or "",
        "actor_role": actor_role or "",
        "record": record_id,
        "record_reference": record_reference or "",
        "ip": _canonical_ip(ip),
        "details": details,
    }


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


# The two values PostgreSQL fills in (``canonical_around``): a time and a hash, each written
# as a JSON string that needs no escaping.
_FILLED_IN = ("at", "prev_hash")


def canonical_around(content: Mapping[str, Any]) -> tuple[str, str, str]:
    """``event_hash``'s canonical JSON of ``content`` (``hashed_content``) cut where the time and
    the previous hash go: the three pieces around them, as ``_canonical`` would write the
    whole, key by key in order, for the database to join with the two values."""
    pieces, piece = [], "{"
    for number, key in enumerate(sorted([*content, *_FILLED_IN])):
        piece += ("," if number else "") + _canonical(key) + ":"
        if key in _FILLED_IN:
            pieces.append(piece + '"')
            piece = '"'
        else:
            piece += _canonical(content[key])
    before_at, before_prev_hash = pieces
    return before_at, before_prev_hash, piece + "}"


def without_nul(text: str) -> str:
    """PostgreSQL refuses NUL in text and jsonb: what was asked for (a query string, a path)
    is kept with each NUL shown as U+FFFD, never an error page."""
    return text.replace("\x00", "\ufffd")


def _as_stored(value: Any) -> Any:
    """Details as the JSON column gives them back on every database: PostgreSQL's jsonb keeps
    numbers as decimals, so a float with no fraction (1.0, 1e16) comes back as an integer
    once it is large enough. Writing such floats as integers makes what is read back hash
    the same as what was written."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, dict):
        return {without_nul(key): _as_stored(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_stored(item) for item in value]
    return value


def _locked_chain_head(using: str) -> tuple[str, datetime.datetime]:
    """Take the chain's lock, then read the hash of the latest row (GENESIS for an empty
    table) and the time for the next. The lock is held until the caller's transaction ends.

    On PostgreSQL both statements go in one round trip: each statement of a query string
    reads with its own snapshot (READ COMMITTED), so the head is read after the lock is
    held, never before, and two writers can never link to the same row. The time is the
    database's, as ``records_audit_append`` takes it. SQLite needs no lock: the caller's
    transaction holds the database's write lock from its first write until it ends, and one
    writer at a time already."""
    connection = connections[using]
    head = _head_sql(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT pg_advisory_xact_lock(%s); SELECT ({head}), clock_timestamp()",
                [CHAIN_LOCK_ID],
            )
            prev_hash, at = cursor.fetchone()
        else:
            cursor.execute(head)
            latest = cursor.fetchone()
            prev_hash, at = (latest[0] if latest is not None else None), timezone.now()
    return prev_hash or GENESIS, at


# Plain SQL: on every audited request (each view of a record, each wizard save), and the ORM
# took longer to build it than the database to run it on the primary key's index.
_HEAD_SQL = "SELECT {hash} FROM {table} ORDER BY {id} DESC LIMIT 1"


def _head_sql(connection) -> str:
    quote = connection.ops.quote_name
    return _HEAD_SQL.format(
        hash=quote("hash"), table=quote(AuditEvent._meta.db_table), id=quote("id")
    )


def event_row(
    *,
    event: str,
    actor_id: int | None,
    actor_username: str,
    actor_role: str,
    record_id: int | None,
    record_reference: str,
    ip: str | None,
    details: Mapping[str, Any],
) -> AuditEvent:
    """The row as it will be stored: its reference without NUL and cut to the column, its
    address as the column takes it, its details as the JSON column gives them back (so the
    hash is of what is stored)."""
    return AuditEvent(
        event=event,
        actor_id=actor_id,
        actor_username=actor_username,
        actor_role=actor_role,
        record_id=record_id,
        record_reference=without_nul(record_reference or "")[:REFERENCE_MAX],
        ip=AuditEvent._meta.get_field("ip").get_prep_value(ip) or None,
        details=_as_stored(json.loads(json.dumps(dict(details)))),
    )


def content_of(row: AuditEvent) -> dict[str, Any]:
    """``hashed_content`` of a row."""
    return hashed_content(**{name: getattr(row, name) for name in _HASHED_FIELDS})


def hash_of(row: AuditEvent) -> str:
    """``event_hash`` of a row as it stands, its time and link included."""
    fields = {name: getattr(row, name) for name in _HASHED_FIELDS}
    return event_hash(**fields, at=row.at, prev_hash=row.prev_hash)


def append(**fields) -> AuditEvent:
    """Add one row at the end of the chain (``fields`` as ``event_row`` takes them).
    Never UPDATEs: ``at`` and ``hash`` are known before the INSERT. Runs inside the caller's
    transaction (or one of its own) so the lock is held until the row is committed."""
    return append_with_change(None, **fields)


def append_with_change(change: tuple[str, list] | None, **fields) -> AuditEvent | None:
    """The event (``fields`` as ``event_row`` takes them), and the change it records if any
    (one UPDATE: its SQL and parameters), in one transaction. None, with nothing changed or
    written, where the change matched no row.

    On PostgreSQL an event alone is one statement (``_append_in_database``), in the caller's
    transaction or as its own; an event with a change outside any transaction (a wizard
    page's save) takes ``_append_alone``'s two round trips, where a transaction of Django's
    took four or five."""
    row = event_row(**fields)
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    if connection.vendor == "postgresql":
        if change is None:
            return _append_in_database(row, connection)
        if not connection.in_atomic_block and connection.get_autocommit():
            return _append_alone(row, connection, change=change)
    with transaction.atomic(using=using, savepoint=False):
        if change is not None:
            with connection.cursor() as cursor:
                execute(connection, cursor, *change)
                if not cursor.rowcount:
                    return None
        _link(row, *_locked_chain_head(using))
        # Saved exactly as built (rows.RowInsert: no pre_save). A plain create() would let
        # ``at``'s auto_now_add put a later time than the one hashed (and nothing may UPDATE
        # it afterwards).
        _INSERT.insert(row, using=using)
    return row


def _link(row: AuditEvent, prev_hash: str, at: datetime.datetime) -> None:
    """The row's time (taken once the chain's lock is held), its link and its hash."""
    row.at = at
    row.prev_hash = prev_hash
    row.hash = hash_of(row)


# What comes before the record's id in the canonical JSON: "record" follows "prev_hash" in
# key order.
BEFORE_RECORD = '","record":'


def canonical_around_record(content: Mapping[str, Any]) -> tuple[str, str, str]:
    """``canonical_around`` for an event whose record's id only the database knows yet (the
    record's read with its viewed event, ``services.record_open``): the third piece is what
    follows ``BEFORE_RECORD`` and the id."""
    before_at, before_prev_hash, after = canonical_around({**content, "record": 0})
    if not after.startswith(f"{BEFORE_RECORD}0,"):
        raise ValueError(f"canonical_around_record: no record after the link in {after!r}")
    return before_at, before_prev_hash, after[len(BEFORE_RECORD) + 1 :]


# The function migration 0018 made, with the event's values and its canonical JSON's pieces.
_APPEND_IN_DATABASE = (
    'SELECT "event_id", "event_at", "event_prev_hash", "event_hash" '
    "FROM records_audit_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _append_in_database(row: AuditEvent, connection) -> AuditEvent:
    """An event on PostgreSQL in one statement (``records_audit_append``, migration 0018):
    the lock, the head, the time, the hash and the row, inside the database, so the chain's
    lock is held for the function's own statements, never for a round trip of ours. Outside
    any transaction the statement is its own, committed with the row."""
    meta = AuditEvent._meta
    pieces = canonical_around(content_of(row))
    values = [
        CHAIN_LOCK_ID,
        row.event,
        row.actor_id,
        row.actor_username,
        row.actor_role,
        row.record_id,
        row.record_reference,
        row.ip,
        meta.get_field("details").get_db_prep_save(row.details, connection),
        *pieces,
    ]
    with connection.cursor() as cursor:
        execute(connection, cursor, _APPEND_IN_DATABASE, values)
        row.pk, row.at, row.prev_hash, row.hash = cursor.fetchone()
    row._state.adding = False
    row._state.db = connection.alias
    return row


def _append_alone(row: AuditEvent, connection, *, change: tuple[str, list]) -> AuditEvent | None:
    """An event and its change outside any transaction on PostgreSQL (a wizard page's
    save): the transaction, the chain's lock, its head, the time, the row's id and the
    change in one round trip, the row and the commit in another, where a transaction of
    Django's took four or five (BEGIN, the change, lock and head, INSERT, COMMIT). Each
    statement reads with its own snapshot, so the head is read once the lock is held; the
    id is drawn under the lock too, so ids keep the chain's order. None, and nothing kept,
    where the change matched no row. (The change goes after the lock, as it does inside a
    transaction: taken in one order everywhere, the lock and a row's lock never deadlock.)"""
    with connection.cursor() as cursor:
        try:
            cursor.execute(
                # A data-modifying WITH runs once, whatever reads it.
                f"BEGIN; SELECT pg_advisory_xact_lock(%s); WITH changed AS ({change[0]} "  # noqa: S608 - our SQL
                f"RETURNING 1) SELECT ({_head_sql(connection)}), clock_timestamp(), "
                "nextval(pg_get_serial_sequence(%s, 'id')), (SELECT count(*) FROM changed)",
                [CHAIN_LOCK_ID, *change[1], AuditEvent._meta.db_table],
            )
            prev_hash, at, row.pk, count = cursor.fetchone()
            if not count:
                cursor.execute("ROLLBACK")
                return None
            _link(row, prev_hash or GENESIS, at)
            _INSERT.insert_and_commit(row, connection=connection, cursor=cursor)
        except BaseException:
            with contextlib.suppress(Error):  # a lost connection has nothing left open
                cursor.execute("ROLLBACK")
            raise
    return row


# --- Checking the chain -------------------------------------------------------------------

CONTENT_CHANGED = "content_changed"
LINK_BROKEN = "link_broken"
INSERTED = "inserted"


@dataclass(frozen=True)
class ChainBreak:
    """The first row at which the chain does not hold, and why."""

    event_id: int
    at: datetime.datetime
    event: str
    reason: str  # CONTENT_CHANGED, LINK_BROKEN or INSERTED
    previous_id: int | None  # the row before it in id order, if any

    @property
    def explanation(self) -> str:
        before = (
            f"the event before it (id {self.previous_id})"
            if self.previous_id is not None
            else "the start of the chain"
        )
        gap = ""
        if self.previous_id is not None and self.event_id - self.previous_id > 1:
            gap = f" (ids {self.previous_id + 1} to {self.event_id - 1} are not in the table)"
        elif self.previous_id is None and self.event_id > 1:
            gap = f" (ids 1 to {self.event_id - 1} are not in the table)"
        if self.reason == CONTENT_CHANGED:
            return "its content was changed after it was written: it no longer matches its hash"
        if self.reason == LINK_BROKEN:
            return (
                f"it does not follow {before}{gap}: a previous event is missing or was changed, "
                "or this event was inserted"
            )
        return (
            f"it was inserted behind the app's back: neither its link to {before}{gap} nor "
            "its own hash is right"
        )

    def describe(self) -> str:
        return (
            f"event id {self.event_id} ({self.event}, {_canonical_at(self.at)}) breaks the chain: "
            f"{self.explanation}"
        )


@dataclass(frozen=True)
class ChainResult:
    """What ``verify_chain`` found: how many rows it checked, the hash of the last good row,
    and the first break if there is one (it stops there)."""

    events: int
    head: str
    last_id: int | None
    broken: ChainBreak | None = None
    # Whether a head recorded earlier is still in the chain (None: none was given).
    anchor: str | None = None
    anchor_found: bool | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None and self.anchor_found is not False

    def describe(self) -> str:
        if self.broken is not None:
            return self.broken.describe()
        if self.anchor_found is False:
            return (
                f"the {self.events} events link up, but none has the hash {self.anchor} "
                "recorded earlier: events at the end were removed, or the chain was rewritten "
                "from some point on"
            )
        return f"{self.events} events, chain whole (head {self.head})"


def _rows(using: str, batch_size: int) -> Iterator[tuple]:
    """Every row's chain fields in id order, a batch per query (keyset paging on the primary
    key: constant memory, each query an index range)."""
    rows = AuditEvent.objects.using(using).order_by("id").values_list(*_CHAIN_FIELDS)
    last_id = None
    while True:
        batch = list((rows.filter(id__gt=last_id) if last_id is not None else rows)[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        last_id = batch[-1][0]


def verify_chain(
    *,
    using: str | None = None,
    batch_size: int = VERIFY_BATCH_SIZE,
    anchor: str | None = None,
) -> ChainResult:
    """Walk the chain in id order, recompute each row's hash and check each link. With
    ``anchor`` (a head printed by an earlier run, kept elsewhere), also check that the chain
    still holds that hash: the one thing a chain without a secret cannot show by itself is
    that its last events were removed, or that it was recomputed from some row on."""
    using = using or router.db_for_read(AuditEvent)
    anchor = anchor.strip().lower() if anchor else None
    anchor_found = None if anchor is None else anchor == GENESIS
    expected_prev = GENESIS
    previous_id = None
    count = 0
    for row in _rows(using, batch_size):
        (
            pk,
            event,
            actor_id,
            username,
            role,
            record_id,
            reference,
            ip,
            details,
            at,
            prev,
            stored,
        ) = row
        recomputed = event_hash(
            event=event,
            actor_id=actor_id,
            actor_username=username,
            actor_role=role,
            record_id=record_id,
            record_reference=reference,
            ip=ip,
            details=details,
            at=at,
            prev_hash=prev,
        )
        linked = prev == expected_prev
        intact = recomputed == stored
        if not (linked and intact):
            reason = (
                INSERTED if not (linked or intact) else LINK_BROKEN if intact else CONTENT_CHANGED
            )
            return ChainResult(
                events=count,
                head=expected_prev,
                last_id=previous_id,
                broken=ChainBreak(
                    event_id=pk, at=at, event=event, reason=reason, previous_id=previous_id
                ),
                anchor=anchor,
                anchor_found=anchor_found,
            )
        count += 1
        expected_prev = stored
        previous_id = pk
        if anchor is not None and stored == anchor:
            anchor_found = True
    return ChainResult(
        events=count,
        head=expected_prev,
        last_id=previous_id,
        anchor=anchor,
        anchor_found=anchor_found,
    )
