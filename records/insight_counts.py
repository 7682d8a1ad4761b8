"""Counts of submitted records kept for the management information (insight), by local month
of submission and team.

``change(before=..., after=...)`` is called by records.services inside the transaction that
changes a record, with the record's counted fields before and after (None: not there). Each
count moves by a single upsert (``INSERT ... ON CONFLICT DO UPDATE SET n = n + delta``), so two
transactions counting the same cell at once both land: PostgreSQL makes the second wait for
the first's row and adds to it, SQLite runs one writer at a time.

``recount`` works the same counts out from the records with GROUP BY; ``verify`` compares the
two (a test does so after every step of random sequences of services); ``rebuild`` replaces
the counts with a recount (``manage.py rebuild_insight_counts``, after loading records any
other way than through the services).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from records import workdays
from records.models import (
    DecisionRecord,
    InsightAgencyCount,
    InsightCount,
    InsightManagerCount,
    InsightReviewCount,
    ManagerDecision,
    OutcomeTitle,
    Submission,
)
from records.selectors import submitted_only

State = DecisionRecord.State

# Outcomes reached after "no" to consent: only their answers hold a reason it was not obtained.
NO_CONSENT_OUTCOMES = ("share_without_consent", "not_share_no_basis")

# The record's fields the counts depend on.
FIELDS = (
    "state",
    "submitted_at",
    "team_id",
    "outcome",
    "urgent",
    "direction",
    "shares",
    "lawful_basis",
    "answers",
    "other_agency",
    "review_date",
)

KEYS = {
    InsightCount: (
        "month",
        "team_key",
        "outcome",
        "state",
        "urgent",
        "direction",
        "shares",
        "lawful_basis",
        "reason",
    ),
    InsightAgencyCount: ("month", "team_key", "agency"),
    InsightReviewCount: ("month", "team_key", "review_date"),
    InsightManagerCount: ("month", "team_key", "kind", "working_days"),
}
MODELS = tuple(KEYS)
# Every cell is also kept summed over all teams under this team key, so that a figure over
# every team (the auditors' default) reads a row per cell, not a row per cell and team.
ALL_TEAMS = 2_147_483_647


def local_month(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date().replace(day=1)


def values_of(pk: int) -> dict | None:
    """The record's counted fields as they are now in this transaction (None: deleted)."""
    return DecisionRecord.objects.filter(pk=pk).values(*FIELDS).first()


def values_from(record: DecisionRecord) -> dict:
    return {name: getattr(record, name) for name in FIELDS}


def is_counted(values: Mapping | None) -> bool:
    return bool(values) and values["state"] != State.DRAFT and values["submitted_at"] is not None


def cells(values: Mapping | None) -> list[tuple[type, tuple]]:
    """The cells one record adds 1 to: (model, key in KEYS order)."""
    if not is_counted(values):
        return []
    month = local_month(values["submitted_at"])
    team = values["team_id"] or 0
    reason = ""
    if values["outcome"] in NO_CONSENT_OUTCOMES:
        reason = (values["answers"] or {}).get("consent_absent_reason") or ""
    found = [
        (
            InsightCount,
            (
                month,
                team,
                values["outcome"],
                values["state"],
                bool(values["urgent"]),
                values["direction"],
                bool(values["shares"]),
                values["lawful_basis"],
                str(reason),
            ),
        )
    ]
    if values["shares"] and values["other_agency"]:
        found.append((InsightAgencyCount, (month, team, values["other_agency"])))
    if values["review_date"] is not None:
        found.append((InsightReviewCount, (month, team, values["review_date"])))
    return found + [(model, _rolled_up(key)) for model, key in found]


def _rolled_up(key: tuple) -> tuple:
    return (key[0], ALL_TEAMS, *key[2:])


def manager_decisions(records: QuerySet | None = None) -> list[dict]:
    """The managers' decisions on these records (all when None), as manager_cells reads them."""
    decisions = ManagerDecision.objects.all()
    if records is not None:
        decisions = decisions.filter(record__in=records)
    return list(
        _with_round_submitted(decisions).values(
            "at", "kind", "round_submitted_at", "record__team_id"
        )
    )


