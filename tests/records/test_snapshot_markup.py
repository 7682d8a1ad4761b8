"""A decision's answered pages, outcome and limits of consent written in Python
(records/snapshot_markup.py): byte for byte what the templates wrote, on a real snapshot and
on hostile text, escaped."""

# ruff: noqa: E501 - the templates' lines, verbatim

from html import escape

import pytest
from django.template import Context, Template

from decisions import demo
from records.snapshot_markup import consent_limits_html, outcome_html, path_html, steps_html

# The loop templates/records/_snapshot_steps.html had (less its comment).
STEPS_LOOP = """{% for section in snapshot.steps %}
<h2 class="govuk-heading-m" id="{{ id_prefix }}step-{{ section.id }}">{{ section.title }}</h2>
<dl class="govuk-summary-list">
  {% for row in section.rows %}
  <div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">{{ row.label }}</dt>
    <dd class="govuk-summary-list__value">{{ row.value|linebreaksbr }}</dd>
    {% if change_reference %}
    <dd class="govuk-summary-list__actions">
      {% if forloop.first %}<a class="govuk-link" href="{% url 'decisions:step' change_reference section.id %}?change=1">Change<span class="govuk-visually-hidden"> {{ section.title|lower }}</span></a>{% endif %}
    </dd>
    {% endif %}
  </div>
  {% endfor %}
</dl>
{% if section.source %}<p class="govuk-body-s app-snapshot-source">Source: {{ section.source }}</p>{% endif %}
{% if section.guidance %}<p class="govuk-body-s app-snapshot-source">Guidance: {% for link in section.guidance %}<a class="govuk-link" href="{{ link.href }}">{{ link.label }}</a>{% if not forloop.last %}, {% endif %}{% endfor %}</p>{% endif %}
{% endfor %}"""
# The "path taken" list's loop in templates/records/_decision.html.
PATH_LOOP = """{% for section in snapshot.steps %}{% if section.is_question %}<li><a class="govuk-link" href="#step-{{ section.id }}">{{ section.title }}</a>: {{ section.rows.0.value }}</li>{% endif %}{% endfor %}"""

# templates/records/_outcome.html and _consent_limits.html as they were, included by
# _decision.html and decisions/check.html.
OUTCOME_TEMPLATE = """<div class="govuk-inset-text">
  <h2 class="govuk-heading-m">{{ outcome.title }}</h2>
  <p class="govuk-body">{{ outcome.summary }}</p>
  {% if outcome.requires_approval %}
  <p class="govuk-body"><strong>
    {% if outcome.approval_timing == "retrospective" %}Share now: a manager reviews this decision afterwards.{% else %}A manager must approve this decision before you act on it.{% endif %}
  </strong></p>
  {% endif %}
  <h3 class="govuk-heading-s">What to do next</h3>
  <ul class="govuk-list govuk-list--bullet">
    {% for item in outcome.next_steps %}<li>{{ item }}</li>{% endfor %}
  </ul>
  {% if outcome.guidance %}
  <p class="govuk-body-s">Guidance:
    {% for link in outcome.guidance %}<a class="govuk-link" href="{{ link.href }}">{{ link.label }}</a>{% if not forloop.last %}, {% endif %}{% endfor %}
  </p>
  {% endif %}
</div>
{% for warning in snapshot.warnings %}
<div class="govuk-warning-text">
  <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
  <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>{{ warning }}</strong>
</div>
{% endfor %}
"""
CONSENT_LIMITS_TEMPLATE = """{% comment %}The limits of consent, from the snapshot (consent_limits): the check page, the record
and the approval page.{% endcomment %}
{% if limits %}
<h2 class="govuk-heading-m" id="{{ id_prefix }}consent-limits">Limits of consent</h2>
<dl class="govuk-summary-list">
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Agencies it covers</dt><dd class="govuk-summary-list__value">{{ limits.agencies }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Information it covers</dt><dd class="govuk-summary-list__value">{{ limits.information|linebreaksbr }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">How long it lasts</dt><dd class="govuk-summary-list__value">{{ limits.until }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Not to be shared</dt><dd class="govuk-summary-list__value">{{ limits.not_shared|linebreaksbr }}</dd></div>
</dl>
{% endif %}
"""

HOSTILE = '<script>alert("x&y\'")</script>\r\nline two\rline three \u202e 😀'


@pytest.fixture
def snapshot(practitioner):
    answers = demo.finished_answers("share_without_consent", urgent="yes")
    return demo.create_submitted(author=practitioner, answers=answers).snapshot


def _hostile_snapshot():
    return {
        "steps": [
            {
                "id": "purpose",
                "title": HOSTILE,
                "is_question": True,
                "source": HOSTILE,
                "rows": [
                    {"label": HOSTILE, "value": HOSTILE},
                    {"label": "Second", "value": None},
                ],
                "guidance": [
                    {"href": '/guidance/x/?a=1&b="2"', "label": HOSTILE},
                    {"href": "/guidance/y/", "label": "Y"},
                ],
            },
            {"id": "empty", "title": "No rows", "is_question": False, "rows": []},
            {"id": "nothing", "is_question": True},
        ]
    }


