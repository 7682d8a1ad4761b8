"""A decision's answered pages written in Python (records/snapshot_markup.py): byte for byte
what the template's loops wrote, on a real snapshot and on hostile text, escaped."""

# ruff: noqa: E501 - the templates' lines, verbatim

import pytest
from django.template import Context, Template

from decisions import demo
from records.snapshot_markup import path_html, steps_html

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
