# ruff: noqa: E501 - the templates as they were, one line each
"""The dashboard's charts written in Python (insight/html.py): the same markup, byte for byte,
as the templates that wrote them before, hostile text escaped the same way."""

from __future__ import annotations

import pytest
from django.template import engines

from insight import html
from insight.figures import Dashboard, Table
from insight.suppression import Shown
from tests.insight.fixtures import HOSTILE_AGENCY, PERIOD

pytestmark = pytest.mark.django_db

# The templates as they were (templates/insight/dashboard.html's loops, _table.html).
TABLE_TEMPLATE = """<table class="govuk-table app-insight__table" id="{{ table.name }}-table">
  <caption class="govuk-table__caption govuk-table__caption--s">{{ table.title }}: the data</caption>
  <thead class="govuk-table__head">
    <tr class="govuk-table__row">{% for header in table.headers %}<th scope="col" class="govuk-table__header{% if not forloop.first %} govuk-table__header--numeric{% endif %}">{{ header }}</th>{% endfor %}</tr>
  </thead>
  <tbody class="govuk-table__body">
    {% for row in table.rows %}<tr class="govuk-table__row">{% for cell in row %}{% if forloop.first %}<th scope="row" class="govuk-table__header">{{ cell }}</th>{% else %}<td class="govuk-table__cell govuk-table__cell--numeric">{{ cell }}</td>{% endif %}{% endfor %}</tr>
    {% empty %}<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="{{ table.headers|length }}">None in the period.</td></tr>{% endfor %}
  </tbody>
</table>
"""
SECTIONS_TEMPLATE = (
    """{% for table in tables %}
<section class="app-insight__chart" id="{{ table.name }}" aria-labelledby="{{ table.name }}-heading">
  <h2 class="govuk-heading-l" id="{{ table.name }}-heading">{{ table.title }}</h2>
  <p class="govuk-body app-insight__summary" id="{{ table.name }}-summary">{{ table.summary }}</p>
  {% if table.note %}<p class="govuk-body-s">{{ table.note }}</p>{% endif %}
  <figure class="app-insight__figure">
    <img class="app-insight__svg" src="{% url 'insight:chart_svg' table.name %}{% if query %}?{{ query }}{% endif %}" alt="Chart: {{ table.title }}. {{ table.summary }} The table below gives every figure." width="800">
  </figure>
  """
    + TABLE_TEMPLATE
    + """
  <p class="govuk-body"><a class="govuk-link" href="{% url 'insight:chart_csv' table.name %}{% if query %}?{{ query }}{% endif %}" download>Download this table (CSV)<span class="govuk-visually-hidden">: {{ table.title }}</span></a></p>
</section>
{% endfor %}"""
)
CONTENTS_TEMPLATE = """{% for table in tables %}<li><a class="govuk-link" href="#{{ table.name }}">{{ table.title }}</a></li>{% endfor %}"""
HOSTILE = "<script>alert(\"x\")</script> & 'quoted' =SUM(A1)"