def manager_decision_added(decision: ManagerDecision, *, team_id: int | None) -> None:
    """Count a manager's decision just made (in the caller's transaction)."""
    submitted_at = (
        Submission.objects.filter(record=decision.record_id, number=decision.round)
        .values_list("submitted_at", flat=True)
        .first()
    )
    row = {
        "at": decision.at,
        "kind": decision.kind,
        "round_submitted_at": submitted_at,
        "record__team_id": team_id,
    }
    _apply(Counter(manager_cells([row])))


def manager_decisions_removed(rows: list[dict]) -> None:
    """Uncount managers' decisions (read by manager_decisions before their record went)."""
    _apply(Counter({cell: -n for cell, n in Counter(manager_cells(rows)).items()}))


def manager_cells(rows: list[dict]) -> list[tuple[type, tuple]]:
    found = []
    for row in rows:
        submitted = row["round_submitted_at"]
        decided_on = timezone.localtime(row["at"]).date()
        key = (
            decided_on.replace(day=1),
            row["record__team_id"] or 0,
            row["kind"],
            _working_days(timezone.localtime(submitted).date() if submitted else None, decided_on),
        )
        found += [(InsightManagerCount, key), (InsightManagerCount, _rolled_up(key))]
    return found


def _working_days(submitted_on: datetime.date | None, decided_on: datetime.date) -> int:
    if submitted_on is None:
        return InsightManagerCount.NO_ROUND
    return workdays.working_days_between(submitted_on, decided_on)


def _with_round_submitted(decisions: QuerySet) -> QuerySet:
    submitted = Submission.objects.filter(
        record=OuterRef("record"), number=OuterRef("round")
    ).values("submitted_at")[:1]
    return decisions.annotate(round_submitted_at=Subquery(submitted, output_field=DateTimeField()))


def change(*, before: Mapping | None, after: Mapping | None) -> None:
    """Move the counts from the record as it was to as it is (in the caller's transaction)."""
    deltas: Counter = Counter()
    for cell in cells(before):
        deltas[cell] -= 1
    for cell in cells(after):
        deltas[cell] += 1
    _apply(deltas)


def _apply(deltas: Counter) -> None:
    for (model, key), delta in deltas.items():
        if delta:
            _add(model, key, delta)


def _add(model, key: tuple, delta: int) -> None:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [*KEYS[model], "n"]
    params = [
        model._meta.get_field(name).get_db_prep_value(value, connection)
        for name, value in zip(names, [*key, delta], strict=True)
    ]
    columns = ", ".join(quote(name) for name in names)
    conflict = ", ".join(quote(name) for name in KEYS[model])
    n = quote("n")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))}) "  # noqa: S608 - names from the model
            f"ON CONFLICT ({conflict}) DO UPDATE SET {n} = {table}.{n} + EXCLUDED.{n}",
            params,
        )


# --- Recount, verify, rebuild --------------------------------------------------------------


def counted_records(records: QuerySet | None = None) -> QuerySet:
    return submitted_only(DecisionRecord.objects.all() if records is None else records)


def recount(model, records: QuerySet | None = None, *, rolled_up: bool = True) -> Counter:
    """One model's counts worked out from the records (all, or those given) by GROUP BY,
    with the sums over all teams unless ``rolled_up`` is False."""
    if model is InsightManagerCount:
        return _recount_manager_decisions(records, rolled_up=rolled_up)
    counted = counted_records(records).annotate(
        count_month=TruncMonth("submitted_at"), team_key=Coalesce("team_id", 0)
    )
    if model is InsightCount:
        reason = SqlCase(
            When(outcome__in=NO_CONSENT_OUTCOMES, then=KT("answers__consent_absent_reason")),
            default=Value(""),
            output_field=CharField(),
        )
        counted = counted.annotate(reason=reason)
        fields = ["outcome", "state", "urgent", "direction", "shares", "lawful_basis", "reason"]
    elif model is InsightAgencyCount:
        counted = counted.filter(shares=True).exclude(other_agency="")
        fields = ["other_agency"]
    else:
        counted = counted.filter(review_date__isnull=False)
        fields = ["review_date"]
    rows = counted.values("count_month", "team_key", *fields).annotate(n=Count("pk")).order_by()
    counts: Counter = Counter()
    for row in rows:
        key = [_date(row["count_month"]), row["team_key"], *(row[name] for name in fields)]
        if model is InsightCount:  # as cells() has them
            key[4], key[6], key[8] = bool(key[4]), bool(key[6]), str(key[8] or "")
        counts[tuple(key)] += row["n"]
    if rolled_up:
        for key, n in list(counts.items()):
            counts[_rolled_up(key)] += n
    return counts


