"""The auditor's filters over the audit log (django-filter). Each filter matches an indexed
column: the username, the record reference, the event type, and ``at`` for the dates."""

from __future__ import annotations

import datetime

import django_filters
from django import forms

from records import workdays
from records.models import AuditEvent
from records.selectors import EVENT_LABELS

DATE_WIDGET = forms.DateInput(
    format="%Y-%m-%d", attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
)
DATE_ERRORS = {"invalid": "Enter a real date"}


class AuditFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data


class AuditEventFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(
        label="Username",
        method="filter_user",
        max_length=150,
        strip=True,
        error_messages={"max_length": "A username is at most 150 characters"},
    )
    record = django_filters.CharFilter(
        label="Record reference",
        method="filter_record",
        max_length=20,
        strip=True,
        error_messages={"max_length": "A record reference is at most 20 characters"},
    )
    event = django_filters.ChoiceFilter(
        label="Event",
        choices=sorted(EVENT_LABELS.items(), key=lambda choice: choice[1]),
        empty_label="Any event",
        error_messages={"invalid_choice": "Select an event from the list"},
    )
    date_from = django_filters.DateFilter(
        label="From", method="filter_from", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    date_to = django_filters.DateFilter(
        label="To", method="filter_to", widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )

    class Meta:
        model = AuditEvent
        fields = ["user", "record", "event", "date_from", "date_to"]
        form = AuditFilterForm

    def filter_user(self, queryset, name, value):
        return queryset.filter(actor_username=value) if value else queryset

    def filter_record(self, queryset, name, value):
        # References are written in capitals (ISD-2026-00042); a typed lower case one matches.
        return queryset.filter(record_reference=value.upper()) if value else queryset

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=workdays.start_of_day(value)) if value else queryset

    def filter_to(self, queryset, name, value):
        """Up to the end of that day, local time."""
        if not value:
            return queryset
        return queryset.filter(at__lt=workdays.start_of_day(value + datetime.timedelta(days=1)))
