"""The filters of /records/ (django-filter): what auditors search by, and managers and
practitioners over what they may see.

Every filter is a condition on one of the record's own columns, with an index to walk in
date order (see the list of indexes in records/migrations/0004_search_indexes.py and in
DecisionRecord.Meta), so a filtered page reads about as many rows as it shows. The choices
of organisation, team and practitioner are those the user may see; anything else, an
impossible date or text too long is a message on the form, never an error page.
"""

from __future__ import annotations

import copy
import datetime
from html import escape

import django_filters
from django import forms
from django.utils.safestring import SafeString, mark_safe

from records import search, selectors, workdays
from records.models import DecisionRecord, User
from records.rows import Prepared

State = DecisionRecord.State

QUERY_MAX = 100
TEXT_MAX = 200
CASE_MAX = 100

# UK GDPR Article 6 bases as the wizard records them (``DecisionRecord.lawful_basis``).
NO_BASIS = "none"
LAWFUL_BASES = [
    ("public_task", "Public task"),
    ("legal_obligation", "Legal obligation"),
    ("vital_interests", "Vital interests"),
    ("consent", "Consent"),
    ("legitimate_interests", "Legitimate interests"),
    (NO_BASIS, "None recorded (nothing shared)"),
]
STATES = [(value, label) for value, label in State.choices if value != State.DRAFT]
YES_NO = [("yes", "Yes"), ("no", "No")]
SORTS = [(search.NEWEST, "Newest first"), (search.OLDEST, "Oldest first")]

DATE_WIDGET = forms.DateInput(
    format="%Y-%m-%d", attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}
)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y"]
DATE_ERRORS = {"invalid": "Enter a real date, for example 2026-03-27"}
# Dates outside these years cannot be a submission: said so, rather than searched for.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def _choice_errors(what: str) -> dict:
    return {"invalid_choice": f"Select {what} from the list"}  # noqa: S608 - words, not SQL


def _too_long(what: str, limit: int) -> dict:
    return {"max_length": f"{what} must be {limit:,} characters or fewer"}


class RecordFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return data

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id, message) for the GOV.UK error summary, in the form's order."""
        return [
            (self[name].id_for_label or self[name].auto_id, message)
            for name in self.fields
            for message in self.errors.get(name, [])
        ]


def _in_range(value: datetime.date | None) -> datetime.date | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(
            f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}, for example 2026-03-27"
        )
    return value


class _CheapCopy:
    """Each FilterSet deep-copies its filters, and a filter's deep copy is most of a list
    page's work in django-filter: a shallow copy with its own ``extra`` and its own bound
    method does (the form's fields copy widgets, choices and messages themselves)."""

    def __deepcopy__(self, memo):
        copied = copy.copy(self)
        copied.extra = dict(self.extra)
        copied.__dict__.pop("_field", None)
        if self.method is not None:
            copied.method = self.method  # a FilterMethod bound to the copy
        return copied


class CharFilter(_CheapCopy, django_filters.CharFilter):
    pass


class ChoiceFilter(_CheapCopy, django_filters.ChoiceFilter):
    pass


class BooleanFilter(_CheapCopy, django_filters.BooleanFilter):
    pass


class DateFilter(_CheapCopy, django_filters.DateFilter):
    pass


class _DateField(forms.DateField):
    def clean(self, value):
        return _in_range(super().clean(value))


class SearchDateFilter(_CheapCopy, django_filters.DateFilter):
    field_class = _DateField


