"""A submitted decision's summary and history as HTML: the record page and the approval page
show both.

Written once in Python, as records/snapshot_markup.py writes its pages and
records/audit_table.py its trail: the templates (_decision.html and _timeline.html, since
removed) took 0.8 ms of the record page's 4 (SQLite, 100,000 records), a lookup, a filter and
an escape for every cell, and dates formatted through the template engine. Every value is
escaped here (``html.escape``, as the templates' autoescape did); the markup is theirs, byte
for byte: tests/records/test_record_markup.py renders those templates and compares.
"""

from __future__ import annotations

import datetime
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import SafeString, mark_safe

from records.snapshot_markup import consent_limits_html, outcome_html, text_html

# One row of the summary list, as each of the template's lines wrote it.
_ROW = (
    '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{label}</dt>'
    '<dd class="govuk-summary-list__value">{value}</dd></div>'
)


def _day(value) -> str:
    """``|date:"j F Y"``: a date, or a datetime in the current time zone; nothing for anything
    else, as the filter gave."""
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS[value.month]} {value.year}"


def _day_and_time(value: datetime.datetime | None) -> str:
    """``|date:"j F Y, H:i"`` in the current time zone."""
    return "" if value is None else _local_day_and_time(timezone.localtime(value))


def _local_day_and_time(local: datetime.datetime) -> str:
    return f"{local.day} {MONTHS[local.month]} {local.year}, {local:%H:%M}"


def _name(user) -> str:
    """``{{ user.get_full_name|default:user.username }}``."""
    return text_html(user.display_name)


def _links(references) -> str:
    return ", ".join(
        f'<a class="govuk-link" href="{escape(reverse("records:detail", args=[reference]))}">'
        f"{text_html(reference)}</a>"
        for reference in references
    )


def decision_html(
    record,
    *,
    snapshot_path: str,
    snapshot_steps: str,
    reconsiderations=(),
    earlier_shown=(),
    confirmation=None,
    concerns=(),
) -> SafeString:
    """The decision as submitted: its state, who made it and when, how it links to other
    decisions, the sharing, the path taken, any concern a manager recorded, the outcome,
    the limits of consent and each answered page (``snapshot_path`` and ``snapshot_steps``
    from records.snapshot_markup, already escaped; ``reconsiderations`` and ``earlier_shown``
    the references of those this viewer may open)."""
    snapshot = record.snapshot or {}
    decided_by = _name(record.author)
    if record.team:
        decided_by += f", {text_html(record.team)}"
    rows = [
        _ROW.format(
            label="Status",
            value=f'<strong class="govuk-tag {text_html(record.state_tag_class)}">'
            f"{text_html(record.get_state_display())}</strong>",
        ),
        _ROW.format(label="Decided by", value=decided_by),
        _ROW.format(label="Recorded", value=_day_and_time(record.submitted_at)),
        _ROW.format(label="Review by", value=_day(record.review_date) or "Not set"),
        _ROW.format(
            label="Rules version", value=f"Flowchart {text_html(record.flowchart_version)}"
        ),
    ]
    optional = []
    if record.reconsiders:
        optional.append(
            _ROW.format(label="Reconsiders", value=_links([record.reconsiders.reference]))
        )
    optional.append("\n  ")
    if reconsiderations:
        later = _links(reconsiderations)
        optional.append(_ROW.format(label="Reconsidered in", value=later))
    optional.append("\n  ")
    if earlier_shown:
        shown = _links(earlier_shown)
        optional.append(_ROW.format(label="Earlier decisions shown", value=shown))
    optional.append("\n  ")
    if confirmation:
        shared = (
            f"{_day(confirmation.shared_on)}, {text_html(confirmation.means)}, "
            f"to {text_html(confirmation.recipient)}"
        )
        optional.append(_ROW.format(label="Shared", value=shared))
    warnings = "".join(
        '\n<div class="govuk-warning-text">'
        '\n  <span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
        '\n  <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">'
        "Warning</span>A manager recorded a concern about this urgent share "
        f"({_name(concern.by)}, {_day(concern.at)}): {text_html(concern.comment)}</strong>"
        "\n</div>\n"
        for concern in concerns
    )
    return mark_safe(  # noqa: S308 - every value is escaped here
        '\n<dl class="govuk-summary-list">'
        + "".join(f"\n  {row}" for row in rows)
        + "\n  "
        + "".join(optional)
        + '\n  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">'
        'Path taken</dt><dd class="govuk-summary-list__value">'
        f'\n    <ol class="govuk-list govuk-list--number">{snapshot_path}</ol>'
        "\n  </dd></div>\n</dl>\n"
        f"{warnings}\n"
        f"{outcome_html(snapshot.get('outcome'), snapshot.get('warnings'))}\n"
        f"{consent_limits_html(snapshot.get('consent_limits'))}\n"
        f"{snapshot_steps}\n"
    )


def timeline_html(entries) -> SafeString:
    """The record's life in order (``selectors.record_timeline``): who did what, when, why."""
    if not entries:
        return mark_safe(  # noqa: S308 - constant
            '\n<h2 class="govuk-heading-m" id="timeline">History</h2>\n'
            '\n<p class="govuk-body">Nothing has happened to this decision yet.</p>\n\n'
        )
    items = []
    for entry in entries:
        local = timezone.localtime(entry.at)
        round_ = (
            f' <span class="govuk-body-s">round {text_html(entry.round)}</span>'
            if entry.round
            else ""
        )
        comment = (
            f'<p class="govuk-body app-timeline__comment">{text_html(entry.comment)}</p>'
            if entry.comment
            else ""
        )
        items.append(
            '\n  <li class="app-timeline__item">'
            '\n    <h3 class="govuk-heading-s app-timeline__title">'
            f'<strong class="govuk-tag {text_html(entry.tag)}">{text_html(entry.title)}</strong>'
            f"{round_}</h3>"
            f'\n    <p class="govuk-body-s app-timeline__meta">{text_html(entry.by)}, '
            f'<time datetime="{local.isoformat()}">{_local_day_and_time(local)}</time></p>'
            f"\n    {comment}"
            "\n  </li>\n  "
        )
    return mark_safe(  # noqa: S308 - every value is escaped here
        '\n<h2 class="govuk-heading-m" id="timeline">History</h2>\n'
        '\n<ol class="app-timeline">\n  ' + "".join(items) + "\n</ol>\n\n"
    )
