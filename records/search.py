"""How the record lists search and page at any size: the pieces records.filters and the
selectors share.

- Free text over the reasons: PostgreSQL full text through the GIN index
  ``record_reasons_fts`` (migration 0003). The expression must be exactly the index's,
  ``to_tsvector('english'::regconfig, reasons_text)``, for the planner to use it. On SQLite
  (no such index) a plain case-insensitive match, which reads every row.
- Keyset ("seek") pages on (submitted_at, id): a page starts from its cursor with an index
  walk, so page 2,000 costs what page 1 does, and the list is never counted.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value

# The indexed expression (keep in step with migration 0003's record_reasons_fts).
REASONS_TSVECTOR = "to_tsvector('english'::regconfig, {column})"
REASONS_TSQUERY = "plainto_tsquery('english'::regconfig, {query})"

# A record's own reference: ISD-2026-00042 (any case, spaces around ignored).
RECORD_REFERENCE = re.compile(r"^ISD-\d{4}-\d{1,10}$", re.IGNORECASE)


class ReasonsMatch(Func):
    """True where the record's reasons contain the words of ``text`` (PostgreSQL full text:
    English stemming, stop words ignored, every word must appear)."""

    output_field = BooleanField()
    arity = 2

    def __init__(self, text: str):
        super().__init__(F("reasons_text"), Value(text))

    def as_sql(self, compiler, connection, **extra_context):
        column, query = self.source_expressions
        column_sql, column_params = compiler.compile(column)
        query_sql, query_params = compiler.compile(query)
        sql = (
            REASONS_TSVECTOR.format(column=column_sql)
            + " @@ "
            + REASONS_TSQUERY.format(query=query_sql)
        )
        return sql, (*column_params, *query_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        raise NotImplementedError("Full text is PostgreSQL's: use reasons_filter().")


def reasons_filter(queryset: QuerySet, text: str) -> QuerySet:
    """Records whose reasons contain ``text``: full text on PostgreSQL, a substring on SQLite."""
    if connection.vendor == "postgresql":
        return queryset.filter(ReasonsMatch(text))
    return queryset.filter(reasons_text__icontains=text)


class _Unindexed(Func):
    """A column's own value, written ``+column``: SQLite will not look it up in an index."""

    template = "+%(expressions)s"


def walked(queryset: QuerySet, *fields: str) -> tuple[QuerySet, dict[str, str]]:
    """``queryset`` and the names to filter ``fields`` by, so that SQLite walks the date
    order rather than look them up.

    SQLite keeps no statistics (nothing runs ANALYZE). Given ``team_id IN (...)``, or an OR
    of conditions each on an indexed column, it finds every matching record on those
    indexes and sorts them all to show the newest 25: a quarter of the table for an
    organisation, all of a manager's teams for their list. Written ``+team_id``, it walks
    the date index (record_list_filters, which holds these columns) and stops at the 26th
    match. PostgreSQL weighs the two from its statistics: there the fields are themselves.
    """
    if connection.vendor != "sqlite":
        return queryset, {field: field for field in fields}
    names = {field: f"{field}_walked" for field in fields}
    aliases = {
        names[field]: _Unindexed(
            F(field), output_field=queryset.model._meta.get_field(field).target_field
        )
        for field in fields
    }
    return queryset.alias(**aliases), names


def in_date_order(queryset: QuerySet, field: str, values: list) -> QuerySet:
    """``field`` is one of ``values``, the date order walked (``walked``)."""
    queryset, names = walked(queryset, field)
    return queryset.filter(**{f"{names[field]}__in": values})


def reference_filter(queryset: QuerySet, text: str) -> QuerySet:
    """A record reference, a case reference (exact or its start) or the other agency (its
    start), each on its own index; never a substring search over the table."""
    if RECORD_REFERENCE.match(text):
        return queryset.filter(reference=text.upper())
    return queryset.filter(
        Q(reference=text.upper())
        | Q(subject_reference__istartswith=text)
        | Q(other_agency__istartswith=text)
    )


# --- Keyset pages -------------------------------------------------------------------------

NEWEST, OLDEST = "newest", "oldest"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_CURSOR = re.compile(r"^([np])(\d{1,18})\.(\d{1,18})$")
_MAX_MICROS = (datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC) - _EPOCH) // datetime.timedelta(
    microseconds=1
)


def _key(row) -> str:
    """A row's place in the list: a record, or a dict of its values (``selectors.listed``)."""
    if isinstance(row, dict):
        at, pk = row["submitted_at"], row["id"]
    else:
        at, pk = row.submitted_at, row.pk
    return f"{(at - _EPOCH) // datetime.timedelta(microseconds=1)}.{pk}"


def cursor_after(row) -> str:
    """The cursor of the page that starts just after ``row``, in the list's order."""
    return f"n{_key(row)}"


def parse_cursor(value: str) -> tuple[str, datetime.datetime, int] | None:
    """``n<micros>.<id>``: the records after that one, in the list's order; ``p...``: those
    before it. None when the cursor is not one the list wrote (the first page is shown)."""
    match = _CURSOR.match(value or "")
    if match is None or int(match[2]) > _MAX_MICROS:
        return None
    at = _EPOCH + datetime.timedelta(microseconds=int(match[2]))
    return match[1], at, int(match[3])


def _beyond(at: datetime.datetime, pk: int, *, later: bool) -> Q:
    """Rows after (at, pk) going up (``later``) or down: the first term bounds the index
    range, the second breaks ties on id."""
    if later:
        return Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(id__gt=pk))
    return Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(id__lt=pk))


@dataclass(frozen=True)
class SeekPage:
    object_list: list
    next_cursor: str | None  # the page after this one, in the list's order
    previous_cursor: str | None  # the page before it; None on the first page
    is_first: bool

    def __len__(self) -> int:
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def seek_page(queryset: QuerySet, *, cursor: str = "", sort: str = NEWEST, size: int = 25):
    """One page of ``queryset`` in (submitted_at, id) order, newest or oldest first, read
    as ``size + 1`` rows from the cursor: the extra row says whether another page follows."""
    newest_first = sort != OLDEST
    forward = ("-submitted_at", "-id") if newest_first else ("submitted_at", "id")
    backward = ("submitted_at", "id") if newest_first else ("-submitted_at", "-id")
    parsed = parse_cursor(cursor)
    if parsed is not None and parsed[0] == "p":
        _, at, pk = parsed
        rows = list(
            queryset.filter(_beyond(at, pk, later=newest_first)).order_by(*backward)[: size + 1]
        )
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        if rows:
            return SeekPage(
                object_list=rows,
                next_cursor=f"n{_key(rows[-1])}",
                previous_cursor=f"p{_key(rows[0])}" if more_before else None,
                is_first=not more_before,
            )
        parsed = None  # nothing before it: the first page
    if parsed is not None:
        _, at, pk = parsed
        queryset = queryset.filter(_beyond(at, pk, later=not newest_first))
    rows = list(queryset.order_by(*forward)[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return SeekPage(
        object_list=rows,
        next_cursor=f"n{_key(rows[-1])}" if more_after else None,
        previous_cursor=f"p{_key(rows[0])}" if parsed is not None and rows else None,
        is_first=parsed is None,
    )