class RecordFilter(django_filters.FilterSet):
    q = CharFilter(
        label="Reference, case reference or agency",
        help_text="A record reference such as ISD-2024-00042, or the start of a case "
        "reference or of the other agency's name.",
        method="filter_q",
        max_length=QUERY_MAX,
        strip=True,
        error_messages=_too_long("The search", QUERY_MAX),
    )
    text = CharFilter(
        label="Words in the reasons",
        help_text="Records whose reasons contain every one of these words.",
        method="filter_text",
        max_length=TEXT_MAX,
        strip=True,
        error_messages=_too_long("The words", TEXT_MAX),
    )
    date_from = SearchDateFilter(
        label="From",
        method="filter_date_from",
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        error_messages=DATE_ERRORS,
    )
    date_to = SearchDateFilter(
        label="To",
        method="filter_date_to",
        widget=DATE_WIDGET,
        input_formats=DATE_FORMATS,
        error_messages=DATE_ERRORS,
    )
    outcome = ChoiceFilter(
        label="Outcome",
        method="filter_outcome",
        empty_label="Any outcome",
        error_messages=_choice_errors("an outcome"),
    )
    state = ChoiceFilter(
        label="Status",
        choices=STATES,
        method="filter_state",
        empty_label="Any status",
        error_messages=_choice_errors("a status"),
    )
    organisation = ChoiceFilter(
        label="Organisation",
        method="filter_organisation",
        empty_label="Any organisation",
        error_messages=_choice_errors("an organisation"),
    )
    team = ChoiceFilter(
        label="Team",
        method="filter_team",
        empty_label="Any team",
        error_messages=_choice_errors("a team"),
    )
    practitioner = ChoiceFilter(
        label="Practitioner",
        method="filter_practitioner",
        empty_label="Anyone",
        error_messages=_choice_errors("a practitioner"),
    )
    case = CharFilter(
        label="Case reference",
        help_text="The whole reference, or its start.",
        method="filter_case",
        max_length=CASE_MAX,
        strip=True,
        error_messages=_too_long("The case reference", CASE_MAX),
    )
    lawful_basis = ChoiceFilter(
        label="Lawful basis (UK GDPR Article 6)",
        choices=LAWFUL_BASES,
        method="filter_lawful_basis",
        empty_label="Any basis",
        error_messages=_choice_errors("a lawful basis"),
    )
    urgent = ChoiceFilter(
        label="Urgent",
        choices=YES_NO,
        method="filter_urgent",
        empty_label="Either",
        error_messages=_choice_errors("yes or no for urgent"),
    )
    overdue = BooleanFilter(
        label="Only overdue approvals and reviews",
        method="filter_overdue",
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input", "value": "yes"}),
    )
    sort = ChoiceFilter(
        label="Order",
        choices=SORTS,
        method="filter_sort",
        empty_label=None,
        error_messages=_choice_errors("an order"),
    )

    class Meta:
        model = DecisionRecord
        fields: list[str] = []
        form = RecordFilterForm

    # Who may filter by whom: practitioners see only their own records.
    SCOPE_FILTERS = ("organisation", "team", "practitioner")

    def __init__(self, data=None, *args, user: User, **kwargs):
        self.user = user
        super().__init__(data, *args, **kwargs)
        self.teams: tuple[selectors.TeamChoice, ...] = ()
        # Set on the form's own fields once it is made (``form``), not on the filters: the
        # form class is then the same for every request, and its fields copy no long lists.
        self.own_only = user.can_decide and not user.is_manager
        # One query, or none while the directory is unchanged (selectors._kept).
        choices = selectors.filter_choices(user, outcomes_only=self.own_only)
        self.choices = {"outcome": choices.outcomes}
        if self.own_only:
            for name in self.SCOPE_FILTERS:
                del self.filters[name]
            return
        self.teams = choices.teams
        organisations = {str(team.organisation_id): team.organisation for team in self.teams}
        self.choices["organisation"] = sorted(organisations.items(), key=lambda choice: choice[1])
        self.choices["team"] = [
            (str(team.pk), f"{team.name} ({team.organisation})") for team in self.teams
        ]
        self.choices["practitioner"] = [(str(pk), name) for pk, name in choices.people]

    _form_classes: dict[tuple[str, ...], type] = {}

    def get_form_class(self):
        """One form class per set of filters (the user's choices are set on each form)."""
        key = tuple(self.filters)
        if key not in self._form_classes:
            self._form_classes[key] = super().get_form_class()
        return self._form_classes[key]

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for name, choices in self.choices.items():
                form.fields[name].choices = choices
            if self.own_only:
                form.fields["overdue"].label = "Only overdue (awaiting a manager too long)"
        return self._form

    TEXT_FIELDS = ("q", "text", "case")
    DATE_FIELDS = ("date_from", "date_to")
    SELECT_FIELDS = (
        "outcome",
        "state",
        "lawful_basis",
        "urgent",
        "organisation",
        "team",
        "practitioner",
        "sort",
    )

    def layout(self) -> dict:
        """The form's fields as the page lays them out, each a dict of what its markup needs
        (worked out once: a template lookup of a BoundField's properties costs far more). A
        select's options are written here: one pass over hundreds of people, no template per
        option."""
        form = self.form
        errors = form.errors if form.is_bound else {}
        cleaned = getattr(form, "cleaned_data", {})

        def field(name: str, **more) -> dict:
            bound = form[name]
            return {
                "id": bound.auto_id,
                "name": bound.html_name,
                "label": bound.label,
                "hint": bound.help_text,
                "errors": errors.get(name, []),
                **more,
            }

        def typed(name: str, limit: int) -> str:
            return str(form.data.get(name, ""))[:limit]

        return {
            "text_fields": [
                field(name, value=typed(name, form.fields[name].max_length))
                for name in self.TEXT_FIELDS
            ],
            "date_fields": [
                field(
                    name,
                    value=typed(name, 20) if name in errors else _date_value(cleaned.get(name)),
                )
                for name in self.DATE_FIELDS
            ],
            "select_fields": [
                field(name, options=self._options(name))
                for name in self.SELECT_FIELDS
                if name in form.fields
            ],
            "overdue_field": field("overdue", checked=bool(cleaned.get("overdue"))),
        }

    def fields_html(self) -> SafeString:
        """The form's fields as GOV.UK markup, written here from ``layout()`` (the page's
        costliest part when its template looped over them: some 150 variable lookups a
        request). Every value is escaped; the markup is that of the GOV.UK components."""
        layout = self.layout()
        parts = []
        for field in layout["text_fields"]:
            errors, fid = field["errors"], escape(field["id"])
            parts.append(
                f'\n  <div class="govuk-form-group{_ERROR_GROUP if errors else ""}">'
                f'\n    <label class="govuk-label govuk-label--s" for="{fid}">'
                f"{escape(field['label'])}</label>"
                f'\n    <div id="{fid}-hint" class="govuk-hint">{escape(field["hint"])}</div>'
                f"\n    {_error_messages(fid, errors)}"
                f'\n    <input class="govuk-input{" govuk-input--error" if errors else ""}" '
                f'id="{fid}" name="{escape(field["name"])}" type="search" '
                f'value="{escape(field["value"])}" spellcheck="false" autocomplete="off" '
                f'aria-describedby="{fid}-hint{f" {fid}-error" if errors else ""}">'
                "\n  </div>\n  "
            )
        parts.append(
            '\n  <div class="govuk-form-group">\n    <fieldset class="govuk-fieldset">'
            '\n      <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">'
            "Submitted</legend>\n      "
        )
        for field in layout["date_fields"]:
            errors, fid = field["errors"], escape(field["id"])
            parts.append(
                f'\n      <div class="govuk-form-group{_ERROR_GROUP if errors else ""}">'
                f'\n        <label class="govuk-label" for="{fid}">{escape(field["label"])}</label>'
                f'\n        <div id="{fid}-hint" class="govuk-hint">For example, 2026-03-27</div>'
                f"\n        {_error_messages(fid, errors)}"
                f'\n        <input class="govuk-input govuk-input--width-10'
                f'{" govuk-input--error" if errors else ""}" type="date" id="{fid}" '
                f'name="{escape(field["name"])}" value="{escape(field["value"])}" '
                f'aria-describedby="{fid}-hint{f" {fid}-error" if errors else ""}">'
                "\n      </div>\n      "
            )
        parts.append("\n    </fieldset>\n  </div>\n  ")
        for field in layout["select_fields"]:
            errors, fid = field["errors"], escape(field["id"])
            parts.append(
                f'\n  <div class="govuk-form-group{_ERROR_GROUP if errors else ""}">'
                f'\n    <label class="govuk-label govuk-label--s" for="{fid}">'
                f"{escape(field['label'])}</label>"
                f"\n    {_error_messages(fid, errors)}"
                f'\n    <select class="govuk-select{" govuk-select--error" if errors else ""}" '
                f'id="{fid}" name="{escape(field["name"])}"'
                f"{f' aria-describedby={chr(34)}{fid}-error{chr(34)}' if errors else ''}>"
                f"{field['options']}</select>\n  </div>\n  "
            )
        field = layout["overdue_field"]
        fid = escape(field["id"])
        parts.append(
            '\n  \n  <div class="govuk-form-group">'
            '\n    <div class="govuk-checkboxes govuk-checkboxes--small" '
            'data-module="govuk-checkboxes">\n      <div class="govuk-checkboxes__item">'
            f'\n        <input class="govuk-checkboxes__input" id="{fid}" '
            f'name="{escape(field["name"])}" type="checkbox" value="yes"'
            f"{' checked' if field['checked'] else ''}>"
            f'\n        <label class="govuk-label govuk-checkboxes__label" for="{fid}">'
            f"{escape(field['label'])}</label>\n      </div>\n    </div>\n  </div>\n  "
        )
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped here

    def _options(self, name: str) -> str:
        """A select's options, escaped (``html.escape``: hundreds of names, one pass)."""
        extra = self.filters[name].extra
        choices = self.choices[name] if name in self.choices else extra.get("choices", [])
        if extra.get("empty_label") is not None:
            choices = [("", extra["empty_label"]), *choices]
        chosen = str(self.form.data.get(name, ""))
        return mark_safe(  # noqa: S308 - every value and label escaped here
            "".join(
                f'<option value="{escape(str(value))}"'
                f"{' selected' if str(value) == chosen else ''}>{escape(str(label))}</option>"
                for value, label in choices
            )
        )

    @property
    def order(self) -> str:
        """Newest or oldest first, as chosen (newest when the choice is not valid)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("sort") or search.NEWEST

    @property
    def is_filtered(self) -> bool:
        cleaned = getattr(self.form, "cleaned_data", {})
        return any(
            value not in (None, "", False) for key, value in cleaned.items() if key != "sort"
        )

    # Each filter: a condition on the record's own columns (no join), index noted.

    def filter_q(self, queryset, name, value):
        return search.reference_filter(queryset, value) if value else queryset

    def filter_text(self, queryset, name, value):
        # PostgreSQL: GIN index record_reasons_fts. SQLite: a substring, every row read.
        return search.reasons_filter(queryset, value) if value else queryset

    def filter_date_from(self, queryset, name, value):
        # record_submitted_desc (and every (x, submitted_at) index) bounds the walk.
        if not value:
            return queryset
        return queryset.filter(submitted_at__gte=workdays.start_of_day(value))

    def filter_date_to(self, queryset, name, value):
        """Up to the end of that day, local time."""
        if not value:
            return queryset
        return queryset.filter(
            submitted_at__lt=workdays.start_of_day(value + datetime.timedelta(days=1))
        )

    def filter_outcome(self, queryset, name, value):
        return queryset.filter(outcome=value) if value else queryset  # record_outcome_submitted

    def filter_state(self, queryset, name, value):
        return queryset.filter(state=value) if value else queryset  # (state, submitted_at)

    def filter_organisation(self, queryset, name, value):
        # The organisation's teams, from the choices already read: the date index walked.
        if not value:
            return queryset
        return search.in_date_order(queryset, "team", self.organisation_teams(value))

    def organisation_teams(self, value: str) -> list[int]:
        return [team.pk for team in self.teams if str(team.organisation_id) == value]

    def filter_team(self, queryset, name, value):
        return queryset.filter(team_id=value) if value else queryset  # record_team_submitted

    def filter_practitioner(self, queryset, name, value):
        return queryset.filter(author_id=value) if value else queryset  # record_author_submitted

    def filter_case(self, queryset, name, value):
        # record_subject_ref_ci: exact or prefix, whatever the case.
        return search.case_filter(queryset, search.like_prefix(value)) if value else queryset

    def filter_lawful_basis(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(lawful_basis="" if value == NO_BASIS else value)

    def filter_urgent(self, queryset, name, value):
        return queryset.filter(urgent=value == "yes") if value else queryset

    def filter_overdue(self, queryset, name, value):
        # Awaiting a manager past the threshold: (state, submitted_at).
        return queryset.filter(selectors.overdue_condition()) if value else queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # the order is the page's (records.search.seek_page)


_ERROR_GROUP = " govuk-form-group--error"


def _error_messages(field_id: str, errors) -> str:
    return "".join(
        f'<p id="{field_id}-error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {escape(str(error))}</p>'
        for error in errors
    )


def _date_value(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def search_records(*, user: User, params) -> tuple[RecordFilter, object]:
    """The filters read from ``params`` (a QueryDict) and the records they select, in the
    list's order, whole rows. Invalid filters select nothing (the form says why). For the
    list, the CSV and the bulk export alike, so each holds what the list showed."""
    filters = RecordFilter(params, user=user, queryset=selectors.records_search(user=user))
    if filters.is_bound and not filters.is_valid():
        return filters, filters.queryset.none()
    records = filters.qs
    if filters.order == search.OLDEST:
        records = records.order_by("submitted_at", "id")
    return filters, records


# --- The list's page, read with SQL built once per shape ------------------------------------

# Filters whose value changes the SQL itself: part of the shape (the value is in the SQL).
_SHAPE_FILTERS = ("urgent", "overdue", "date_from", "date_to", "sort")
_LISTED = Prepared(DecisionRecord)
_SCOPE_IDS = ("user", "managed", "organisation")
_CODE_AND_ID_FILTERS = ("outcome", "state", "lawful_basis", "team", "practitioner")


def records_page(*, user: User, params, cursor: str, size: int):
    """The /records/ filters read from ``params`` and the page of records they select from
    ``cursor`` (``search.seek_page``), each row a dict of ``selectors.LIST_VALUES``.

    The page's SQL is built once per shape: the scope, which filters are set, the order,
    which side of the cursor (``rows.Prepared``); each request runs it with its own ids,
    codes, search patterns and cursor. Building it was a fifth of the list page's time. The
    conditions are the filters' own (``RecordFilter``, ``records.search``), as
    ``search_records`` applies them for the CSV and the bulk export: a test walks every
    filter, user and cursor both ways and finds the same records."""
    filters = RecordFilter(params, user=user, queryset=DecisionRecord.objects.none())
    if filters.is_bound and not filters.is_valid():
        return filters, search.SeekPage([], None, None, True)
    # A manager's teams were read with the form's choices: no query of their own.
    kind, ids = selectors.submitted_scope(user, None if filters.own_only else filters.teams)
    # Overdue finds a few hundred rows on the (state, submitted_at) index: a manager's scope is
    # then checked on those rows, not ANDed as a bitmap of the whole scope (PostgreSQL took
    # 2.9 ms building one of 30,000 entries to keep 12 rows).
    unindexed = bool(filters.form.cleaned_data.get("overdue"))
    shape = [("scope", kind, unindexed), ("today", workdays.today())]
    for name, value in filters.form.cleaned_data.items():
        if not value:
            continue
        if name in _SHAPE_FILTERS or (name == "lawful_basis" and value == NO_BASIS):
            shape.append(("filter", name, value))
        elif name == "organisation":
            ids["organisation_teams"] = filters.organisation_teams(value)
        elif name in ("team", "practitioner"):
            ids[name] = int(value)
        elif name == "q":
            match, ids["q_upper"], pattern = search.reference_search(value)
            shape.append(("q", match))
            if match != "record":
                ids["q_pattern"] = pattern
        elif name == "case":
            ids["case_pattern"] = search.like_prefix(value)
        elif name == "text":
            ids["text"] = search.reasons_search(value)
        else:  # outcome, state, lawful_basis: codes matched exactly
            ids[name] = value

    def build(*entries, **stand_ins):
        settings = {entry[0]: entry[1:] for entry in entries}
        scope = {name: stand_ins[name] for name in _SCOPE_IDS if name in stand_ins}
        records = selectors.submitted_in_scope(
            settings["scope"][0], unindexed=settings["scope"][1], **scope
        )
        for entry in entries:
            if entry[0] == "filter":  # those in the shape, with their values
                records = filters.filters[entry[1]].filter(records, entry[2])
        for name in _CODE_AND_ID_FILTERS:
            if name in stand_ins:
                records = filters.filters[name].filter(records, stand_ins[name])
        if "organisation_teams" in stand_ins:
            records = search.in_date_order(records, "team", stand_ins["organisation_teams"])
        if "q_upper" in stand_ins:
            records = search.reference_filter_for(
                records, settings["q"][0], stand_ins["q_upper"], stand_ins.get("q_pattern")
            )
        if "case_pattern" in stand_ins:
            records = search.case_filter(records, stand_ins["case_pattern"])
        if "text" in stand_ins:
            records = search.reasons_filter_for(records, stand_ins["text"])
        (later,) = settings["after"]
        after = None if later is None else (stand_ins["after_at"], stand_ins["after_pk"], later)
        (order,), (limit,) = settings["order"], settings["limit"]
        return search.seek_query(selectors.listed(records), after, order, limit)

    def read(after, order, limit):
        more = {} if after is None else {"after_at": after[0], "after_pk": after[1]}
        later = None if after is None else after[2]
        return _LISTED.rows(
            shape=(*shape, ("after", later), ("order", order), ("limit", limit)),
            build=build,
            **ids,
            **more,
        )

    return filters, search.seek_page(read=read, cursor=cursor, sort=filters.order, size=size)
