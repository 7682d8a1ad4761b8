"""A decision's summary and history written in Python (records/record_markup.py): byte for
byte what templates/records/_decision.html and _timeline.html wrote, on real records and on
hostile text, escaped."""

# ruff: noqa: E501 - the templates' lines, verbatim

import datetime
from types import SimpleNamespace

import pytest
from django.template import Context, Engine
from django.utils import timezone

from decisions import demo
from records import selectors, snapshot_markup
from records.models import DecisionRecord, User
from records.record_markup import decision_html, timeline_html
from records.selectors import TimelineEntry
from tests.records.test_snapshot_markup import (
    CONSENT_LIMITS_TEMPLATE,
    HOSTILE,
    OUTCOME_TEMPLATE,
    _hostile_snapshot,
)

# The templates as they were.
DECISION_TEMPLATE = """{% comment %}The decision as submitted, drawn from the record's snapshot: the record page and the
approval page both show it (its path and pages written by records/snapshot_markup.py).{% endcomment %}
<dl class="govuk-summary-list">
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Status</dt><dd class="govuk-summary-list__value"><strong class="govuk-tag {{ record.state_tag_class }}">{{ record.get_state_display }}</strong></dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Decided by</dt><dd class="govuk-summary-list__value">{{ record.author.get_full_name|default:record.author.username }}{% if record.team %}, {{ record.team }}{% endif %}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Recorded</dt><dd class="govuk-summary-list__value">{{ record.submitted_at|date:"j F Y, H:i" }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Review by</dt><dd class="govuk-summary-list__value">{{ record.review_date|date:"j F Y"|default:"Not set" }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Rules version</dt><dd class="govuk-summary-list__value">Flowchart {{ record.flowchart_version }}</dd></div>
  {% if record.reconsiders %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Reconsiders</dt><dd class="govuk-summary-list__value"><a class="govuk-link" href="{% url 'records:detail' record.reconsiders.reference %}">{{ record.reconsiders.reference }}</a></dd></div>{% endif %}
  {% if reconsiderations %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Reconsidered in</dt><dd class="govuk-summary-list__value">{% for later in reconsiderations %}<a class="govuk-link" href="{% url 'records:detail' later.reference %}">{{ later.reference }}</a>{% if not forloop.last %}, {% endif %}{% endfor %}</dd></div>{% endif %}
  {% if earlier_shown %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Earlier decisions shown</dt><dd class="govuk-summary-list__value">{% for earlier in earlier_shown %}<a class="govuk-link" href="{% url 'records:detail' earlier %}">{{ earlier }}</a>{% if not forloop.last %}, {% endif %}{% endfor %}</dd></div>{% endif %}
  {% if confirmation %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Shared</dt><dd class="govuk-summary-list__value">{{ confirmation.shared_on|date:"j F Y" }}, {{ confirmation.means }}, to {{ confirmation.recipient }}</dd></div>{% endif %}
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Path taken</dt><dd class="govuk-summary-list__value">
    <ol class="govuk-list govuk-list--number">{{ snapshot_path }}</ol>
  </dd></div>
</dl>
{% for concern in concerns %}
<div class="govuk-warning-text">
  <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
  <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>A manager recorded a concern about this urgent share ({{ concern.by.get_full_name|default:concern.by.username }}, {{ concern.at|date:"j F Y" }}): {{ concern.comment }}</strong>
</div>
{% endfor %}
{% with outcome=snapshot.outcome %}{% include "records/_outcome.html" %}{% endwith %}
{% include "records/_consent_limits.html" with limits=snapshot.consent_limits %}
{{ snapshot_steps }}
"""
TIMELINE_TEMPLATE = """{% comment %}A record's life in order (GOV.UK-style timeline): who did what, when, and why.{% endcomment %}
<h2 class="govuk-heading-m" id="timeline">History</h2>
{% if timeline %}
<ol class="app-timeline">
  {% for entry in timeline %}
  <li class="app-timeline__item">
    <h3 class="govuk-heading-s app-timeline__title"><strong class="govuk-tag {{ entry.tag }}">{{ entry.title }}</strong>{% if entry.round %} <span class="govuk-body-s">round {{ entry.round }}</span>{% endif %}</h3>
    <p class="govuk-body-s app-timeline__meta">{{ entry.by }}, <time datetime="{{ entry.at|date:'c' }}">{{ entry.at|date:"j F Y, H:i" }}</time></p>
    {% if entry.comment %}<p class="govuk-body app-timeline__comment">{{ entry.comment }}</p>{% endif %}
  </li>
  {% endfor %}
</ol>
{% else %}
<p class="govuk-body">Nothing has happened to this decision yet.</p>
{% endif %}
"""

_ENGINE = Engine(
    loaders=[
        (
            "django.template.loaders.locmem.Loader",
            {
                "records/_decision.html": DECISION_TEMPLATE,
                "records/_timeline.html": TIMELINE_TEMPLATE,
                "records/_outcome.html": OUTCOME_TEMPLATE,
                "records/_consent_limits.html": CONSENT_LIMITS_TEMPLATE,
            },
        )
    ]
)


