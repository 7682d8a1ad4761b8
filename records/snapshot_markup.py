"""A decision's answered pages, its outcome and its limits of consent as HTML, from its snapshot
(``decisions.wizard.build_snapshot``): the record page, the approval page, each earlier round
and "check your answers" show them.

Written once in Python, as records/audit_table.py writes the trail: the template's loops over
a decision's pages and rows took 1.1 ms of the record page's 9.7 (14 pages, SQLite,
100,000 records), a lookup, a filter and an escape for every cell. Every value from the
snapshot is escaped here (``html.escape``, as the template's autoescape did); the markup is
the one the templates (_snapshot_steps.html, _outcome.html, _consent_limits.html and
_decision.html, since removed) wrote, byte for byte: tests/records/test_snapshot_markup.py
renders those templates and compares.
"""

from __future__ import annotations

import re
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

_STEP = "STEP_PLACEHOLDER"  # a slug, as a step's id is: one reverse() a page
_NEWLINES = re.compile(r"\r\n|\r")


def text_html(value) -> str:
    """``{{ value }}``: a value escaped as the templates' autoescape did (None as "None")."""
    return escape(str(value))


def _multiline(value) -> str:
    """``{{ value|linebreaksbr }}``."""
    return escape(_NEWLINES.sub("\n", str(value))).replace("\n", "<br>")


def _guidance(links) -> str:
    return ", ".join(
        f'<a class="govuk-link" href="{text_html(link.get("href", ""))}">'
        f"{text_html(link.get('label', ''))}</a>"
        for link in links
    )


def steps_html(snapshot: dict, *, id_prefix: str = "", change_reference: str = "") -> SafeString:
    """Each page as it was asked and answered: its heading, its rows, its source and guidance.
    With ``change_reference`` (check your answers) each page has a Change link back into the
    wizard."""
    change_url = (
        escape(reverse("decisions:step", args=[change_reference, _STEP]))
        if change_reference
        else ""
    )
    prefix = escape(str(id_prefix))
    parts = []
    for section in (snapshot or {}).get("steps") or ():
        step, title = text_html(section.get("id", "")), text_html(section.get("title", ""))
        parts.append(
            f'\n<h2 class="govuk-heading-m" id="{prefix}step-{step}">{title}</h2>'
            '\n<dl class="govuk-summary-list">\n  '
        )
        for number, row in enumerate(section.get("rows") or ()):
            label, value = text_html(row.get("label", "")), _multiline(row.get("value", ""))
            parts.append(
                '\n  <div class="govuk-summary-list__row">'
                f'\n    <dt class="govuk-summary-list__key">{label}</dt>'
                f'\n    <dd class="govuk-summary-list__value">{value}</dd>'
                "\n    "
            )
            if change_url:
                link = (
                    f'<a class="govuk-link" href="{change_url.replace(_STEP, step)}?change=1">'
                    f'Change<span class="govuk-visually-hidden"> '
                    f"{escape(str(section.get('title', '')).lower())}</span></a>"
                    if number == 0
                    else ""
                )
                parts.append(
                    f'\n    <dd class="govuk-summary-list__actions">\n      {link}\n    </dd>\n    '
                )
            parts.append("\n  </div>\n  ")
        parts.append("\n</dl>\n")
        if section.get("source"):
            parts.append(
                '<p class="govuk-body-s app-snapshot-source">'
                f"Source: {text_html(section['source'])}</p>"
            )
        parts.append("\n")
        if section.get("guidance"):
            parts.append(
                '<p class="govuk-body-s app-snapshot-source">'
                f"Guidance: {_guidance(section['guidance'])}</p>"
            )
        parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


def path_html(snapshot: dict) -> SafeString:
    """The questions on the path taken, each with its answer and a link to its page below."""
    items = [
        f'<li><a class="govuk-link" href="#step-{text_html(section.get("id", ""))}">'
        f"{text_html(section.get('title', ''))}</a>: {_first_value(section)}</li>"
        for section in (snapshot or {}).get("steps") or ()
        if section.get("is_question")
    ]
    return mark_safe("".join(items))  # noqa: S308 - every value is escaped here


def _first_value(section: dict) -> str:
    rows = section.get("rows") or ()
    return text_html(rows[0].get("value", "")) if rows else ""


def outcome_html(outcome, warnings=()) -> SafeString:
    """The outcome the flowchart reached (what it means, whether a manager approves it and
    when, what to do next, its guidance), then the snapshot's warnings."""
    outcome = outcome or {}
    approval = ""
    if outcome.get("requires_approval"):
        timing = (
            "Share now: a manager reviews this decision afterwards."
            if outcome.get("approval_timing") == "retrospective"
            else "A manager must approve this decision before you act on it."
        )
        approval = f'\n  <p class="govuk-body"><strong>\n    {timing}\n  </strong></p>\n  '
    next_steps = "".join(f"<li>{text_html(item)}</li>" for item in outcome.get("next_steps") or ())
    guidance = ""
    if outcome.get("guidance"):
        links = _guidance(outcome["guidance"])
        guidance = f'\n  <p class="govuk-body-s">Guidance:\n    {links}\n  </p>\n  '
    shown = "".join(
        '\n<div class="govuk-warning-text">'
        '\n  <span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
        '\n  <strong class="govuk-warning-text__text">'
        f'<span class="govuk-visually-hidden">Warning</span>{text_html(warning)}</strong>'
        "\n</div>\n"
        for warning in warnings or ()
    )
    return mark_safe(  # noqa: S308 - every value is escaped here
        '<div class="govuk-inset-text">'
        f'\n  <h2 class="govuk-heading-m">{text_html(outcome.get("title", ""))}</h2>'
        f'\n  <p class="govuk-body">{text_html(outcome.get("summary", ""))}</p>'
        f"\n  {approval}"
        '\n  <h3 class="govuk-heading-s">What to do next</h3>'
        '\n  <ul class="govuk-list govuk-list--bullet">'
        f"\n    {next_steps}"
        "\n  </ul>"
        f"\n  {guidance}"
        f"\n</div>\n{shown}\n"
    )


_LIMIT_ROW = (
    '\n  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{label}</dt>'
    '<dd class="govuk-summary-list__value">{value}</dd></div>'
)


def consent_limits_html(limits) -> SafeString:
    """The limits the person put on their consent (the snapshot's ``consent_limits``), or
    nothing where they gave none."""
    if not limits:
        return mark_safe("\n\n")  # noqa: S308 - constant
    rows = (
        ("Agencies it covers", text_html(limits.get("agencies", ""))),
        ("Information it covers", _multiline(limits.get("information", ""))),
        ("How long it lasts", text_html(limits.get("until", ""))),
        ("Not to be shared", _multiline(limits.get("not_shared", ""))),
    )
    return mark_safe(  # noqa: S308 - every value is escaped here
        '\n\n<h2 class="govuk-heading-m" id="consent-limits">Limits of consent</h2>'
        '\n<dl class="govuk-summary-list">'
        + "".join(_LIMIT_ROW.format(label=label, value=value) for label, value in rows)
        + "\n</dl>\n\n"
    )
