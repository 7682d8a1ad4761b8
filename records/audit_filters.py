"""The auditor's filters over the audit log (django-filter). Each filter matches an indexed
column: the username, the record reference, the event type, and ``at`` for the dates."""

from __future__ import annotations

import datetime
from html import escape

import django_filters
from django import forms
from django.utils.safestring import SafeString, mark_safe

from records import workdays
from records.filters import CharFilter, ChoiceFilter, DateFilter
from records.models import AuditEvent
from records.selectors import AUDIT_CONDITIONS, EVENT_LABELS

DATE_WIDGET = forms.DateInput(
    format="%Y-%m-%d", attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
)
DATE_ERRORS = {"invalid": "Enter a real date"}
_DATE_FIELDS = frozenset({"date_from", "date_to"})
_OPTIONS: list[tuple[str, str, str]] = []  # the event select's (value, escaped option), built once


# What each filter's cleaned value is as its column holds it.
_COLUMN_VALUE = {
    "user": str,
    # References are written in capitals (ISD-2026-00042); a typed lower case one matches.
    "record": str.upper,
    "event": str,
    "date_from": workdays.start_of_day,
    # Up to the end of that day, local time.
    "date_to": lambda day: workdays.start_of_day(day + datetime.timedelta(days=1)),
}


class AuditFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data


class AuditEventFilter(django_filters.FilterSet):
    user = CharFilter(
        label="Username",
        method="filter_column",
        max_length=150,
        strip=True,
        error_messages={"max_length": "A username is at most 150 characters"},
    )
    record = CharFilter(
        label="Record reference",
        method="filter_column",
        max_length=20,
        strip=True,
        error_messages={"max_length": "A record reference is at most 20 characters"},
    )
    event = ChoiceFilter(
        label="Event",
        method="filter_column",
        choices=sorted(EVENT_LABELS.items(), key=lambda choice: choice[1]),
        empty_label="Any event",
        error_messages={"invalid_choice": "Select an event from the list"},
    )
    date_from = DateFilter(
        label="From", method="filter_column", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    date_to = DateFilter(
        label="To", method="filter_column", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )

    class Meta:
        model = AuditEvent
        fields = ["user", "record", "event", "date_from", "date_to"]
        form = AuditFilterForm

    _form_class: type | None = None

    def get_form_class(self):
        """The filters are the same on every request: so is the form class (django-filter
        makes a new one, with new fields, each time it is asked)."""
        if AuditEventFilter._form_class is None:
            AuditEventFilter._form_class = super().get_form_class()
        return AuditEventFilter._form_class

    def filter_column(self, queryset, name, value):
        return (
            queryset.filter(AUDIT_CONDITIONS[name](_COLUMN_VALUE[name](value)))
            if value
            else queryset
        )

    def conditions(self) -> dict:
        """The filters given and valid, each as its column holds it (``AUDIT_CONDITIONS``),
        for ``selectors.audit_page``. A filter the form refused is left out, as ``qs`` leaves
        it out; the form says why."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        cleaned = getattr(self.form, "cleaned_data", {})
        return {
            name: _COLUMN_VALUE[name](value)
            for name, value in cleaned.items()
            if name in _COLUMN_VALUE and value
        }

    # The form's markup, written here rather than by the template: looping over the bound
    # fields and the event select's 50 options cost the template engine some 2,000 calls a
    # request. Every value is escaped; the markup is the one templates/records/audit.html had.

    def error_summary_html(self) -> SafeString:
        """The error summary's items: each field's errors, linked to the field."""
        errors = self.form.errors
        return mark_safe(  # noqa: S308 - every value is escaped here
            "".join(
                f'<li><a href="#id_{name}">{escape(str(error))}</a></li>'
                for name in self.form.fields
                for error in errors.get(name, ())
            )
        )

    def fields_html(self) -> SafeString:
        """The five fields, each in a third of the grid row, with its label and errors."""
        form = self.form
        errors = form.errors if form.is_bound else {}
        parts = []
        for name, field in form.fields.items():
            fid = f"id_{name}"
            own = errors.get(name, ())
            value = form.data.get(name) if form.is_bound else None
            messages = "".join(
                f'<p id="{fid}-error" class="govuk-error-message">'
                f'<span class="govuk-visually-hidden">Error:</span> {escape(str(error))}</p>'
                for error in own
            )
            described = f' aria-describedby="{fid}-error"' if own else ""
            if name == "event":
                control = (
                    f'\n        <select class="govuk-select{" govuk-select--error" if own else ""}"'
                    f' id="{fid}" name="{name}"{described}>'
                    f"\n          {self._options(field, value)}\n        </select>\n        "
                )
            elif name in _DATE_FIELDS:
                control = (
                    '\n        <input class="govuk-input govuk-input--width-10'
                    f'{" govuk-input--error" if own else ""}" type="date" id="{fid}" '
                    f'name="{name}" value="{escape(value or "")}"{described}>\n        '
                )
            else:
                control = (
                    f'\n        <input class="govuk-input{" govuk-input--error" if own else ""}"'
                    f' type="text" id="{fid}" name="{name}" value="{escape(value or "")}" '
                    f'spellcheck="false" autocomplete="off"{described}>\n        '
                )
            parts.append(
                '\n    <div class="govuk-grid-column-one-third">'
                f'\n      <div class="govuk-form-group{" govuk-form-group--error" if own else ""}">'
                f'\n        <label class="govuk-label govuk-label--s" for="{fid}">'
                f"{escape(str(field.label))}</label>\n        {messages}\n        {control}"
                "\n      </div>\n    </div>\n    "
            )
        return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here

    @staticmethod
    def _options(field, chosen: str | None) -> str:
        """The event select's options (fixed choices: escaped once a process)."""
        if not _OPTIONS:
            _OPTIONS.extend(
                (str(value), f'value="{escape(str(value))}"', f">{escape(str(label))}</option>")
                for value, label in field.choices
            )
        return "".join(
            f"<option {attr}{' selected' if value == chosen else ''}{label}"
            for value, attr, label in _OPTIONS
        )
