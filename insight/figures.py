"""Every figure on the dashboard, from a few aggregate queries (GROUP BY in the database).

The figures by month of submission come from counts kept up to date by the records' services
(records.insight_counts: by local month and team), not from the records themselves: the
period's whole months are summed from them, and where the period starts or ends in the middle
of a month, that month's part is recounted from the records (or the part outside it taken
away, whichever covers fewer days; nothing is submitted after now, so the rest of the current
month costs nothing).

``Dashboard(user, filters)`` reads, lazily and at most once each:

- ``cube``: the period's decisions counted by (month, outcome, state, urgent, direction,
  shares, lawful basis, reason consent was not obtained): a few hundred group rows at most,
  whatever the number of records. Most charts are sums over it;
- ``agencies``: the ten agencies shared with most;
- ``past_review``: the decisions past their review date today, by month;
- ``manager_kinds``: the managers' decisions in the period by kind;
- ``turnaround_days``: the managers' decisions in the period counted by (kind of request,
  local day submitted, local day decided): one row per pair of days, so the working days
  between them are counted in Python once per pair, never per record;
- ``overdue``: what is overdue now, by state (the approval queue's own condition).

So the number of queries is the same for 3 records as for 100,000.
The pages that show every figure (the dashboard, the board report) read them all in one
query first (``read_together()``); a single chart reads only what it shows.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils import timezone

from decisions.flowchart import OUTCOMES
from decisions.forms import ARTICLE_6, NO_CONSENT_REASONS
from insight.suppression import Shown, percentage, shown, total
from records import insight_counts, selectors, workdays
from records.models import (
    DecisionRecord,
    InsightAgencyCount,
    InsightCount,
    InsightManagerCount,
    InsightReviewCount,
    ManagerDecision,
    Organisation,
    Team,
    User,
)

State = DecisionRecord.State
Kind = ManagerDecision.Kind

CUBE_FIELDS = ("outcome", "state", "urgent", "direction", "shares", "lawful_basis", "reason")
WITHOUT_CONSENT = "share_without_consent"
REVIEW_KINDS = (Kind.ENDORSED, Kind.CONCERN)
APPROVAL_KINDS = (Kind.APPROVED, Kind.RETURNED, Kind.REJECTED)
TOP_AGENCIES = 10
OUTCOME_ORDER = [
    "share_with_consent",
    "share_not_confidential",
    "share_not_identifiable",
    "share_without_consent",
    "not_share_no_purpose",
    "not_share_no_basis",
]
REASON_LABELS = dict(NO_CONSENT_REASONS)
BASIS_LABELS = {code: label.split(":")[0] for code, label in ARTICLE_6}


def outcome_label(code: str) -> str:
    outcome = OUTCOMES.get(code)
    return outcome.title if outcome else (code.replace("_", " ").capitalize() or "No outcome")


# --- What is asked for ---------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date  # inclusive
    organisation: Organisation | None = None
    team: Team | None = None

    def months(self) -> list[datetime.date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months

    def describe(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "organisation": self.organisation.name if self.organisation else "All",
            "team": self.team.name if self.team else "All",
        }


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, whole months, up to today."""
    today = today or workdays.today()
    start = today.replace(day=1)
    for _ in range(11):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, today


def teams_for(user: User) -> QuerySet[Team]:
    """The teams whose figures this user may see: every team for an auditor, the teams a
    manager manages, none for anyone else."""
    teams = Team.objects.select_related("organisation").order_by("organisation__name", "name")
    if user.is_auditor:
        return teams
    if user.is_manager:
        return teams.filter(managers=user)
    return teams.none()


def may_see_insight(user: User) -> bool:
    return user.is_authenticated and (user.is_auditor or user.is_manager)


# --- The figures ---------------------------------------------------------------------------


@dataclass
class Table:
    """A chart's data as the page, CSV and PDF show it (already suppressed)."""

    name: str
    title: str
    summary: str
    headers: list[str]
    rows: list[list[str]]
    kind: str  # stacked, bar, hbar
    x_labels: list[str] = field(default_factory=list)
    series: list[tuple[str, list[Shown]]] = field(default_factory=list)
    y_title: str = "Decisions"
    note: str = ""


