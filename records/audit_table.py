"""The audit log's rows (``/audit/``), written once in Python as records/tables.py writes
the record lists: the template engine spent some 300 calls on each of its 50 rows a page
(a lookup, a filter and an escape for every cell), over half the page's time. Every value
is escaped here with ``html.escape``; the markup is the one templates/records/audit.html
wrote."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

_PLACEHOLDER = "REFERENCE"
_SMALL = '<td class="govuk-table__cell govuk-body-s">'


def _user_cell(event) -> str:
    if not event.actor_username:
        return "The system"
    name = escape(event.actor_username)
    role = (
        f' <span class="govuk-body-s">({escape(str(event.actor_role))})</span>'
        if event.actor_role
        else ""
    )
    return (
        f'<a class="govuk-link" href="?user={escape(quote(event.actor_username))}">{name}</a>{role}'
    )


def _record_cell(event, link: str) -> str:
    reference = event.record_reference
    if not reference:
        return "–"
    shown = escape(reference)
    if event.record_exists:
        shown = (
            f'<a class="govuk-link" href="{escape(link.replace(_PLACEHOLDER, quote(reference)))}">'
            f"{shown}</a>"
        )
    return (
        f'{shown} <a class="govuk-link govuk-body-s" href="?record={escape(quote(reference))}">'
        f'trail<span class="govuk-visually-hidden"> of {escape(reference)}</span></a>'
    )


def events_html(events) -> SafeString:
    """The table body's rows for these events (``selectors.audit_page``, each with
    ``record_exists``: ``selectors.with_record_exists``): when, who, what, which
    record, from where, details."""
    link = reverse("records:detail", args=[_PLACEHOLDER])  # one reverse() a page
    parts = []
    for event in events:
        local = timezone.localtime(event.at)
        parts.append(
            f'\n    <tr class="govuk-table__row" data-event="{event.pk}">'
            f'\n      <td class="govuk-table__cell"><time datetime="{local.isoformat()}">'
            f"{local.day} {local:%b %Y %H:%M:%S}</time></td>"
            f'\n      <td class="govuk-table__cell">{_user_cell(event)}</td>'
            f'\n      <td class="govuk-table__cell">{escape(str(event.label))}</td>'
            f'\n      <td class="govuk-table__cell">{_record_cell(event, link)}</td>'
            f"\n      {_SMALL}{escape(str(event.ip or '–'))}</td>"
            f"\n      {_SMALL}{escape(str(event.summary))}</td>"
            "\n    </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


# --- The record page's own trail and its viewers (templates/records/_audit_trail.html) --------
# Up to 50 events and 100 viewers a record: written here for the same reason as the log's rows.

_CELL = '<td class="govuk-table__cell">'


def trail_html(events) -> SafeString:
    """The record page's trail rows (``selectors.audit_events_for``): when, who, what,
    details."""
    parts = []
    for event in events:
        local = timezone.localtime(event.at)
        who = escape(event.actor_username) if event.actor_username else "The system"
        if event.actor_role:
            who += f' <span class="govuk-body-s">({escape(str(event.actor_role))})</span>'
        parts.append(
            '\n    <tr class="govuk-table__row">'
            f'\n      {_CELL}<time datetime="{local.isoformat()}">'
            f"{local.day} {local:%b %Y %H:%M:%S}</time></td>"
            f"\n      {_CELL}{who}</td>"
            f"\n      {_CELL}{escape(str(event.label))}</td>"
            f"\n      {_SMALL}{escape(str(event.summary))}</td>"
            "\n    </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


def viewers_html(viewers) -> SafeString:
    """The record page's "who viewed" rows (``selectors.viewers_of``)."""
    parts = []
    for viewer in viewers:
        local = timezone.localtime(viewer["last_viewed"])
        parts.append(
            '\n    <tr class="govuk-table__row">'
            f"\n      {_CELL}{escape(str(viewer['actor_username']))}</td>"
            f"\n      {_CELL}{escape(str(viewer['actor_role']))}</td>"
            f'\n      {_CELL}<time datetime="{local.isoformat()}">'
            f"{local.day} {local:%b %Y %H:%M}</time></td>"
            '\n      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f"{viewer['views']}</td>"
            "\n    </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here