def _old_decision(record, **context) -> str:
    snapshot = record.snapshot
    return _ENGINE.get_template("records/_decision.html").render(
        Context(
            {
                "record": record,
                "snapshot": snapshot,
                "snapshot_path": snapshot_markup.path_html(snapshot),
                "snapshot_steps": snapshot_markup.steps_html(snapshot),
                **context,
                # The template read the reconsidering records; the markup takes their references.
                "reconsiderations": [
                    SimpleNamespace(reference=reference)
                    for reference in context.get("reconsiderations", ())
                ],
            }
        )
    )


def _new_decision(record, **context) -> str:
    return decision_html(
        record,
        snapshot_path=snapshot_markup.path_html(record.snapshot),
        snapshot_steps=snapshot_markup.steps_html(record.snapshot),
        **context,
    )


def _old_timeline(entries) -> str:
    return _ENGINE.get_template("records/_timeline.html").render(Context({"timeline": entries}))


@pytest.fixture
def record(practitioner):
    answers = demo.finished_answers("share_without_consent", urgent="yes")
    made = demo.create_submitted(author=practitioner, answers=answers)
    return selectors.record_for_page(user=practitioner, reference=made.reference)


def test_it_writes_a_real_decision_as_the_template_did(record):
    history = selectors.history_of(record)

    written = _new_decision(record, confirmation=history.confirmation)

    assert written == _old_decision(record, confirmation=history.confirmation)
    assert record.get_state_display() in written
    assert written.count('id="step-') == len(record.snapshot["steps"])


def test_it_writes_every_optional_row_as_the_template_did(record, manager):
    record.reconsiders = DecisionRecord(reference="ISD-2025-000001")
    record.review_date = None
    context = {
        "reconsiderations": ["ISD-2026-000007", "ISD-2026-000009"],
        "earlier_shown": ["ISD-2024-000002"],
        "confirmation": SimpleNamespace(
            shared_on=datetime.date(2026, 3, 29), means="Secure email", recipient="Duty desk"
        ),
        "concerns": [
            SimpleNamespace(
                by=manager,
                at=datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC),
                comment="Too wide",
            )
        ],
    }

    written = _new_decision(record, **context)

    assert written == _old_decision(record, **context)
    for shown in ("ISD-2025-000001", "ISD-2026-000009", "ISD-2024-000002", "Not set"):
        assert shown in written
    assert "29 March 2026, Secure email, to Duty desk" in written
    assert "Manager Testuser, 2 July 2026" in written  # 23:30 UTC is the next day in London


def _hostile_record(submitted_at):
    user = User(username=HOSTILE)  # no full name: the template fell back to the username
    return SimpleNamespace(
        snapshot={
            **_hostile_snapshot(),
            "outcome": {"title": HOSTILE, "next_steps": [HOSTILE]},
            "warnings": [HOSTILE],
            "consent_limits": {"agencies": HOSTILE, "information": HOSTILE},
        },
        author=user,
        team=HOSTILE,
        state_tag_class=HOSTILE,
        get_state_display=lambda: HOSTILE,
        submitted_at=submitted_at,
        review_date=datetime.date(2027, 1, 9),
        flowchart_version=HOSTILE,
        reconsiders=None,
    )


@pytest.mark.parametrize(
    "submitted_at",
    [
        datetime.datetime(2026, 1, 5, 9, 7, tzinfo=datetime.UTC),  # GMT
        datetime.datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=datetime.UTC),  # BST
        None,
    ],
)
def test_it_escapes_a_hostile_decision_as_the_template_did(db, submitted_at):
    record = _hostile_record(submitted_at)
    concern = SimpleNamespace(by=record.author, at=timezone.now(), comment=HOSTILE)
    context = {
        "confirmation": SimpleNamespace(shared_on=None, means=HOSTILE, recipient=HOSTILE),
        "concerns": [concern],
    }

    written = _new_decision(record, **context)

    assert written == _old_decision(record, **context)
    assert "<script>" not in written
    assert "&lt;script&gt;" in written


def test_it_writes_the_history_as_the_template_did(record, manager):
    at = datetime.datetime(2026, 10, 25, 0, 59, tzinfo=datetime.UTC)  # the clocks go back
    entries = [
        *selectors.record_timeline(record),
        TimelineEntry(at=at, title="Returned", by="Manager Testuser", comment="Why\nnot", round=1),
        TimelineEntry(at=at + datetime.timedelta(hours=1), title=HOSTILE, by=HOSTILE, tag=HOSTILE),
        TimelineEntry(at=at, title="Approved", by="M", comment=HOSTILE, round=0),
    ]

    for shown in (entries, entries[:1], []):
        assert timeline_html(shown) == _old_timeline(shown)
    assert "Nothing has happened to this decision yet." in timeline_html([])
    assert "<script>" not in timeline_html(entries)
    assert "25 October 2026, 01:59" in timeline_html(entries)
