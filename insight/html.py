"""The dashboard's charts (heading, summary, image, table, CSV link) and their contents list,
written once in Python.

Django's template engine spent some 40,000 function calls a request on these eleven
sections (a lookup, an escape and a loop for every cell of every table); written here with
``html.escape``, as records/tables.py writes the record lists, they cost a few hundred. The
markup is the same byte for byte (tests/insight/test_dashboard_html.py holds it to what the
templates made); the rest of the page stays in templates/insight/dashboard.html.
"""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from insight.figures import Table

_PLACEHOLDER = "CHART"
_HEADER = '<th scope="col" class="govuk-table__header">{}</th>'
_NUMERIC_HEADER = '<th scope="col" class="govuk-table__header govuk-table__header--numeric">{}</th>'
_ROW_HEADER = '<th scope="row" class="govuk-table__header">{}</th>'
_CELL = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


def contents(tables: list[Table]) -> SafeString:
    """The list of links to each chart."""
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<li><a class="govuk-link" href="#{escape(t.name)}">{escape(t.title)}</a></li>'
            for t in tables
        )
    )


def table(t: Table) -> str:
    """A chart's data as a GOV.UK table (first column row headings, the rest numeric)."""
    headers = "".join(
        (_NUMERIC_HEADER if i else _HEADER).format(escape(header))
        for i, header in enumerate(t.headers)
    )
    if t.rows:
        body = "".join(
            '<tr class="govuk-table__row">'
            + _ROW_HEADER.format(escape(row[0]))
            + "".join(_CELL.format(escape(cell)) for cell in row[1:])
            + "</tr>\n    "
            for row in t.rows
        )
    else:
        body = (
            '<tr class="govuk-table__row"><td class="govuk-table__cell" '
            f'colspan="{len(t.headers)}">None in the period.</td></tr>'
        )
    name, title = escape(t.name), escape(t.title)
    return (
        f'<table class="govuk-table app-insight__table" id="{name}-table">\n'
        f'  <caption class="govuk-table__caption govuk-table__caption--s">{title}: the data'
        "</caption>\n"
        '  <thead class="govuk-table__head">\n'
        f'    <tr class="govuk-table__row">{headers}</tr>\n'
        "  </thead>\n"
        '  <tbody class="govuk-table__body">\n'
        f"    {body}\n"
        "  </tbody>\n"
        "</table>\n"
    )


def sections(tables: list[Table], query: str) -> SafeString:
    """Each chart's section: heading, summary, note, image, table and CSV link. ``query``
    (the page's own query string) is passed on to the image and the CSV."""
    svg_url = reverse("insight:chart_svg", args=[_PLACEHOLDER])
    csv_url = reverse("insight:chart_csv", args=[_PLACEHOLDER])
    asked = f"?{escape(query)}" if query else ""
    parts = []
    for t in tables:
        name, title, summary = escape(t.name), escape(t.title), escape(t.summary)
        note = f'<p class="govuk-body-s">{escape(t.note)}</p>' if t.note else ""
        svg = escape(svg_url.replace(_PLACEHOLDER, t.name)) + asked
        csv = escape(csv_url.replace(_PLACEHOLDER, t.name)) + asked
        parts.append(
            "\n"
            f'<section class="app-insight__chart" id="{name}" aria-labelledby="{name}-heading">\n'
            f'  <h2 class="govuk-heading-l" id="{name}-heading">{title}</h2>\n'
            f'  <p class="govuk-body app-insight__summary" id="{name}-summary">{summary}</p>\n'
            f"  {note}\n"
            '  <figure class="app-insight__figure">\n'
            f'    <img class="app-insight__svg" src="{svg}" alt="Chart: {title}. {summary} '
            'The table below gives every figure." width="800">\n'
            "  </figure>\n"
            f"  {table(t)}\n"
            f'  <p class="govuk-body"><a class="govuk-link" href="{csv}" download>'
            f'Download this table (CSV)<span class="govuk-visually-hidden">: {title}</span>'
            "</a></p>\n"
            "</section>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


def filter_fields(form, figures) -> SafeString:
    """The filter form's four fields (two dates, two lists) with their labels and errors.
    ``figures`` (None when the form has errors) gives the period shown in the date fields."""
    parts = []
    for field in form:
        errors = field.errors
        auto_id = escape(field.auto_id)
        described = f' aria-describedby="{auto_id}-error"' if errors else ""
        messages = "".join(
            f'<p id="{auto_id}-error" class="govuk-error-message"><span class="'
            f'govuk-visually-hidden">Error:</span> {escape(str(error))}</p>'
            for error in errors
        )
        if field.name in ("organisation", "team"):
            chosen = field.value()
            options = "".join(
                f'<option value="{escape(str(value))}"'
                + (" selected" if value == chosen else "")
                + f">{escape(str(label))}</option>"
                for value, label in field.field.choices
            )
            control = (
                '<select class="govuk-select app-insight__select'
                + (" govuk-select--error" if errors else "")
                + f'" id="{auto_id}" name="{escape(field.html_name)}"{described}>\n'
                f"          {options}\n"
                "        </select>"
            )
        else:
            if errors:
                value = field.value()
                value = "" if value is None else str(value)
            elif figures is None:
                value = ""
            else:
                day = figures.filters.start if field.name == "date_from" else figures.filters.end
                value = f"{day:%Y-%m-%d}"
            control = (
                '<input class="govuk-input govuk-input--width-10'
                + (" govuk-input--error" if errors else "")
                + f'" type="date" id="{auto_id}" name="{escape(field.html_name)}" '
                f'value="{escape(value)}"{described}>'
            )
        parts.append(
            "\n"
            '    <div class="govuk-grid-column-one-quarter">\n'
            '      <div class="govuk-form-group'
            + (" govuk-form-group--error" if errors else "")
            + '">\n'
            f'        <label class="govuk-label govuk-label--s" for="{auto_id}">'
            f"{escape(str(field.label))}</label>\n"
            f"        {messages}\n"
            f"        \n"
            f"        {control}\n"
            "        \n"
            "      </div>\n"
            "    </div>\n"
            "    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here