def _recount_manager_decisions(records: QuerySet | None, *, rolled_up: bool) -> Counter:
    decisions = ManagerDecision.objects.all()
    if records is not None:
        decisions = decisions.filter(record__in=records)
    return recount_manager_decisions(decisions, rolled_up=rolled_up)


def recount_manager_decisions(decisions: QuerySet, *, rolled_up: bool = True) -> Counter:
    """InsightManagerCount's counts for these managers' decisions, worked out by GROUP BY
    (the working days once per pair of days, not per decision)."""
    rows = (
        _with_round_submitted(decisions)
        .annotate(
            decided_on=TruncDate("at"),
            submitted_on=TruncDate("round_submitted_at"),
            team_key=Coalesce("record__team_id", 0),
        )
        .values("decided_on", "team_key", "kind", "submitted_on")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: Counter = Counter()
    for row in rows:
        decided_on = _date(row["decided_on"])
        submitted_on = _date(row["submitted_on"]) if row["submitted_on"] else None
        key = (
            decided_on.replace(day=1),
            row["team_key"],
            row["kind"],
            _working_days(submitted_on, decided_on),
        )
        counts[key] += row["n"]
        if rolled_up:
            counts[_rolled_up(key)] += row["n"]
    return counts


def stored(model) -> Counter:
    counts: Counter = Counter()
    for row in model.objects.exclude(n=0).values(*KEYS[model], "n"):
        counts[tuple(row[name] for name in KEYS[model])] += row["n"]
    return counts


def verify() -> list[str]:
    """Every cell where the counts differ from a recount (none when they agree)."""
    differences = []
    for model in MODELS:
        kept, expected = stored(model), recount(model)
        for key in sorted(set(kept) | set(expected), key=repr):
            if kept[key] != expected[key]:
                differences.append(
                    f"{model.__name__} {key}: kept {kept[key]}, recounted {expected[key]}"
                )
    return differences


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Replace every count with a recount from the records. Rows locked meanwhile: a record
    changing during the rebuild waits for it (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in MODELS)
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    made = {}
    for model in MODELS:
        model.objects.all().delete()
        names = KEYS[model]
        rows = model.objects.bulk_create(
            (model(**dict(zip(names, key, strict=True)), n=n) for key, n in recount(model).items()),
            batch_size=1000,
        )
        made[model.__name__] = len(rows)
    return made


def keep_outcome_title(outcome: str, snapshot: Mapping) -> None:
    """The outcome a record was just submitted with, and its title (the latest wins)."""
    title = str(((snapshot or {}).get("outcome") or {}).get("title") or "")
    OutcomeTitle.objects.bulk_create(
        [OutcomeTitle(outcome=outcome, title=title)],
        update_conflicts=True,
        unique_fields=["outcome"],
        update_fields=["title"],
    )


def rebuild_outcome_titles() -> int:
    """Each outcome the records have, with its latest submitted record's title (after
    loading records any other way than through the services, as ``rebuild``)."""
    OutcomeTitle.objects.all().delete()
    submitted = DecisionRecord.objects.exclude(outcome="").exclude(submitted_at=None)
    titles = []
    for outcome in list(submitted.order_by().values_list("outcome", flat=True).distinct()):
        latest = (
            submitted.filter(outcome=outcome)
            .order_by("-submitted_at", "-id")
            .values_list("snapshot", flat=True)
            .first()
        )
        title = str(((latest or {}).get("outcome") or {}).get("title") or "")
        titles.append(OutcomeTitle(outcome=outcome, title=title))
    OutcomeTitle.objects.bulk_create(titles)
    return len(titles)


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value
