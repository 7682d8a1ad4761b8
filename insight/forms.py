"""The dashboard's choice of period, organisation and team: a plain GET form."""

from __future__ import annotations

from django import forms

from insight.figures import Filters, default_period, teams_for
from records.models import User

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y"]
MAX_DAYS = 5 * 366  # five years of monthly bars at most
FIRST_YEAR = 2000


class InsightForm(forms.Form):
    date_from = forms.DateField(
        label="From",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter a real date, for example 2026-01-01"},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter a real date, for example 2026-12-31"},
    )
    organisation = forms.ChoiceField(
        label="Organisation",
        required=False,
        error_messages={"invalid_choice": "Select an organisation from the list"},
    )
    team = forms.ChoiceField(
        label="Team",
        required=False,
        error_messages={"invalid_choice": "Select a team from the list"},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {team.pk: team for team in teams_for(user)}
        organisations = {team.organisation_id: team.organisation for team in self.teams.values()}
        self.organisations = dict(sorted(organisations.items(), key=lambda kv: kv[1].name))
        self.fields["organisation"].choices = [("", "All organisations")] + [
            (str(pk), org.name) for pk, org in self.organisations.items()
        ]
        self.fields["team"].choices = [("", "All teams")] + [
            (str(pk), f"{team.name} ({team.organisation.name})") for pk, team in self.teams.items()
        ]

    def clean(self):
        data = super().clean()
        start, end = default_period()
        data["date_from"] = data.get("date_from") or (
            start if "date_from" not in self.errors else None
        )
        data["date_to"] = data.get("date_to") or (end if "date_to" not in self.errors else None)
        date_from, date_to = data.get("date_from"), data.get("date_to")
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value and not FIRST_YEAR <= value.year <= 2999:
                self.add_error(name, f"Enter a date from {FIRST_YEAR} onwards")
        if date_from and date_to and not self.errors:
            if date_from > date_to:
                self.add_error("date_to", "The end date must be on or after the start date")
            elif (date_to - date_from).days > MAX_DAYS:
                self.add_error("date_to", "Choose a period of five years or less")
        organisation, team = data.get("organisation"), data.get("team")
        if organisation and team:
            chosen = self.teams[int(team)]
            if chosen.organisation_id != int(organisation):
                self.add_error("team", "Select a team in the organisation chosen, or all teams")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        organisation = data.get("organisation")
        team = data.get("team")
        return Filters(
            start=data["date_from"],
            end=data["date_to"],
            organisation=self.organisations[int(organisation)] if organisation else None,
            team=self.teams[int(team)] if team else None,
        )