def _template(loop: str, **context) -> str:
    return Template(loop).render(Context(context))


def test_it_writes_the_pages_as_the_template_did(snapshot):
    assert steps_html(snapshot) == _template(STEPS_LOOP, snapshot=snapshot)
    assert steps_html(snapshot, id_prefix="round-1-") == _template(
        STEPS_LOOP, snapshot=snapshot, id_prefix="round-1-"
    )
    assert len(snapshot["steps"]) > 5


def test_it_writes_the_change_links_as_the_template_did(snapshot):
    written = steps_html(snapshot, change_reference="ISD-2026-000123")

    assert written == _template(STEPS_LOOP, snapshot=snapshot, change_reference="ISD-2026-000123")
    assert written.count("?change=1") == len(snapshot["steps"])


def test_it_writes_the_path_taken_as_the_template_did(snapshot):
    assert path_html(snapshot) == _template(PATH_LOOP, snapshot=snapshot)
    assert path_html(snapshot).count("<li>") == sum(
        1 for s in snapshot["steps"] if s["is_question"]
    )


def test_it_escapes_hostile_text_as_the_template_did(db):
    snapshot = _hostile_snapshot()

    for written, expected in [
        (steps_html(snapshot), _template(STEPS_LOOP, snapshot=snapshot)),
        (
            steps_html(snapshot, change_reference="ISD-2026-000123"),
            _template(STEPS_LOOP, snapshot=snapshot, change_reference="ISD-2026-000123"),
        ),
        (path_html(snapshot), _template(PATH_LOOP, snapshot=snapshot)),
    ]:
        assert written == expected
        assert "<script>" not in written
        assert "&lt;script&gt;" in written
    assert "line two<br>line three" in steps_html(snapshot)


def test_it_writes_nothing_for_no_snapshot(db):
    assert steps_html(None) == "" == path_html({})


def _outcome_template(snapshot) -> str:
    return _template(
        "{% with outcome=snapshot.outcome %}" + OUTCOME_TEMPLATE + "{% endwith %}",
        snapshot=snapshot,
    )


def _limits_template(snapshot) -> str:
    return _template(
        "{% with limits=snapshot.consent_limits %}" + CONSENT_LIMITS_TEMPLATE + "{% endwith %}",
        snapshot=snapshot,
    )


def test_it_writes_the_outcome_as_the_template_did(snapshot):
    written = outcome_html(snapshot["outcome"], snapshot.get("warnings"))

    assert written == _outcome_template(snapshot)
    assert escape(snapshot["outcome"]["title"]) in written
    assert "Share now: a manager reviews this decision afterwards." in written


@pytest.mark.parametrize(
    "outcome",
    [
        {"title": "Refuse", "summary": "S", "requires_approval": True, "next_steps": []},
        {"title": "Share", "requires_approval": False, "next_steps": ["One", None]},
        {"title": None, "summary": None, "guidance": [{"href": "/g/", "label": "G"}]},
        {},
        None,
    ],
)
def test_it_writes_every_kind_of_outcome_as_the_template_did(db, outcome):
    snapshot = {"outcome": outcome, "warnings": ["Check the age", HOSTILE]}

    assert outcome_html(outcome, snapshot["warnings"]) == _outcome_template(snapshot)
    assert outcome_html(outcome) == _outcome_template({"outcome": outcome})


def test_it_writes_the_limits_of_consent_as_the_template_did(db):
    limits = {
        "agencies": "School nurse",
        "information": "Attendance\r\nand health",
        "until": "The end of term",
        "not_shared": "Family history",
    }
    for snapshot in ({"consent_limits": limits}, {"consent_limits": {}}, {}):
        assert consent_limits_html(snapshot.get("consent_limits")) == _limits_template(snapshot)
    assert "Attendance<br>and health" in consent_limits_html(limits)


def test_it_escapes_hostile_outcomes_and_limits_as_the_template_did(db):
    outcome = {
        "title": HOSTILE,
        "summary": HOSTILE,
        "requires_approval": True,
        "approval_timing": "retrospective",
        "next_steps": [HOSTILE],
        "guidance": [{"href": '/g/?a=1&b="2"', "label": HOSTILE}],
    }
    limits = {key: HOSTILE for key in ("agencies", "information", "until", "not_shared")}
    snapshot = {"outcome": outcome, "warnings": [HOSTILE], "consent_limits": limits}

    for written, expected in [
        (outcome_html(outcome, [HOSTILE]), _outcome_template(snapshot)),
        (consent_limits_html(limits), _limits_template(snapshot)),
    ]:
        assert written == expected
        assert "<script>" not in written
        assert "&lt;script&gt;" in written