# The overdue query as SQL, by the queue's condition (its cut-off moments) and the teams:
# the same all day for a scope, and compiling it cost the ORM more than running it.
_OVERDUE_SQL: dict = {}


class Dashboard:
    def __init__(
        self,
        user: User,
        filters: Filters,
        *,
        today: datetime.date | None = None,
        teams: list[Team] | None = None,
    ):
        """``teams``: the teams the user may see, when the caller has read them already."""
        self.user = user
        self.filters = filters
        self.today = today or workdays.today()
        if teams is None:
            self.visible_teams = list(teams_for(user).values_list("pk", "organisation_id"))
        else:
            self.visible_teams = [(team.pk, team.organisation_id) for team in teams]

    @cached_property
    def months(self) -> list[datetime.date]:
        return self.filters.months()

    # Scope -----------------------------------------------------------------------------

    @cached_property
    def team_ids(self) -> list[int] | None:
        """The teams the figures cover; None for every record (an auditor, no filter)."""
        f = self.filters
        if f.team is not None:
            return [f.team.pk]
        if f.organisation is not None:
            return [pk for pk, org in self.visible_teams if org == f.organisation.pk]
        if self.user.is_auditor:
            return None
        return [pk for pk, _ in self.visible_teams]

    @property
    def protect(self) -> bool:
        """Beyond a single team, small numbers are suppressed."""
        return self.team_ids is None or len(self.team_ids) != 1

    def count(self, n: int) -> Shown:
        return shown(n, protect=self.protect)

    def total(self, cells) -> Shown:
        return total(list(cells), protect=self.protect)

    # Worked out once: several charts show the same totals.
    @cached_property
    def _outcome_totals(self) -> dict:
        return self._tallies["outcomes"]

    def _outcome_counts(self) -> dict:
        return self._outcome_totals

    def _outcomes(self, counts) -> list[str]:
        return OUTCOME_ORDER + sorted({o for _, o in counts} - set(OUTCOME_ORDER))

    @cached_property
    def _month_totals(self) -> dict:
        counts = self._outcome_counts()
        outcomes = self._outcomes(counts)
        return {
            month: self.total(counts.get((month, o), 0) for o in outcomes) for month in self.months
        }

    def _month_total(self, month) -> Shown:
        """All decisions in a month, as the outcomes chart shows it (a total of its row)."""
        return self._month_totals[month]

    @cached_property
    def _all_decisions_total(self) -> Shown:
        counts = self._outcome_counts()
        return self.total(
            sum(counts.get((m, o), 0) for o in self._outcomes(counts)) for m in self.months
        )

    def _all_decisions(self) -> Shown:
        return self._all_decisions_total

    def record_scope(self, prefix: str = "") -> Q:
        condition = ~Q(**{f"{prefix}state": State.DRAFT})
        if self.team_ids is not None:
            condition &= Q(**{f"{prefix}team_id__in": self.team_ids})
        return condition

    # Queries ---------------------------------------------------------------------------

    @cached_property
    def _split(self):
        """The period as (whole months, parts of months to add from the records, parts to
        take away from whole months), the parts as [start, end) local datetimes."""
        whole, add, remove = [], [], []
        now = timezone.now()
        first = workdays.start_of_day(self.filters.start)
        after_last = workdays.start_of_day(self.filters.end + datetime.timedelta(days=1))
        for month in self.months:
            month_start = workdays.start_of_day(month)
            month_end = workdays.start_of_day(_next_month(month))
            start, end = max(first, month_start), min(after_last, month_end)
            # Nothing is submitted after now (decision_submit stamps it): later parts are empty.
            outside = [
                (a, b) for a, b in ((month_start, start), (end, month_end)) if a < b and a < now
            ]
            left_out = sum((min(b, now) - a for a, b in outside), datetime.timedelta())
            if left_out <= end - start:
                whole.append(month)
                remove += outside
            else:
                add.append((start, end))
        return whole, add, remove

    def _kept(self, model, fields: tuple[str, ...], **where) -> Counter:
        """The kept counts summed by ``fields`` over the period in scope (``where`` filters
        both the counts and the records recounted at its ends)."""
        whole, add, remove = self._split
        totals = self._kept_sums(model, fields, whole, **where)
        positions = [insight_counts.KEYS[model].index(name) for name in fields]
        for sign, parts in ((1, add), (-1, remove)):
            if not parts:
                continue
            within = Q(pk__in=[])
            for start, end in parts:
                within |= Q(submitted_at__gte=start, submitted_at__lt=end)
            records = DecisionRecord.objects.filter(self.record_scope(), within, **where)
            for key, n in insight_counts.recount(model, records, rolled_up=False).items():
                totals[tuple(key[p] for p in positions)] += sign * n
        return totals

    def _kept_sums(self, model, fields: tuple[str, ...], months, **where) -> Counter:
        """SUM(n) of the kept counts by ``fields`` over whole ``months`` in scope (as
        read_together() read them, if it did)."""
        key = (model, fields, tuple(months), tuple(where.items()))
        if key in self._read:
            return Counter(self._read[key])
        totals: Counter = Counter()
        built = self._kept_sums_sql(model, fields, months, **where)
        if built is None:
            return totals
        selected, rest, params = built
        # Dates and booleans come back as the ORM gives them: SQLite's converters (which
        # Django registers by declared column type) apply to plain SQL too.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(selected)} {rest}", params)
            for *key, n in cursor.fetchall():
                totals[tuple(key)] += n
        return totals

    def _kept_sums_sql(self, model, fields: tuple[str, ...], months, **where):
        """The query of _kept_sums as (the selected columns, ``fields`` then the count; the
        FROM, WHERE and GROUP BY; params), or None when it would read nothing. Plain SQL:
        the ORM's building of these queries cost more than running them. ``where`` takes
        ``<field>__lt``, the only condition asked for."""
        teams = [insight_counts.ALL_TEAMS] if self.team_ids is None else self.team_ids
        if not months or not teams:
            return None
        quote = connection.ops.quote_name
        columns = [quote(name) for name in fields]
        conditions = [
            f"{quote('month')} IN ({', '.join(['%s'] * len(months))})",
            f"{quote('team_key')} IN ({', '.join(['%s'] * len(teams))})",
        ]
        params = [*months, *teams]
        for lookup, value in where.items():
            name, operator = lookup.split("__")
            assert operator == "lt", lookup  # noqa: S101 - only what the callers ask
            conditions.append(f"{quote(name)} < %s")
            params.append(value)
        # One team (or all teams' sums) read by its whole key: each row is a key of its own,
        # nothing to group (SQLite's GROUP BY cost more than the rest of the query).
        grouped = len(teams) > 1 or not set(insight_counts.KEYS[model]) <= {*fields, "team_key"}
        selected = [*columns, f"SUM({quote('n')})" if grouped else quote("n")]
        rest = f"FROM {quote(model._meta.db_table)} WHERE {' AND '.join(conditions)}"  # noqa: S608 - names from the model
        if grouped:
            rest += f" GROUP BY {', '.join(columns)}"
        return selected, rest, params

    # The columns of read_together()'s UNION ALL after its part number: each read puts its
    # fields in adjacent ones (a slice of the row) and a typed NULL in the rest (so each
    # column has one type).
    _SLOTS = {
        "month": "date",
        "outcome": "text",
        "state": "text",
        "urgent": "boolean",
        "direction": "text",
        "shares": "boolean",
        "lawful_basis": "text",
        "reason": "text",
        "number": "integer",
    }

    def _reads(self) -> list[tuple]:
        """The kept-count reads of the whole months, as (model, fields, the slots they go
        in, where). The cube first: SQLite converts a UNION's columns (dates, booleans) by
        the types its first SELECT declares."""
        return [
            (InsightCount, ("month", *CUBE_FIELDS), ("month", *CUBE_FIELDS), {}),
            (InsightAgencyCount, ("agency",), ("outcome",), {}),
            (InsightReviewCount, ("month",), ("month",), {"review_date__lt": self.today}),
            (InsightManagerCount, ("kind", "working_days"), ("reason", "number"), {}),
        ]

    @cached_property
    def _read(self) -> dict:
        """What read_together() read: kept sums by (model, fields, months, where), and
        "overdue"."""
        return {}

    def read_together(self) -> None:
        """The kept counts of the whole months and the overdue count in one query, for the
        pages that show every figure: one round trip, not five (on a busy machine each
        waits its turn for the database server)."""
        if self._read:
            return
        quote = connection.ops.quote_name
        whole, _, _ = self._split
        slots = list(self._SLOTS)
        branches, params, parts = [], [], []

        def branch(part: int, columns: dict, n: str, rest: str) -> str:
            values = [
                columns.get(slot, f"CAST(NULL AS {kind})") for slot, kind in self._SLOTS.items()
            ]
            return f"SELECT {part}, {', '.join(values)}, {n} {rest}"

        for model, fields, in_slots, where in self._reads():
            built = self._kept_sums_sql(model, fields, whole, **where)
            if built is None:
                continue
            selected, rest, more = built
            key = (model, fields, tuple(whole), tuple(where.items()))
            start = 1 + slots.index(in_slots[0])  # after the part number
            assert slots[start - 1 : start - 1 + len(in_slots)] == list(in_slots)  # noqa: S101
            parts.append((key, start, start + len(in_slots)))
            columns = dict(zip(in_slots, selected[:-1], strict=True))
            branches.append(branch(len(parts) - 1, columns, selected[-1], rest))
            params += more
        overdue_sql, overdue_params = self._overdue_sql()
        branches.append(
            branch(
                len(parts),
                {"state": quote("state")},
                quote("n"),
                f"FROM ({overdue_sql}) {quote('overdue')}",
            )
        )
        params += overdue_params
        read: dict = {key: Counter() for key, _, _ in parts}
        overdue: dict = {}
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(branches), params)
            state = 1 + slots.index("state")
            for row in cursor.fetchall():
                if row[0] == len(parts):
                    overdue[row[state]] = row[-1]
                else:
                    key, start, stop = parts[row[0]]
                    read[key][row[start:stop]] += row[-1]
        read["overdue"] = overdue
        self._read.update(read)

    @cached_property
    def _cube_counts(self) -> Counter:
        return self._kept(InsightCount, ("month", *CUBE_FIELDS))

    @cached_property
    def cube(self) -> list[dict]:
        return [
            {"month": month, **dict(zip(CUBE_FIELDS, rest, strict=True)), "n": n}
            for (month, *rest), n in self._cube_counts.items()
            if n
        ]

    @cached_property
    def agencies(self) -> list[tuple[str, int]]:
        counts = self._kept(InsightAgencyCount, ("agency",))
        ranked = sorted(
            ((agency, n) for (agency,), n in counts.items() if n > 0),
            key=lambda pair: (-pair[1], pair[0]),
        )
        return ranked[:TOP_AGENCIES]

    @cached_property
    def past_review(self) -> dict[datetime.date, int]:
        counts = self._kept(InsightReviewCount, ("month",), review_date__lt=self.today)
        return {month: n for (month,), n in counts.items()}

    @cached_property
    def _manager_counts(self) -> Counter:
        """The managers' decisions in the period (by the local day decided) by kind and
        working days from submission: kept counts for whole months, the cut parts of months
        recounted from the decisions, as for the records."""
        whole, add, remove = self._split
        totals = self._kept_sums(InsightManagerCount, ("kind", "working_days"), whole)
        for sign, parts in ((1, add), (-1, remove)):
            if not parts:
                continue
            within = Q(pk__in=[])
            for start, end in parts:
                within |= Q(at__gte=start, at__lt=end)
            decisions = ManagerDecision.objects.filter(self.record_scope("record__"), within)
            counts = insight_counts.recount_manager_decisions(decisions, rolled_up=False)
            for (_, _, kind, working_days), n in counts.items():
                totals[(kind, working_days)] += sign * n
        return totals

    @cached_property
    def manager_kinds(self) -> dict[str, int]:
        kinds: dict[str, int] = defaultdict(int)
        for (kind, _), n in self._manager_counts.items():
            kinds[kind] += n
        return kinds

    @cached_property
    def turnaround_days(self) -> dict[str, list[tuple[int, int]]]:
        """(working days, how many decisions) per kind of request: 'approval' or 'review'."""
        days: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (kind, working_days), n in self._manager_counts.items():
            if n and working_days != InsightManagerCount.NO_ROUND:
                days["review" if kind in REVIEW_KINDS else "approval"].append((working_days, n))
        return days

    @cached_property
    def overdue(self) -> dict[str, int]:
        if "overdue" in self._read:
            return dict(self._read["overdue"])
        with connection.cursor() as cursor:
            cursor.execute(*self._overdue_sql())
            return dict(cursor.fetchall())

    def _overdue_sql(self) -> tuple[str, tuple]:
        condition = selectors.overdue_condition()
        key = (condition, None if self.team_ids is None else tuple(self.team_ids))
        compiled = _OVERDUE_SQL.get(key)
        if compiled is None:
            rows = (
                DecisionRecord.objects.filter(self.record_scope(), condition)
                .values("state")
                .annotate(n=Count("pk"))
                .order_by()
            )
            if len(_OVERDUE_SQL) > 100:
                _OVERDUE_SQL.clear()
            compiled = _OVERDUE_SQL[key] = rows.query.sql_with_params()
        return compiled

    # Sums over the cube ----------------------------------------------------------------

    @cached_property
    def _tallies(self) -> dict[str, dict]:
        """The cube summed every way the charts read it, in one pass over its group rows
        (a few thousand at most), not one pass a chart."""
        names = ("outcomes", "monthly", "without", "reasons", "requests", "refused", "urgent")
        tallies: dict[str, dict] = {name: defaultdict(int) for name in (*names, "bases")}
        outcomes, monthly, without, reasons, requests, refused, urgent = (
            tallies[name] for name in names
        )
        bases = tallies["bases"]
        # The cube's rows as tuples (month, then CUBE_FIELDS in order): no dict a row.
        for (
            month,
            outcome,
            _,
            is_urgent,
            direction,
            shares,
            basis,
            reason,
        ), n in self._cube_counts.items():
            if not n:
                continue
            outcomes[(month, outcome)] += n
            monthly[month] += n
            if outcome == WITHOUT_CONSENT:
                without[month] += n
            if reason:
                reasons[reason] += n
            if direction == "request":
                requests[month] += n
                if not shares:
                    refused[month] += n
            if shares:
                bases[basis] += n
                if is_urgent:
                    urgent[month] += n
        return tallies

    def _month_labels(self) -> list[str]:
        return [f"{month:%b %Y}" for month in self.months]

    # The charts ------------------------------------------------------------------------

    CHARTS = (
        "outcomes",
        "without_consent",
        "consent_reasons",
        "refusals",
        "urgent",
        "turnaround",
        "overdue",
        "manager_decisions",
        "lawful_bases",
        "agencies",
        "past_review",
    )

    def chart(self, name: str) -> Table:
        if name not in self.CHARTS:
            raise KeyError(name)
        table = getattr(self, f"_chart_{name}")()
        table.summary = table.summary[:1].upper() + table.summary[1:]
        return table

    def charts(self) -> list[Table]:
        self.read_together()
        return [self.chart(name) for name in self.CHARTS]

    def _chart_outcomes(self) -> Table:
        counts = self._outcome_counts()
        outcomes = self._outcomes(counts)
        months = self.months
        series = [
            (outcome_label(o), [self.count(counts.get((m, o), 0)) for m in months])
            for o in outcomes
        ]
        rows = [
            [
                f"{month:%B %Y}",
                *[str(values[i]) for _, values in series],
                str(self._month_total(month)),
            ]
            for i, month in enumerate(months)
        ]
        all_decisions = self._all_decisions()
        rows.append(
            [
                "Total",
                *[str(self.total(counts.get((m, o), 0) for m in months)) for o in outcomes],
                str(all_decisions),
            ]
        )
        return Table(
            name="outcomes",
            title="Decisions per month by outcome",
            summary=f"{all_decisions} decisions in the period, by month and outcome.",
            headers=["Month", *[outcome_label(o) for o in outcomes], "All decisions"],
            rows=rows,
            kind="stacked",
            x_labels=self._month_labels(),
            series=series,
        )

    def _chart_without_consent(self) -> Table:
        months = self.months
        without, everything = self._tallies["without"], self._tallies["monthly"]
        rows, plotted_without, plotted_rest = [], [], []
        for month in months:
            part, whole = self.count(without.get(month, 0)), self._month_total(month)
            rest = self.count(everything.get(month, 0) - without.get(month, 0))
            plotted_without.append(part)
            plotted_rest.append(rest)
            rows.append([f"{month:%B %Y}", str(part), str(whole), percentage(part, whole)])
        part = self.total(without.get(month, 0) for month in months)
        whole = self._all_decisions()
        rows.append(["Total", str(part), str(whole), percentage(part, whole)])
        return Table(
            name="without_consent",
            title="Shares made without consent",
            summary=(
                f"{part} of {whole} decisions in the period were to share without consent "
                f"({percentage(part, whole)})."
            ),
            headers=["Month", "Shares without consent", "All decisions", "Without consent"],
            rows=rows,
            kind="stacked",
            x_labels=self._month_labels(),
            series=[("Without consent", plotted_without), ("Other decisions", plotted_rest)],
        )

    def _counts_table(self, counts: dict, codes, labels, *, unit: str, **table) -> Table:
        """An hbar chart of counts by code, with a Total row and the largest named in the
        summary (``summary`` is a format string taking ``total`` and ``most``)."""
        values = [self.count(counts.get(code, 0)) for code in codes]
        total = self.total(counts.get(code, 0) for code in codes)
        rows = [[label, str(value)] for label, value in zip(labels, values, strict=True)]
        rows.append(["Total", str(total)])
        most_value, most_label = max(
            zip(values, labels, strict=True), key=lambda pair: pair[0].value or 0
        )
        lead, most_words = table.pop("summary")
        summary = lead.format(total=total) + (
            f"; {most_words}: {most_label} ({most_value})." if most_value.value else "."
        )
        return Table(
            summary=summary,
            rows=rows,
            kind="hbar",
            x_labels=labels,
            series=[(unit, values)],
            **table,
        )

    def _chart_consent_reasons(self) -> Table:
        counts = self._tallies["reasons"]
        codes = [code for code, _ in NO_CONSENT_REASONS] + sorted(set(counts) - set(REASON_LABELS))
        return self._counts_table(
            counts,
            codes,
            [REASON_LABELS.get(code, code) for code in codes],
            unit="Decisions",
            name="consent_reasons",
            title="Why consent was not obtained",
            summary=("{total} decisions without consent recorded a reason", "the most common"),
            headers=["Reason", "Decisions"],
        )

    def _chart_refusals(self) -> Table:
        months = self.months
        requests, refused = self._tallies["requests"], self._tallies["refused"]
        rows, plot_refused, plot_shared = [], [], []
        for month in months:
            part = self.count(refused.get(month, 0))
            whole = self.count(requests.get(month, 0))
            plot_refused.append(part)
            plot_shared.append(self.count(requests.get(month, 0) - refused.get(month, 0)))
            rows.append([f"{month:%B %Y}", str(part), str(whole), percentage(part, whole)])
        part = self.total(refused.get(month, 0) for month in months)
        whole = self.total(requests.get(month, 0) for month in months)
        rows.append(["Total", str(part), str(whole), percentage(part, whole)])
        return Table(
            name="refusals",
            title="Refusals of other agencies' requests",
            summary=(
                f"{part} of {whole} requests from other agencies were refused "
                f"({percentage(part, whole)})."
            ),
            headers=["Month", "Refused", "Requests received", "Refused (per cent)"],
            rows=rows,
            kind="stacked",
            x_labels=self._month_labels(),
            series=[("Refused", plot_refused), ("Shared", plot_shared)],
            y_title="Requests",
        )

    def _chart_urgent(self) -> Table:
        months = self.months
        urgent = self._tallies["urgent"]
        values = [self.count(urgent.get(month, 0)) for month in months]
        total = self.total(urgent.get(month, 0) for month in months)
        rows = [[f"{m:%B %Y}", str(v)] for m, v in zip(months, values, strict=True)]
        rows.append(["Total", str(total)])
        return Table(
            name="urgent",
            title="Urgent shares",
            summary=f"{total} urgent shares in the period (shared first, reviewed afterwards).",
            headers=["Month", "Urgent shares"],
            rows=rows,
            kind="bar",
            x_labels=self._month_labels(),
            series=[("Urgent shares", values)],
            y_title="Shares",
        )

    def _chart_turnaround(self) -> Table:
        groups = [
            ("Prior approvals (approved, returned or rejected)", ["approval"]),
            ("Reviews of urgent shares (endorsed or concern)", ["review"]),
            ("All", ["approval", "review"]),
        ]
        rows, medians, p90s, labels = [], [], [], []
        for label, timings in groups:
            pairs = [pair for timing in timings for pair in self.turnaround_days.get(timing, [])]
            n = sum(count for _, count in pairs)
            decisions = self.count(n)
            too_few = n == 0 or decisions.suppressed
            median = None if too_few else weighted_median(pairs)
            p90 = None if too_few else weighted_percentile(pairs, 90)
            rows.append([label, str(decisions), _days(median, n), _days(p90, n)])
            labels.append(label.split(" (")[0])
            medians.append(_plotted_days(median))
            p90s.append(_plotted_days(p90))
        all_row = rows[-1]
        return Table(
            name="turnaround",
            title="Approval turnaround",
            summary=(
                f"Managers decided in a median of {all_row[2]} and 9 in 10 within {all_row[3]} "
                f"({all_row[1]} decisions, counted from submission)."
            ),
            headers=["Requests", "Manager decisions", "Median", "90th percentile"],
            rows=rows,
            kind="bar",
            x_labels=labels,
            series=[("Median", medians), ("90th percentile", p90s)],
            y_title="Working days",
            note="Working days (England and Wales) from submission to the manager's decision.",
        )

    def _chart_overdue(self) -> Table:
        approval = self.count(self.overdue.get(State.AWAITING_APPROVAL, 0))
        review = self.count(self.overdue.get(State.AWAITING_REVIEW, 0))
        total = self.total(
            self.overdue.get(state, 0) for state in (State.AWAITING_APPROVAL, State.AWAITING_REVIEW)
        )
        return Table(
            name="overdue",
            title="Overdue now",
            summary=f"{total} decisions are overdue for a manager today, whenever submitted.",
            headers=["Awaiting", "Overdue"],
            rows=[
                ["Prior approval", str(approval)],
                ["Review of an urgent share", str(review)],
                ["Total", str(total)],
            ],
            kind="hbar",
            x_labels=["Prior approval", "Review of an urgent share"],
            series=[("Overdue", [approval, review])],
            note="Today, whatever the period: the approval queue's own rule.",
        )

    def _chart_manager_decisions(self) -> Table:
        kinds = [
            (Kind.APPROVED, "Approved"),
            (Kind.RETURNED, "Returned"),
            (Kind.REJECTED, "Rejected"),
        ]
        whole = self.total(self.manager_kinds.get(kind, 0) for kind, _ in kinds)
        values = [self.count(self.manager_kinds.get(kind, 0)) for kind, _ in kinds]
        rows = [
            [label, str(value), percentage(value, whole)]
            for (_, label), value in zip(kinds, values, strict=True)
        ]
        rows.append(["Total", str(whole), "100%" if whole.value else "–"])
        returned, rejected = rows[1][2], rows[2][2]
        return Table(
            name="manager_decisions",
            title="Returned and rejected rates",
            summary=(
                f"Of {whole} prior-approval decisions by managers, {returned} were returned "
                f"and {rejected} rejected."
            ),
            headers=["Manager's decision", "Decisions", "Share of decisions"],
            rows=rows,
            kind="hbar",
            x_labels=[label for _, label in kinds],
            series=[("Decisions", values)],
        )

    def _chart_lawful_bases(self) -> Table:
        counts = self._tallies["bases"]
        codes = list(BASIS_LABELS) + sorted(set(counts) - set(BASIS_LABELS) - {""})
        if counts.get(""):
            codes.append("")
        return self._counts_table(
            counts,
            codes,
            [BASIS_LABELS.get(code, code) or "None recorded" for code in codes],
            unit="Shares",
            name="lawful_bases",
            title="Lawful bases used",
            summary=(
                "{total} shares recorded a lawful basis (UK GDPR Article 6)",
                "the most used",
            ),
            headers=["Lawful basis (Article 6)", "Shares"],
            y_title="Shares",
        )

    def _chart_agencies(self) -> Table:
        labels = [agency for agency, _ in self.agencies]
        values = [self.count(n) for _, n in self.agencies]
        rows = [[label, str(value)] for label, value in zip(labels, values, strict=True)]
        return Table(
            name="agencies",
            title="Agencies shared with most",
            summary=(
                f"The agency shared with most was {labels[0]} ({values[0]} shares)."
                if labels
                else "No shares with another agency in the period."
            ),
            headers=["Agency", "Shares"],
            rows=rows,
            kind="hbar",
            x_labels=labels,
            series=[("Shares", values)],
            y_title="Shares",
            note=f"The top {TOP_AGENCIES}, most shares first.",
        )

    def _chart_past_review(self) -> Table:
        months = self.months
        past = self.past_review
        values = [self.count(past.get(month, 0)) for month in months]
        total = self.total(past.get(month, 0) for month in months)
        rows = [[f"{m:%B %Y}", str(v)] for m, v in zip(months, values, strict=True)]
        rows.append(["Total", str(total)])
        return Table(
            name="past_review",
            title="Decisions past their review date",
            summary=f"{total} decisions made in the period are past their review date today.",
            headers=["Month decided", "Past their review date"],
            rows=rows,
            kind="bar",
            x_labels=self._month_labels(),
            series=[("Past their review date", values)],
        )


# --- Helpers -------------------------------------------------------------------------------


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def weighted_median(pairs: list[tuple[int, int]]) -> float:
    """The median of the values each repeated ``count`` times (the middle two averaged)."""
    n = sum(count for _, count in pairs)
    low, high = _nth(pairs, (n - 1) // 2), _nth(pairs, n // 2)
    return (low + high) / 2


def weighted_percentile(pairs: list[tuple[int, int]], percent: int) -> int:
    """The nearest-rank percentile: the smallest value with ``percent``% at or below it."""
    n = sum(count for _, count in pairs)
    return _nth(pairs, max(0, math.ceil(n * percent / 100) - 1))


def _nth(pairs: list[tuple[int, int]], index: int) -> int:
    seen = 0
    for value, count in sorted(pairs):
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def _days(value: float | None, n: int) -> str:
    if value is None:
        return "–" if n == 0 else "not shown"
    text = f"{value:g}"
    return f"{text} working day" + ("" if value == 1 else "s")


def _plotted_days(value: float | None) -> Shown:
    if value is None:
        return Shown(None, "not shown", suppressed=True)
    return Shown(value, f"{value:g}")
