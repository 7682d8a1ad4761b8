"""A submitted record's fingerprint: SHA-256 of its frozen content as canonical JSON.

Written into the record's "submitted" audit event (itself in the hash chain), printed on its
PDF, and recomputed by ``verify_audit``: an answer or snapshot changed behind the app's back
no longer matches what the chain holds.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from records.models import EDITABLE_STATES, AuditEvent, DecisionRecord


def frozen_content(record: DecisionRecord) -> dict:
    """What never changes once a record is submitted, as plain JSON values."""
    submitted_at = record.submitted_at
    return {
        "reference": record.reference or "",
        "snapshot": record.snapshot,
        "answers": record.answers,
        "outcome": record.outcome,
        "path": record.path,
        "flowchart_version": record.flowchart_version,
        "submitted_at": (
            submitted_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
            if submitted_at
            else None
        ),
    }


def canonical_json(value) -> bytes:
    """Keys sorted, no spaces, UTF-8: the same bytes from SQLite and PostgreSQL's jsonb."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_fingerprint(record: DecisionRecord) -> str:
    """SHA-256 (hex) of the canonical JSON of the record's frozen content."""
    return hashlib.sha256(canonical_json(frozen_content(record))).hexdigest()


@dataclass
class FingerprintResult:
    checked: int = 0
    without_fingerprint: int = 0  # submitted before fingerprints were written
    mismatched: list[str] = field(default_factory=list)  # references

    @property
    def ok(self) -> bool:
        return not self.mismatched


_FROZEN_FIELDS = (
    "reference",
    "snapshot",
    "answers",
    "outcome",
    "path",
    "flowchart_version",
    "submitted_at",
)


def verify_fingerprints(*, using: str | None = None, batch_size: int = 2000) -> FingerprintResult:
    """Recompute each submitted record's fingerprint and compare it with the one its latest
    "submitted" event holds. Records back with their author (returned) are left out: their
    answers are a working copy until they are submitted again."""
    latest: dict[int, str] = {}
    events = (
        AuditEvent.objects.using(using)
        .filter(event=AuditEvent.Event.SUBMITTED, record_id__isnull=False)
        .order_by("id")
        .values_list("record_id", "details")
    )
    for record_id, details in events.iterator(chunk_size=batch_size):
        if isinstance(details, dict) and details.get("fingerprint"):
            latest[record_id] = details["fingerprint"]
    result = FingerprintResult()
    records = (
        DecisionRecord.objects.using(using)
        .exclude(state__in=EDITABLE_STATES)
        .only(*_FROZEN_FIELDS)
        .order_by("pk")
    )
    for record in records.iterator(chunk_size=batch_size):
        expected = latest.get(record.pk)
        if expected is None:
            result.without_fingerprint += 1
            continue
        result.checked += 1
        if record_fingerprint(record) != expected:
            result.mismatched.append(record.reference or str(record.pk))
    return result
