"""Records as CSV rows: one row per record, cells a spreadsheet would run neutralised.

``csv_rows(records)`` is the one row source (the search download, and the bulk export's
manifest through ``write_rows``). It reads only the listed columns, in chunks, and never
loads a record's snapshot or answers: the outcome's title is the copy made at submission
(``DecisionRecord.outcome_title``).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.db.models import F, QuerySet
from django.utils import timezone

from records.models import DecisionRecord

CHUNK_SIZE = 2000

# (header, value read from the database). One place: the header and the rows cannot drift.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("reference", "reference"),
    ("submitted_at", "submitted_at"),
    ("state", "state"),
    ("outcome", "outcome"),
    ("outcome_title", "outcome_title"),
    ("shares", "shares"),
    ("requires_approval", "requires_approval"),
    ("organisation", "organisation_name"),
    ("team", "team_name"),
    ("practitioner", "author_username"),
    ("direction", "direction"),
    ("urgent", "urgent"),
    ("subject_reference", "subject_reference"),
    ("subject_type", "subject_type"),
    ("other_agency", "other_agency"),
    ("lawful_basis", "lawful_basis"),
    ("flowchart_version", "flowchart_version"),
    ("review_date", "review_date"),
    ("retain_until", "retain_until"),
    ("legal_hold", "legal_hold"),
)
HEADER: list[str] = [header for header, _ in COLUMNS]
_VALUES = [value for _, value in COLUMNS]

# What a spreadsheet takes for the start of a formula (or, for tab and carriage return,
# may strip to reach one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """The cell as text; a leading formula character gets a ``'`` in front of it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).isoformat(timespec="seconds")
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _rows(records) -> Iterable[dict]:
    if not isinstance(records, QuerySet):
        # A list of records (or ids): read them again, the same narrow way, in their order.
        ids = [getattr(record, "pk", record) for record in records]
        order = {pk: position for position, pk in enumerate(ids)}
        return sorted(
            _columns(DecisionRecord.objects.filter(pk__in=ids)),
            key=lambda row: order[row["pk"]],
        )
    return _columns(records).iterator(chunk_size=CHUNK_SIZE)


def _columns(records: QuerySet) -> QuerySet:
    return records.annotate(
        organisation_name=F("team__organisation__name"),
        team_name=F("team__name"),
        author_username=F("author__username"),
    ).values("pk", *_VALUES)


def csv_rows(records: QuerySet | Iterable[DecisionRecord]) -> Iterator[list[str]]:
    """One neutralised row per record, in the order given; no header."""
    for row in _rows(records):
        yield [neutralise(row[name]) for name in _VALUES]


def write_rows(records, writer) -> int:
    """The header, then a row per record, through a ``csv.writer``; the number of records."""
    writer.writerow(HEADER)
    count = 0
    for row in csv_rows(records):
        writer.writerow(row)
        count += 1
    return count


class Echo:
    """A file-like object whose ``write`` returns what it was given, for streaming."""

    def write(self, value: str) -> str:
        return value


def stream_csv(records) -> Iterator[str]:
    """The CSV, a line at a time, for a StreamingHttpResponse. Starts with a BOM so
    spreadsheets read the text as UTF-8."""
    writer = csv.writer(Echo())
    yield "\ufeff"
    yield writer.writerow(HEADER)
    for row in csv_rows(records):
        yield writer.writerow(row)
