"""The record page's trail and "who viewed" rows, written in Python (records/audit_table.py):
byte for byte what the template's loops wrote, hostile text included, escaped."""

# ruff: noqa: E501 - the template's lines, verbatim

import datetime

from django.template import Context, Template
from django.utils import timezone

from records.audit_table import trail_html, viewers_html
from records.models import AuditEvent
from records.selectors import _described

# The loops templates/records/_audit_trail.html had before (less the empty case).
TRAIL_LOOP = """
    {% for event in events %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><time datetime="{{ event.at|date:'c' }}">{{ event.at|date:"j M Y H:i:s" }}</time></td>
      <td class="govuk-table__cell">{{ event.actor_username|default:"The system" }}{% if event.actor_role %} <span class="govuk-body-s">({{ event.actor_role }})</span>{% endif %}</td>
      <td class="govuk-table__cell">{{ event.label }}</td>
      <td class="govuk-table__cell govuk-body-s">{{ event.summary }}</td>
    </tr>
    {% endfor %}
"""
VIEWERS_LOOP = """
    {% for viewer in viewers %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell">{{ viewer.actor_username }}</td>
      <td class="govuk-table__cell">{{ viewer.actor_role }}</td>
      <td class="govuk-table__cell"><time datetime="{{ viewer.last_viewed|date:'c' }}">{{ viewer.last_viewed|date:"j M Y H:i" }}</time></td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ viewer.views }}</td>
    </tr>
    {% endfor %}
"""
HOSTILE = "<b>\"x&y'</b> \u202e"
AT = timezone.make_aware(datetime.datetime(2026, 3, 10, 23, 30, 5))


def _events():
    kinds = [
        dict(event="viewed", actor_username=HOSTILE, actor_role="auditor"),
        dict(
            event="addendum_added",
            actor_username="practitioner",
            actor_role="practitioner",
            details={"note": "<i>fictional</i>"},
        ),
        dict(event="submitted", actor_username="", actor_role="", details={"outcome": HOSTILE}),
    ]
    return _described(
        [
            AuditEvent(pk=n + 1, at=AT - datetime.timedelta(days=n), **kind)
            for n, kind in enumerate(kinds)
        ],
        hide=(),
    )


def test_the_trail_rows_are_what_the_template_wrote(db):
    events = _events()

    expected = Template(TRAIL_LOOP).render(Context({"events": events}))

    assert "\n    " + trail_html(events) + "\n" == expected
    assert "<b>" not in expected and "<i>" not in expected
    assert "&lt;b&gt;&quot;x&amp;y&#x27;&lt;/b&gt;" in expected


def test_the_viewer_rows_are_what_the_template_wrote(db):
    viewers = [
        {"actor_username": HOSTILE, "actor_role": "auditor", "last_viewed": AT, "views": 3},
        {"actor_username": "manager", "actor_role": "manager", "last_viewed": AT, "views": 1},
    ]

    expected = Template(VIEWERS_LOOP).render(Context({"viewers": viewers}))

    assert "\n    " + viewers_html(viewers) + "\n" == expected
    assert "<b>" not in expected
