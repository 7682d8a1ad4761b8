"""The rows of the record tables (lists, home page, approvals queue), worked out and written
once in Python.

A list page must cost a few times the sign-in page at any table size. Django's template
engine spends some 300 function calls on each row of these tables (a lookup, a filter and
an escape for every cell); written here with ``html.escape`` a row costs a dozen. The
tables' captions, headings and empty messages stay in templates/records/_table.html and
_queue_table.html, which write ``rows.html``.
"""

from __future__ import annotations

import datetime
from html import escape
from types import SimpleNamespace
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from records import workdays
from records.models import DecisionRecord
from records.selectors import draft_kept_until

_STATE_LABELS = dict(DecisionRecord.State.choices)
_STATE_TAGS = {state: DecisionRecord(state=state).state_tag_class for state in _STATE_LABELS}
_CELL = '<td class="govuk-table__cell">{}</td>'
_PLACEHOLDER = "REFERENCE"


def _links(name: str):
    """One reverse() a table, not one a row: the reference is the only part that varies. Kept
    by everything ``reverse()`` depends on here (config/template_urls.py does the same for
    the templates' constant URLs)."""
    key = (name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    url = _REVERSED.get(key)
    if url is None:
        url = _REVERSED[key] = reverse(name, args=[_PLACEHOLDER])
    return lambda reference: url.replace(_PLACEHOLDER, quote(reference or ""))


_REVERSED: dict[tuple, str] = {}


def _when(moment: datetime.datetime | None, zone: datetime.tzinfo) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone)  # timezone.localtime, its zone looked up once a table
    return f"{local.day} {local:%b %Y %H:%M}"


def _day(day: datetime.date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else ""


class ListRow(NamedTuple):
    link: str
    reference: str
    case: str
    agency: str
    author: str
    tag: str  # the status's GOV.UK tag colour
    state: str
    when: str
    disputed: bool = False  # an open disagreement with another agency (section 14)
    kept_until: str = ""  # a draft's last day before apply_retention deletes it


_DISPUTED = ' <strong class="govuk-tag govuk-tag--orange">Disagreement open</strong>'


class Rows(list):
    """ListRows, with the table body they make (``html``)."""

    def __init__(self, rows, *, drafts: bool = False, show_author: bool = False):
        super().__init__(rows)
        self.drafts = drafts
        self.show_author = show_author
        # Days a draft is kept after its last change (DRAFT_KEEP_DAYS); 0: kept, no column.
        self.keep_days = settings.DRAFT_KEEP_DAYS if drafts else 0

    @property
    def columns(self) -> int:
        return 5 + self.show_author + bool(self.keep_days)

    @property
    def html(self) -> SafeString:
        continue_ = "Continue " if self.drafts else ""
        return mark_safe(  # noqa: S308 - every value is escaped here
            "".join(
                '<tr class="govuk-table__row">'
                f'<td class="govuk-table__cell"><a class="govuk-link" href="{escape(row.link)}">'
                f"{continue_}{escape(row.reference or '')}</a></td>"
                + _CELL.format(escape(row.case))
                + _CELL.format(escape(row.agency))
                + (_CELL.format(escape(row.author)) if self.show_author else "")
                + _CELL.format(
                    f'<strong class="govuk-tag {row.tag}">{escape(row.state)}</strong>'
                    + (_DISPUTED if row.disputed else "")
                )
                + _CELL.format(escape(row.when))
                + (_CELL.format(escape(row.kept_until)) if self.keep_days else "")
                + "</tr>"
                for row in self
            )
        )


def list_rows(records, *, drafts: bool = False, show_author: bool = False) -> Rows:
    """A list's rows, from dicts of ``selectors.LIST_VALUES`` (drafts: the date last saved and
    the last day kept, a continue link, and the case and agency from their answers until
    submitted)."""
    link = _links("decisions:check" if drafts else "records:detail")
    zone = timezone.get_current_timezone()
    rows = []
    for row in records:
        author = f"{row['author__first_name']} {row['author__last_name']}".strip()
        rows.append(
            ListRow(
                link(row["reference"]),
                row["reference"],
                row["subject_reference"] or row.get("draft_subject_reference") or "–",
                row["other_agency"] or row.get("draft_other_agency") or "–",
                author or row["author__username"],
                _STATE_TAGS.get(row["state"], "govuk-tag--grey"),
                _STATE_LABELS.get(row["state"], row["state"]),
                _when(row["updated_at"] if drafts else row["submitted_at"], zone),
                bool(row.get("has_open_disagreement")),
                _day(draft_kept_until(row["updated_at"])) if drafts else "",
            )
        )
    return Rows(rows, drafts=drafts, show_author=show_author)


class QueueRows(list):
    """Queue rows (``queue_rows``), with the table body they make."""

    @property
    def html(self) -> SafeString:
        parts = []
        for record in self:
            action = "Review an urgent share" if record.state == "awaiting_review" else "Approve"
            overdue = (
                ' <strong class="govuk-tag govuk-tag--red">Overdue</strong>'
                if record.overdue
                else ""
            )
            parts.append(
                '<tr class="govuk-table__row">'
                f'<td class="govuk-table__cell"><a class="govuk-link" href="{escape(record.link)}">'
                f"{escape(record.reference)}</a>{overdue}"
                f"{_DISPUTED if record.has_open_disagreement else ''}<br>"
                f'<span class="govuk-body-s">{action}</span></td>'
                + _CELL.format(escape(record.author_name))
                + _CELL.format(escape(record.outcome_title or ""))
                + _CELL.format(escape(record.grounds_summary or "–"))
                + _CELL.format("Yes" if record.urgent else "No")
                + '<td class="govuk-table__cell govuk-table__cell--numeric">'
                f"{record.age_working_days}</td></tr>"
            )
        return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


_AGES: dict[datetime.date, tuple[datetime.date, dict[datetime.date, int]]] = {}


def _ages(today: datetime.date, oldest: datetime.date) -> dict[datetime.date, int]:
    """Each day from ``oldest`` to ``today`` with the working days after it, up to today:
    walked once a day per process and kept (a queue's oldest item may be years old, a
    thousand days to walk on every request)."""
    known = _AGES.get(today)
    if known is None or known[0] > oldest:
        ages, day, count = {}, today, 0
        while day >= oldest:  # ``count``: the working days after ``day``, up to today
            ages[day] = count
            count += workdays.is_working_day(day)
            day -= datetime.timedelta(days=1)
        _AGES.clear()  # yesterday's walk is of no more use
        _AGES[today] = known = (oldest, ages)
    return known[1]


def queue_rows(records: list[dict]) -> QueueRows:
    """Each queue row (a dict of ``selectors.QUEUE_VALUES``, from ``queue_head``) with its age
    in working days (the order is the database's), its practitioner's name and its link. The
    ages come from one walk back from today over the working days, however many rows: not
    one count from each row's date."""
    today = workdays.today()
    link = _links("approvals:detail")
    zone = timezone.get_current_timezone()  # workdays.local_date, its zone looked up once
    rows = QueueRows(_QueueRow(row) for row in records)
    days = [record.submitted_at.astimezone(zone).date() for record in rows]
    ages = _ages(today, min(days)) if days else {}
    for record, day in zip(rows, days, strict=True):
        record.age_working_days = ages.get(day, 0)
        record.link = link(record.reference)
    return rows


class _QueueRow(SimpleNamespace):
    """A queue row read as a dict (``selectors.queue_head``), with the names the table uses."""

    def __init__(self, values: dict):
        super().__init__(**values)
        name = f"{values['author__first_name']} {values['author__last_name']}".strip()
        self.author_name = name or values["author__username"]