def _as_templates_wrote_it(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def _sections_before(tables, query):
    return _as_templates_wrote_it(SECTIONS_TEMPLATE, tables=tables, query=query)


def hostile_tables() -> list[Table]:
    few = Shown(None, "fewer than 5", suppressed=True)
    return [
        Table(
            name="agencies",
            title=f"Agencies {HOSTILE}",
            summary=f"The agency shared with most was {HOSTILE} (10 shares).",
            headers=["Agency", f"Shares {HOSTILE}"],
            rows=[[HOSTILE, "10"], ["Ünïcode — agency", str(few)], ["Total", "1,230"]],
            kind="hbar",
            note=f"Note {HOSTILE}",
        ),
        Table(
            name="outcomes",
            title="Decisions per month by outcome",
            summary="No decisions.",
            headers=["Month", "A", "B", "All decisions"],
            rows=[],
            kind="stacked",
        ),
    ]


@pytest.mark.parametrize("query", ["", "team=3&date_from=2025-01-01", "x=\"><b>&y='1'"])
def test_it_writes_the_sections_as_the_templates_did(query):
    tables = hostile_tables()
    assert html.sections(tables, query) == _sections_before(tables, query)
    assert html.contents(tables) == _as_templates_wrote_it(CONTENTS_TEMPLATE, tables=tables)
    assert "<script>" not in html.sections(tables, query)
    assert "&lt;script&gt;alert(&quot;x&quot;)" in html.sections(tables, query)


@pytest.mark.parametrize("who", ["manager", "auditor"])
def test_it_writes_every_chart_of_the_dashboard_as_the_templates_did(client, records, request, who):
    client.force_login(request.getfixturevalue(who))
    query = "&".join(f"{key}={value}" for key, value in PERIOD.items())
    page = client.get(f"/insight/?{query}")
    tables = page.context["tables"]
    assert [t.name for t in tables] == list(Dashboard.CHARTS)
    body = page.content.decode()
    before = _sections_before(tables, page.context["query"])
    assert before in body
    assert _as_templates_wrote_it(CONTENTS_TEMPLATE, tables=tables) in body
    # The fixtures' hostile agency (a spreadsheet formula), its quote escaped.
    assert HOSTILE_AGENCY.replace("'", "&#x27;") in body


FIELDS_TEMPLATE = """    {% for field in form %}
    <div class="govuk-grid-column-one-quarter">
      <div class="govuk-form-group{% if field.errors %} govuk-form-group--error{% endif %}">
        <label class="govuk-label govuk-label--s" for="{{ field.auto_id }}">{{ field.label }}</label>
        {% for error in field.errors %}<p id="{{ field.auto_id }}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {{ error }}</p>{% endfor %}
        {% if field.name == "organisation" or field.name == "team" %}
        <select class="govuk-select app-insight__select{% if field.errors %} govuk-select--error{% endif %}" id="{{ field.auto_id }}" name="{{ field.html_name }}"{% if field.errors %} aria-describedby="{{ field.auto_id }}-error"{% endif %}>
          {% for value, label in field.field.choices %}<option value="{{ value }}"{% if value == field.value %} selected{% endif %}>{{ label }}</option>{% endfor %}
        </select>
        {% else %}
        <input class="govuk-input govuk-input--width-10{% if field.errors %} govuk-input--error{% endif %}" type="date" id="{{ field.auto_id }}" name="{{ field.html_name }}" value="{% if field.errors %}{{ field.value|default_if_none:'' }}{% elif field.name == 'date_from' %}{{ figures.filters.start|date:'Y-m-d' }}{% else %}{{ figures.filters.end|date:'Y-m-d' }}{% endif %}"{% if field.errors %} aria-describedby="{{ field.auto_id }}-error"{% endif %}>
        {% endif %}
      </div>
    </div>
    {% endfor %}"""


@pytest.mark.parametrize(
    "data",
    [
        {},
        PERIOD,
        {"date_from": '<b>"x"</b>', "date_to": "2025-02-30"},
        {"date_from": "2025-05-01", "date_to": "2025-01-01"},
        {"team": "999", "organisation": "'><script>"},
        {"date_from": "1999-01-01", "team": "TEAM"},
        {"organisation": "OTHER_ORGANISATION", "team": "TEAM"},
        {"organisation": "ORGANISATION", "team": "TEAM"},
    ],
)
def test_it_writes_the_filter_fields_as_the_template_did(auditor, family_team, school_team, data):
    from insight.forms import InsightForm

    ids = {
        "TEAM": family_team.pk,
        "ORGANISATION": family_team.organisation_id,
        "OTHER_ORGANISATION": school_team.organisation_id,
    }
    data = {key: str(ids.get(value, value)) for key, value in data.items()}
    form = InsightForm(data, user=auditor)
    figures = Dashboard(auditor, form.filters()) if form.is_valid() else None
    written = html.filter_fields(form, figures)
    assert "    " + written == _as_templates_wrote_it(FIELDS_TEMPLATE, form=form, figures=figures)
    assert "<script>" not in written and "<b>" not in written
    assert ("govuk-form-group--error" in written) == bool(form.errors)
