"""Periods that start or end inside a month: the kept monthly counts for the whole months,
and the cut months' part recounted from the records (or the part outside taken away), give
what counting the records and managers' decisions one by one gives."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insight.figures import Dashboard, Filters
from records import workdays
from records.models import DecisionRecord, ManagerDecision

pytestmark = pytest.mark.django_db

D = datetime.date


def by_hand(team, start, end):
    """Outcomes by month, managers' decisions by kind and turnaround pairs, record by record."""
    outcomes, kinds, turnaround = Counter(), Counter(), Counter()
    for record in DecisionRecord.objects.filter(team=team).exclude(state="draft"):
        day = timezone.localtime(record.submitted_at).date()
        if start <= day <= end:
            outcomes[(day.replace(day=1), record.outcome)] += 1
    for decision in ManagerDecision.objects.filter(record__team=team):
        day = timezone.localtime(decision.at).date()
        if start <= day <= end:
            kinds[decision.kind] += 1
            submitted = decision.record.submissions.get(number=decision.round).submitted_at
            elapsed = workdays.working_days_between(timezone.localtime(submitted).date(), day)
            timing = "review" if decision.kind in ("endorsed", "concern") else "approval"
            turnaround[(timing, elapsed)] += 1
    return outcomes, kinds, turnaround


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2025, 1, 1), D(2025, 3, 31)),  # whole months
        (D(2025, 1, 5), D(2025, 3, 31)),  # January less its first days (taken away)
        (D(2025, 2, 14), D(2025, 3, 12)),  # both ends cut, counted from the records
        (D(2025, 1, 31), D(2025, 2, 1)),  # two days either side of a month end
        (D(2025, 3, 4), D(2025, 4, 1)),  # decisions on the first and last day
        (D(2025, 1, 1), timezone.localdate()),  # to today: the rest of this month is empty
    ],
)
def test_a_cut_period_counts_what_the_records_say(records, manager, family_team, start, end):
    figures = Dashboard(manager, Filters(start=start, end=end, team=family_team))
    outcomes, kinds, turnaround = by_hand(family_team, start, end)

    cube = Counter()
    for row in figures.cube:
        cube[(row["month"], row["outcome"])] += row["n"]
    assert +cube == +outcomes
    assert {k: n for k, n in figures.manager_kinds.items() if n} == dict(+kinds)
    pairs = Counter()
    for timing, values in figures.turnaround_days.items():
        for elapsed, n in values:
            pairs[(timing, elapsed)] += n
    assert +pairs == +turnaround


def figures_of(figures: Dashboard) -> dict:
    return {
        "cube": sorted(figures.cube, key=repr),
        "agencies": figures.agencies,
        "past_review": figures.past_review,
        "manager_kinds": {kind: n for kind, n in figures.manager_kinds.items() if n},
        "turnaround_days": {kind: sorted(pairs) for kind, pairs in figures.turnaround_days.items()},
        "overdue": figures.overdue,
    }


@pytest.mark.parametrize("who", ["manager", "auditor"])
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2025, 1, 1), D(2025, 3, 31)),  # whole months only
        (D(2025, 1, 5), D(2025, 3, 12)),  # both ends cut
        (D(2025, 2, 14), D(2025, 2, 20)),  # no whole month: only the overdue count read
        (D(2025, 1, 1), timezone.localdate()),  # to today
    ],
)
def test_the_figures_read_in_one_query_are_those_read_one_by_one(records, request, who, start, end):
    user = request.getfixturevalue(who)
    together = Dashboard(user, Filters(start=start, end=end))
    with CaptureQueriesContext(connection) as queries:
        together.read_together()
    assert len(queries) == 1
    one_by_one = Dashboard(user, Filters(start=start, end=end))

    assert figures_of(together) == figures_of(one_by_one)
    assert figures_of(together)["cube"], "the period has decisions to compare"
