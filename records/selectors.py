"""Reads, and who may see what. Anything not visible is a 404, never a 403."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, connections, router
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KT, KeyTransform
from django.http import Http404
from django.utils import timezone

from records import rows, search, workdays
from records.models import (
    AWAITING_MANAGER_STATES,
    EDITABLE_STATES,
    Addendum,
    AuditEvent,
    DecisionRecord,
    Disagreement,
    DisagreementStep,
    ManagerDecision,
    Organisation,
    OutcomeTitle,
    ReminderSent,
    SharingConfirmation,
    Submission,
    Team,
    User,
)
from records.rows import Prepared, PreparedGet, PreparedModels

State = DecisionRecord.State
TEAM, ORGANISATION = "team", "organisation"


def records_visible_to(user: User) -> QuerySet[DecisionRecord]:
    """Submitted records this user may read, plus their own drafts."""
    records = DecisionRecord.objects.select_related("author", "team")
    own = Q(author=user)
    if user.is_auditor:
        return records.filter(own | ~Q(state=State.DRAFT))
    if user.is_manager:
        return records.filter(own | (_managed_scope(user) & ~Q(state=State.DRAFT)))
    return records.filter(own)


def _managed_scope(user: User) -> Q:
    """Records a manager answers for: their teams', and their organisation's where a team had
    no manager but the author (``approval_scope`` says so)."""
    scope = Q(team__in=user.managed_teams.all())
    if user.organisation_id:
        scope |= Q(approval_scope=ORGANISATION, team__organisation=user.organisation_id)
    return scope


def submitted_visible_to(user: User) -> QuerySet[DecisionRecord]:
    """The submitted records this user may read: ``records_visible_to`` less drafts, said
    without its own-drafts branch so a list's scope is a plain condition on the row."""
    kind, ids = submitted_scope(user)
    return submitted_in_scope(kind, **ids)


def submitted_scope(user: User, teams: list[TeamChoice] | None = None) -> tuple[str, dict]:
    """Which of the scopes ``submitted_in_scope`` says is this user's, and its ids. A
    manager's team ids come from ``teams`` where given (``filter_choices(user).teams``, the
    same teams, read already), else from their own query."""
    if user.is_auditor:
        return "everything", {}
    if user.is_manager:
        if teams is None:
            managed, organisation = _manager_teams(user)
        else:
            managed = tuple(sorted(team.pk for team in teams if team.managed))
            organisation = tuple(
                sorted(
                    team.pk
                    for team in teams
                    if user.organisation_id and team.organisation_id == user.organisation_id
                )
            )
        return "managed", {"user": user.pk, "managed": managed, "organisation": organisation}
    return "own", {"user": user.pk}


def submitted_in_scope(kind: str, *, unindexed: bool = False, **ids) -> QuerySet[DecisionRecord]:
    """Submitted records in a scope: everything (an auditor's); a manager's (``managed``
    and ``organisation``, their team ids, read first: conditions on the row's own columns,
    no join or subquery, which PostgreSQL plans quickly); or the user's own."""
    records = submitted_only(DecisionRecord.objects)
    if kind == "everything":
        return records
    if kind == "managed":
        # ``unindexed``: on every database (search.walked), for a filter that finds the rows.
        records, column = search.walked(records, "author", "team", everywhere=unindexed)
        return records.filter(
            Q(**{column["author"]: ids["user"]})
            | Q(**{f"{column['team']}__in": ids["managed"]})
            | Q(approval_scope=ORGANISATION, **{f"{column['team']}__in": ids["organisation"]})
        )
    return records.filter(author=ids["user"])


def submitted_only(records) -> QuerySet[DecisionRecord]:
    """Not drafts, said twice: a submitted record always has its ``submitted_at``, and a
    draft has none. PostgreSQL sorts a NULL first when newest first (SQLite, when oldest
    first), so a walk of a date index met every draft before the newest decision: 5,000
    drafts cost each list 7 to 12 ms at 100,000 records. ``IS NOT NULL`` starts the walk
    past them (an index condition), at any number of drafts. The insight counts count the
    same records (``insight_counts.counted_records``)."""
    return records.exclude(state=State.DRAFT).filter(submitted_at__isnull=False)


def records_search(*, user: User, query: str = "") -> QuerySet[DecisionRecord]:
    """Submitted records this user may see, newest first, matching a record reference, the
    start of a case reference or of an agency (records.search.reference_filter): each on
    its own index. Whole rows: a list narrows them with ``listed()``."""
    records = submitted_visible_to(user).select_related("author", "team")
    if query:
        records = search.reference_filter(records, query)
    return records.order_by("-submitted_at", "-id")


@dataclass(frozen=True)
class TeamChoice:
    pk: int
    name: str
    organisation_id: int
    organisation: str
    managed: bool = False  # by the user the choices are for


def teams_visible_to(user: User) -> tuple[TeamChoice, ...]:
    """The teams whose records the user may see, with their organisations: every team for
    an auditor; for a manager, the teams they manage and, where an organisation's
    decisions come to them (``approval_scope``), their organisation's."""
    return filter_choices(user).teams


def practitioners_visible_to(user: User) -> tuple[tuple[int, str], ...]:
    """Whose records the user may see, (id, name) by name: everyone who decides, for an
    auditor; for a manager, the members of the teams above and themselves."""
    return filter_choices(user).people


@dataclass(frozen=True)
class FilterChoices:
    outcomes: tuple[tuple[str, str], ...]  # (code, title) by title: outcome_choices()
    teams: tuple[TeamChoice, ...]  # by organisation, then name
    people: tuple[tuple[int, str], ...]  # (id, name) by name


# What the filter's choices and a manager's teams are read from changes the directory stamp
# (records.DirectoryStamp, by database triggers), and the stamp comes with the signed-in
# user, read with their session (records.sessions). So these two reads are kept, in each
# process, under the user and the stamp, and read again once it changes. Never inside a
# transaction: it could see its own changes, which may yet roll back.
_KEPT: dict[tuple, object] = {}
_KEPT_UNDER: list = [None]  # the stamp the kept reads are for


def _kept(kind: str, user: User | None, key, read):
    stamp = getattr(user, "directory_stamp", None)
    if stamp is None or connection.in_atomic_block:
        return read()
    if _KEPT_UNDER[0] != stamp or len(_KEPT) >= 4096:
        _KEPT.clear()
        _KEPT_UNDER[0] = stamp
    key = (connection.alias, kind, key)
    kept = _KEPT.get(key)  # one lookup: a threaded server may clear it between two
    if kept is None:
        kept = _KEPT[key] = read()
    return kept


def filter_choices(user: User | None, *, outcomes_only: bool = False) -> FilterChoices:
    """What the /records/ filter form offers this user: the outcomes, and the teams and
    people whose records they may see (none for a practitioner, who sees only their own, or
    with ``outcomes_only``, or without a user).

    One query in plain SQL, kept between requests while the directory stamp stays
    (``_kept``): the form is on every list page."""
    chooser = user if user is not None and (user.is_auditor or user.is_manager) else None
    if outcomes_only:
        chooser = None
    return _kept(
        "filter_choices",
        user,
        None if chooser is None else chooser.pk,
        lambda: _read_filter_choices(chooser),
    )


def _read_filter_choices(user: User | None) -> FilterChoices:
    # Every column text (a UNION's columns share a type). Sorted here, not by the database:
    # PostgreSQL's collation made the sort of these 150-odd rows most of the query's time,
    # and names now order alike on both databases.
    parts = [
        "SELECT 1 AS k, outcome AS a, title AS b, NULL AS c, NULL AS d, NULL AS e "  # noqa: S608 - no input
        f"FROM {_table(OutcomeTitle)}"
    ]
    params: list = []
    if user is not None:
        scope, scope_params = _team_scope(user)
        # The last column: whether the user manages the team (submitted_scope's ids).
        managed_by = f"SELECT team_id FROM {_table(User.managed_teams.through)} WHERE user_id = %s"  # noqa: S608
        parts.append(
            "SELECT 2, CAST(t.id AS TEXT), t.name, CAST(t.organisation_id AS TEXT), o.name, "  # noqa: S608 - table names
            f"CASE WHEN t.id IN ({managed_by}) THEN 'y' ELSE 'n' END "
            f"FROM {_table(Team)} t "
            f"INNER JOIN {_table(Organisation)} o ON o.id = t.organisation_id{scope}"
        )
        params += [user.pk, *scope_params]
        people = (
            "SELECT 3, CAST(id AS TEXT), first_name, last_name, username, NULL "  # noqa: S608 - table names
            f"FROM {_table(User)} WHERE "
        )
        if user.is_auditor:
            people += "role IN (%s, %s)"
            params += [User.Role.PRACTITIONER.value, User.Role.MANAGER.value]
        else:
            people += f"(team_id IN (SELECT t.id FROM {_table(Team)} t{scope}) OR id = %s)"  # noqa: S608
            params += [*scope_params, user.pk]
        parts.append(people)
    outcomes, teams, people_rows = [], [], []
    with connection.cursor() as cursor:
        rows.execute(connection, cursor, " UNION ALL ".join(parts), params)
        for kind, a, b, c, d, e in cursor.fetchall():
            if kind == 1:
                outcomes.append((a, b or a.replace("_", " ").capitalize()))
            elif kind == 2:
                teams.append(TeamChoice(int(a), b, int(c), d, managed=e == "y"))
            else:
                people_rows.append(((b or "", c or "", d), (int(a), f"{b} {c}".strip() or d)))
    teams.sort(key=lambda team: (team.organisation.casefold(), team.name.casefold(), team.pk))
    people_rows.sort(key=lambda row: (*map(str.casefold, row[0]), row[1][0]))
    return FilterChoices(
        outcomes=tuple(sorted(outcomes, key=lambda choice: choice[1])),
        teams=tuple(teams),
        people=tuple(choice for _, choice in people_rows),
    )


def _team_scope(user: User) -> tuple[str, list]:
    """`` WHERE ...`` on teams ``t`` for a manager (their teams and their organisation's);
    nothing for an auditor."""
    if not user.is_manager:
        return "", []
    managed = _table(User.managed_teams.through)
    scope = [f"t.id IN (SELECT team_id FROM {managed} WHERE user_id = %s)"]  # noqa: S608
    params: list = [user.pk]
    if user.organisation_id:
        scope.append("t.organisation_id = %s")
        params.append(user.organisation_id)
    return " WHERE " + " OR ".join(scope), params


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def outcome_choices() -> tuple[tuple[str, str], ...]:
    """Every outcome a record has been submitted with, with the title its latest record
    showed, by title (``records`` does not know the flowchart: its records say); kept in
    ``OutcomeTitle``, a dozen rows at any table size."""
    return filter_choices(None).outcomes


# What a list row shows, as plain values: never the answers or the snapshot (kilobytes of
# JSON a row), and no model instances to build for a table of text.
LIST_VALUES = (
    "id",
    "reference",
    "state",
    "subject_reference",
    "other_agency",
    "submitted_at",
    "updated_at",
    "author__first_name",
    "author__last_name",
    "author__username",
)


def listed(records: QuerySet[DecisionRecord]) -> QuerySet[DecisionRecord]:
    """The columns a list shows (``LIST_VALUES``), one dict a row, the author joined in, and
    whether the record has an open disagreement (``has_open_disagreement``)."""
    return records.select_related(None).values(
        *LIST_VALUES, has_open_disagreement=open_disagreement_exists()
    )


def reference_or_404(reference: str) -> str:
    """A reference never holds NUL, and PostgreSQL refuses one in a query: 404 at once."""
    if "\x00" in reference:
        raise Http404("No such record.")
    return reference


def record_get_for_user(*, user: User, reference: str) -> DecisionRecord:
    reference_or_404(reference)
    try:
        return records_visible_to(user).get(reference=reference)
    except DecisionRecord.DoesNotExist:
        raise Http404("No such record.") from None


def record_for_page(*, user: User, reference: str) -> DecisionRecord:
    """``record_get_for_user``, with what the record page reads about it in the same query:
    its team's organisation, its sharing confirmation, and whether it has any addenda,
    disagreements, reconsiderations or managers' decisions (``has_addenda`` and so on: most
    have none of the first three, and a decision awaiting a manager has none of the last, so
    the page skips those queries). ``services.record_open`` reads it with its viewed event."""
    return record_page_read(_RECORD_FOR_PAGE, user=user, reference=reference)


def record_page_read(
    read: PreparedModels, *, user: User, reference: str, shape: tuple = (), **more
) -> DecisionRecord:
    """The record by ``read`` (``record_page_query``, with more of its ``shape`` and ids),
    or 404."""
    reference_or_404(reference)
    ids = {"user": user.pk, "reference": reference, **more}
    if user.is_manager and user.organisation_id:  # only a manager's scope names it
        ids["organisation"] = user.organisation_id
    record = read.get(shape=(user.role, *shape), **ids)
    if record is None:
        raise Http404("No such record.")
    return record


def record_page_query(
    role: str,
    *,
    user: int,
    reference: str,
    organisation: int | None = None,
    **annotations,
):
    """``record_for_page``'s query (with any more ``annotations``), for ``rows.Prepared``."""
    # ``records_visible_to`` itself, for a user of this role, written once (rows.Prepared).
    viewer = User(pk=user, role=role, organisation_id=organisation)
    records = (
        records_visible_to(viewer)
        .select_related("team__organisation", "sharing_confirmation__confirmed_by")
        # What the page never shows: the wizard's answers and steps, and the search text.
        .defer(*_NOT_ON_THE_PAGE)
        .annotate(
            has_addenda=Exists(Addendum.objects.filter(record=OuterRef("pk"))),
            has_disagreements=Exists(Disagreement.objects.filter(record=OuterRef("pk"))),
            has_reconsiderations=Exists(DecisionRecord.objects.filter(reconsiders=OuterRef("pk"))),
            has_manager_decisions=Exists(ManagerDecision.objects.filter(record=OuterRef("pk"))),
            **annotations,
        )
    )
    return records.filter(reference=reference)[:2]


_RECORD_FOR_PAGE = PreparedModels(DecisionRecord, record_page_query)
_NOT_ON_THE_PAGE = ("answers", "completed_steps", "path", "reasons_text", "grounds_summary")


def draft_get_for_author(*, user: User, reference: str) -> DecisionRecord:
    """A draft is seen only by its author."""
    reference_or_404(reference)
    try:
        return DecisionRecord.objects.get(reference=reference, author=user, state=State.DRAFT)
    except DecisionRecord.DoesNotExist:
        raise Http404("No such draft.") from None


def editable_get_for_author(*, user: User, reference: str) -> DecisionRecord:
    """A draft, or a decision returned for changes: only its author sees it in the wizard."""
    reference_or_404(reference)
    record = _EDITABLE.get(reference=reference, author=user.pk)
    if record is None:
        raise Http404("No such draft.")
    return record


# On every wizard page and save: its query written once (rows.PreparedGet).
_EDITABLE = PreparedGet(
    DecisionRecord,
    lambda reference, author: DecisionRecord.objects.filter(
        reference=reference, author=author, state__in=EDITABLE_STATES
    )[:2],
)


def drafts_for(user: User) -> QuerySet[DecisionRecord]:
    """The author's drafts, last saved first. A draft's case reference and agency are still
    in its answers: read as two keys, not the whole JSON."""
    drafts = _draft_rows().filter(author=user, state=State.DRAFT)
    return drafts.order_by("-updated_at", "-id")


def submitted_by(user: User) -> QuerySet[DecisionRecord]:
    """The author's submitted decisions, newest first (index record_author_submitted)."""
    records = submitted_only(_list_rows().filter(author=user))
    return records.order_by("-submitted_at", "-id")


def awaiting_author(user: User) -> QuerySet[DecisionRecord]:
    """The author's decisions that wait for them: returned for changes, or approved and
    to be confirmed once shared. Oldest first."""
    waiting = Q(author=user, state__in=[State.RETURNED, State.APPROVED])
    if connection.vendor == "postgresql":
        # Found on (author, state) by the planner itself, planned in a third of the time.
        return _list_rows().filter(waiting).order_by("submitted_at", "pk")
    # SQLite would walk the author's every decision by date: found on (author, state) first.
    found = DecisionRecord.objects.filter(waiting).values("pk")
    return _list_rows().filter(pk__in=found).order_by("submitted_at", "pk")


def home_lists(user: User, *, size: int) -> tuple[list[dict], list[dict], list[dict]]:
    """The first ``size`` of ``awaiting_author``, ``drafts_for`` and ``submitted_by``, as
    dicts: on every practitioner's and manager's home page, so their SQL is built once
    (``rows.Prepared``) and run with the user's id."""
    return tuple(
        prepared.rows(shape=(size,), user=user.pk)
        for prepared in (_AWAITING_AUTHOR, _DRAFTS_FOR, _SUBMITTED_BY)
    )


def _prepared_head(selector):
    return Prepared(DecisionRecord, lambda size, user: selector(User(pk=user))[:size])


_AWAITING_AUTHOR = _prepared_head(awaiting_author)
_DRAFTS_FOR = _prepared_head(drafts_for)
_SUBMITTED_BY = _prepared_head(submitted_by)


# The home page's three lists start from these, built once: the columns, the join and the
# subquery resolved each time cost twice the rest of the query (the same SQL either way).
@functools.cache
def _list_rows() -> QuerySet[DecisionRecord]:
    return listed(DecisionRecord.objects.all())


@functools.cache
def _draft_rows() -> QuerySet[DecisionRecord]:
    return DecisionRecord.objects.values(
        *LIST_VALUES,
        draft_subject_reference=KT("answers__subject_reference"),
        draft_other_agency=KT("answers__other_agency"),
    )


def _active_managers() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.MANAGER, is_active=True)


def approval_scope_for(record: DecisionRecord) -> str:
    """The team's managers approve, unless the author is its only manager: then the
    managers of the organisation do (separation of duties)."""
    others = _active_managers().filter(managed_teams=record.team_id).exclude(pk=record.author_id)
    return TEAM if record.team_id and others.exists() else ORGANISATION


def approvers_for(record: DecisionRecord) -> QuerySet[User]:
    """Who may approve or review this decision: never its author. Exactly the active
    managers ``may_act_on`` lets act, so e-mails go to nobody else."""
    if not record.team_id:
        # Nobody's scope covers a decision without a team (may_act_on says the same);
        # filtering on a missing team would match every manager who manages no team.
        return User.objects.none()
    managers = _active_managers().exclude(pk=record.author_id)
    scope = Q(managed_teams=record.team_id)
    if record.approval_scope == ORGANISATION:
        scope |= Q(organisation=record.team.organisation_id)
    return managers.filter(scope).distinct()


def may_act_on(*, user: User, record: DecisionRecord) -> bool:
    """A manager whose scope covers the record (the author check is the service's)."""
    if not user.is_manager or not record.team_id:
        return False
    if user.managed_teams.filter(pk=record.team_id).exists():
        return True
    return (
        record.approval_scope == ORGANISATION
        and user.organisation_id is not None
        and record.team.organisation_id == user.organisation_id
    )


def approval_queue(user: User, *, on: datetime.date | None = None) -> QuerySet[DecisionRecord]:
    """What awaits this manager: overdue first, then oldest first; never their own.

    Overdue is worked out in the database from two cut-off dates (prior approvals and
    retrospective reviews have different thresholds), so the queue sorts without a loop.
    """
    return (
        _queue_rows()
        .filter(_queue_scope(user))
        .annotate(
            overdue=Case(
                When(_overdue(on or workdays.today()), then=True),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-overdue", "submitted_at", "pk")
    )


@functools.cache
def _queue_rows() -> QuerySet[DecisionRecord]:
    """What every queue reads, built once (as ``_list_rows``)."""
    return (
        DecisionRecord.objects.select_related("author")
        .only(*QUEUE_FIELDS)
        .annotate(
            has_open_disagreement=open_disagreement_exists(),
        )
    )


def _queue_scope(user: User) -> Q:
    """What awaits this manager and is not their own: ``_managed_scope`` said with the
    manager's team ids read first (one small query), so the condition is on the record's
    own columns. The (team, state) index then finds the queue, and PostgreSQL plans it in a
    fraction of the time a join and two subqueries take."""
    return _scope_of(**_scope_ids(user))


def _scope_ids(user: User) -> dict:
    managed, organisation = _manager_teams(user)
    ids = {"user": user.pk, "managed": managed, "organisation": organisation}
    if connection.vendor != "postgresql":
        ids["either"] = sorted({*managed, *organisation})
    return ids


def _scope_of(
    user: int, managed: list[int], organisation: list[int], either: list[int] | None = None
) -> Q:
    scope = (
        (Q(team_id__in=managed) | Q(approval_scope=ORGANISATION, team_id__in=organisation))
        & Q(state__in=AWAITING_MANAGER_STATES)
        & ~Q(author=user)
    )
    if either is None:
        # PostgreSQL finds the queue on the (team, state) index from the terms as they are,
        # and plans and runs it in 0.60 ms instead of 0.71 (100,000 records).
        return scope
    # SQLite: implied by the scope; said alone, it is what SQLite finds on the index.
    return Q(team_id__in=either) & scope


def _manager_teams(user: User) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The teams the manager manages, and their organisation's teams (none without one):
    kept between requests while the directory stamp stays (``_kept``)."""
    return _kept("manager_teams", user, user.pk, lambda: _read_manager_teams(user))


def _read_manager_teams(user: User) -> tuple[tuple[int, ...], tuple[int, ...]]:
    # Plain SQL: on every manager's page, and the ORM's query cost more to build than to run.
    managed_by = f"SELECT team_id FROM {_table(User.managed_teams.through)} WHERE user_id = %s"  # noqa: S608
    sql = (
        f"SELECT t.id, t.organisation_id, t.id IN ({managed_by}) "  # noqa: S608 - table names
        f"FROM {_table(Team)} t WHERE t.id IN ({managed_by})"
    )
    params = [user.pk, user.pk]
    if user.organisation_id:
        sql += " OR t.organisation_id = %s"
        params.append(user.organisation_id)
    mine, organisation = set(), set()
    with connection.cursor() as cursor:
        rows.execute(connection, cursor, sql, params)
        for pk, organisation_id, managed_by_user in cursor.fetchall():
            if managed_by_user:
                mine.add(pk)
            if user.organisation_id and organisation_id == user.organisation_id:
                organisation.add(pk)
    return tuple(sorted(mine)), tuple(sorted(organisation))


def queue_head(user: User, *, size: int, offset: int = 0) -> tuple[list[dict], int, int]:
    """``size`` items of ``approval_queue`` from ``offset`` (as dicts of ``QUEUE_VALUES``),
    how many it holds and how many are overdue, in one query (the counts are window functions
    over the whole queue). Its SQL is built once a day per shape (``rows.Prepared``): on
    every manager's home page, the ORM took longer to build it than the database to run it."""
    rows = _QUEUE_HEAD.rows(shape=(workdays.today(), size, offset), **_scope_ids(user))
    if not rows:
        return rows, 0, 0
    return rows, rows[0]["queue_count"], rows[0]["overdue_count"]


def _queue_head(on: datetime.date, size: int, offset: int, **ids) -> QuerySet[DecisionRecord]:
    return (
        _queue_rows()
        .filter(_scope_of(**ids))
        .annotate(
            overdue=Case(
                When(_overdue(on), then=True), default=Value(False), output_field=BooleanField()
            ),
            queue_count=Window(Count("pk")),
            overdue_count=Window(Count("pk", filter=Q(overdue=True))),
        )
        .order_by("-overdue", "submitted_at", "pk")
        .values(*QUEUE_VALUES)[offset : offset + size]
    )


_QUEUE_HEAD = Prepared(DecisionRecord, _queue_head)


QUEUE_FIELDS = (
    "reference",
    "state",
    "urgent",
    "submitted_at",
    # What the queue shows of the snapshot, copied at submission (``queue_summary``).
    "outcome_title",
    "grounds_summary",
    "author__username",
    "author__first_name",
    "author__last_name",
)
# A queue row as ``queue_head`` reads it.
QUEUE_VALUES = (
    *QUEUE_FIELDS,
    "has_open_disagreement",
    "overdue",
    "queue_count",
    "overdue_count",
)


def overdue_condition(on: datetime.date | None = None) -> Q:
    """Overdue as the queue has it (a prior approval or a review past its threshold)."""
    return _overdue(on or workdays.today())


def _overdue(on: datetime.date) -> Q:
    prior_cutoff = _cutoff(workdays.threshold_for("prior"), on)
    review_cutoff = _cutoff(workdays.threshold_for("retrospective"), on)
    return Q(state=State.AWAITING_APPROVAL, submitted_at__lt=prior_cutoff) | Q(
        state=State.AWAITING_REVIEW, submitted_at__lt=review_cutoff
    )


def _cutoff(threshold: int, on: datetime.date) -> datetime.datetime:
    """Submitted before this moment (local midnight after the last overdue day): overdue."""
    last = workdays.latest_overdue_submission_date(threshold, on)
    return workdays.start_of_day(last + datetime.timedelta(days=1))


def awaiting_action_for_manager(user: User) -> QuerySet[DecisionRecord]:
    return approval_queue(user)


def approval_get_for_manager(*, user: User, reference: str) -> DecisionRecord:
    """A record for its approval page. Out of the manager's scope: 404, as for any record."""
    reference_or_404(reference)
    try:
        return (
            DecisionRecord.objects.select_related("author", "team")
            .filter(_managed_scope(user) | Q(author=user))
            .exclude(state=State.DRAFT)
            .get(reference=reference)
        )
    except DecisionRecord.DoesNotExist:
        raise Http404("No such record.") from None


def latest_manager_decision(record: DecisionRecord) -> ManagerDecision | None:
    return record.manager_decisions.select_related("by").order_by("-at", "-pk").first()


def latest_return(record: DecisionRecord) -> ManagerDecision | None:
    """The manager's comment a returned decision came back with."""
    return (
        record.manager_decisions.select_related("by")
        .filter(kind=ManagerDecision.Kind.RETURNED)
        .order_by("-at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    title: str
    by: str
    comment: str = ""
    round: int | None = None
    tag: str = ""  # a GOV.UK tag colour for what happened


_DECISION_TAGS = {
    ManagerDecision.Kind.APPROVED: "govuk-tag--green",
    ManagerDecision.Kind.RETURNED: "govuk-tag--purple",
    ManagerDecision.Kind.REJECTED: "govuk-tag--red",
    ManagerDecision.Kind.ENDORSED: "govuk-tag--green",
    ManagerDecision.Kind.CONCERN: "govuk-tag--orange",
}


@dataclass(frozen=True)
class History:
    """A record's rounds, its managers' decisions and the sharing confirmed, read once (three
    queries) for the pages that show them in several ways."""

    submissions: list[Submission]
    decisions: list[ManagerDecision]
    confirmation: SharingConfirmation | None


def history_of(record: DecisionRecord) -> History:
    """Each round without its answers and snapshot (``earlier_snapshots`` reads those the page
    draws), the managers' decisions and the sharing."""
    submissions = _SUBMISSIONS.all(record=record.pk)
    # None to read where ``record_for_page`` found none (a decision still awaiting a manager).
    decisions = (
        _MANAGER_DECISIONS.all(record=record.pk)
        if getattr(record, "has_manager_decisions", True)
        else []
    )
    for row in (*submissions, *decisions):  # as ``record.submissions`` would know it
        row._meta.get_field("record").set_cached_value(row, record)
    return History(
        submissions=submissions,
        decisions=decisions,
        confirmation=sharing_confirmation_for(record),
    )


# On every record and approval page: written once (rows.PreparedModels), in the models' order.
_SUBMISSIONS = PreparedModels(
    Submission,
    lambda record: (
        Submission.objects.filter(record=record)
        .select_related("submitted_by")
        .defer("answers", "snapshot")
        .order_by("number")
    ),
)


def reconsideration_references(record: DecisionRecord, user: User) -> list[str]:
    """The references of the decisions reconsidering this one that this person may open (a
    reconsideration still in draft is its author's), oldest first. None to read where
    ``record_for_page`` found none."""
    if not getattr(record, "has_reconsiderations", True):
        return []
    return list(
        records_visible_to(user)
        .filter(reconsiders=record)
        .order_by("created_at", "pk")
        .values_list("reference", flat=True)
    )


def earlier_snapshots(record: DecisionRecord, submissions: list[Submission]) -> None:
    """Give each round but the last its snapshot, in one query: the last round's is the
    record's own, drawn once as the decision."""
    earlier = {submission.number: submission for submission in submissions[:-1]}
    if not earlier:
        return
    rows = Submission.objects.filter(record=record, number__in=earlier).values_list(
        "number", "snapshot"
    )
    for number, snapshot in rows:
        earlier[number].snapshot = snapshot


_MANAGER_DECISIONS = PreparedModels(
    ManagerDecision,
    lambda record: ManagerDecision.objects.filter(record=record).select_related("by"),
)


def record_timeline(record: DecisionRecord, history: History | None = None) -> list[TimelineEntry]:
    """The record's life in order: each submission, each manager's decision, the sharing."""
    history = history or history_of(record)
    entries = [
        TimelineEntry(
            at=submission.submitted_at,
            title="Submitted" if submission.number == 1 else "Resubmitted",
            by=submission.submitted_by.display_name,
            round=submission.number,
            tag="govuk-tag--blue",
        )
        for submission in history.submissions
    ]
    entries += [
        TimelineEntry(
            at=decision.at,
            title=decision.get_kind_display(),
            by=decision.by.display_name,
            comment=decision.comment,
            round=decision.round,
            tag=_DECISION_TAGS[decision.kind],
        )
        for decision in history.decisions
    ]
    confirmation = history.confirmation
    if confirmation is not None:
        entries.append(
            TimelineEntry(
                at=confirmation.confirmed_at,
                title="Sharing confirmed",
                by=confirmation.confirmed_by.display_name,
                tag="govuk-tag--turquoise",
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


def sharing_confirmation_for(record: DecisionRecord) -> SharingConfirmation | None:
    related = DecisionRecord.sharing_confirmation.related
    if related.is_cached(record):  # read with the record (``record_for_page``)
        return related.get_cached_value(record)
    return SharingConfirmation.objects.select_related("confirmed_by").filter(record=record).first()


def rounds_for(record: DecisionRecord, history: History | None = None):
    """Every round as submitted, with the manager's decisions on it, newest last."""
    if history is None:
        decisions = list(record.manager_decisions.select_related("by"))
        submissions = record.submissions.select_related("submitted_by")
    else:
        decisions, submissions = history.decisions, history.submissions
    return [
        (submission, [d for d in decisions if d.round == submission.number])
        for submission in submissions
    ]


def concerns_for(record: DecisionRecord) -> QuerySet[ManagerDecision]:
    return record.manager_decisions.select_related("by").filter(kind=ManagerDecision.Kind.CONCERN)


def overdue_for(user: User, *, on: datetime.date | None = None) -> QuerySet[DecisionRecord]:
    return approval_queue(user, on=on).filter(overdue=True)


def overdue_everywhere(*, on: datetime.date | None = None) -> list[DecisionRecord]:
    """Every overdue item, for the reminder e-mails."""
    return list(
        DecisionRecord.objects.select_related("team")
        .filter(_overdue(on or workdays.today()))
        .order_by("submitted_at")
    )


_STILL_AWAITING = {
    State.AWAITING_APPROVAL: "is awaiting approval: it can be approved, returned or rejected",
    State.AWAITING_REVIEW: (
        "is an urgent share awaiting review: it can be endorsed, or a concern recorded"
    ),
}


def no_longer_awaiting_message(record: DecisionRecord) -> str:
    """Why a manager can no longer act: who dealt with it first, or where it stands now."""
    if record.state in _STILL_AWAITING:
        # Still awaiting a manager, but not the action tried (an earlier round's decision
        # is not the reason).
        return f"{record.reference} {_STILL_AWAITING[record.state]}."
    last = latest_manager_decision(record)
    if last is not None:
        return (
            f"{record.reference} has already been dealt with: {last.get_kind_display().lower()} "
            f"by {last.by.display_name}, {timezone.localtime(last.at):%-d %B %Y at %H:%M}."
        )
    return (
        f"{record.reference} is not awaiting approval or review: it is "
        f"{record.get_state_display().lower()}."
    )


# --- Addenda, legal hold, retention and the audit trail ---------------------------------------

ADDENDUM_MAX = 5000
LEGAL_HOLD_REASON_MAX = 2000
# Not (yet) in AuditEvent.Event, whose choices change only with a migration: written as
# these strings (audit_log takes any string) until they are.
LEGAL_HOLD_SET = getattr(AuditEvent.Event, "LEGAL_HOLD_SET", "legal_hold_set")
LEGAL_HOLD_LIFTED = getattr(AuditEvent.Event, "LEGAL_HOLD_LIFTED", "legal_hold_lifted")
EVENT_LABELS = {
    LEGAL_HOLD_SET: "Legal hold set",
    LEGAL_HOLD_LIFTED: "Legal hold lifted",
    **dict(AuditEvent.Event.choices),
}
# What a record's author sees of its trail: what happened to it, not who looked at it.
AUTHOR_TRAIL_EVENTS = (
    AuditEvent.Event.RECORD_CREATED,
    AuditEvent.Event.STEP_ANSWERED,
    AuditEvent.Event.SUBMITTED,
    AuditEvent.Event.APPROVED,
    AuditEvent.Event.RETURNED,
    AuditEvent.Event.REJECTED,
    AuditEvent.Event.REVIEWED,
    AuditEvent.Event.RECONSIDERED,
    AuditEvent.Event.SHARING_CONFIRMED,
    AuditEvent.Event.ADDENDUM,
    AuditEvent.Event.DISAGREEMENT_RAISED,
    AuditEvent.Event.DISAGREEMENT_STEP,
    AuditEvent.Event.DISAGREEMENT_RESOLVED,
)
TRAIL_SIZE = 50
VIEWERS_SHOWN = 100
AUDIT_PAGE_SIZE = 50
# Deleted under retention only once nothing awaits anyone: recorded, or rejected.
RETENTION_STATES = (State.RECORDED, State.REJECTED)


def may_add_addendum(*, user: User, record: DecisionRecord) -> bool:
    """The author of a submitted record, or a manager answering for it; never an auditor."""
    if record.is_draft or user.is_auditor:
        return False
    return record.author_id == user.pk or may_act_on(user=user, record=record)


def sees_full_trail(*, user: User, record: DecisionRecord) -> bool:
    """Auditors and the managers answering for the record see every event and who viewed it;
    its author sees what happened to it."""
    return user.is_auditor or may_act_on(user=user, record=record)


def addenda_for(record: DecisionRecord) -> QuerySet[Addendum]:
    return record.addenda.select_related("author").order_by("at", "pk")


def event_label(event: str) -> str:
    return EVENT_LABELS.get(event, event.replace("_", " ").capitalize())


# Left out of a record page's trail: a reconsideration may still be its author's draft, which
# nobody else may know of (the audit log shows it to auditors).
_NOT_ON_RECORD_PAGE = frozenset({"new_reference"})


def _described(events, *, hide: frozenset[str] = frozenset()) -> list[AuditEvent]:
    """Each event with a label and a one-line summary of its details, for people to read."""
    rows = list(events)
    for event in rows:
        event.label = event_label(event.event)
        event.summary = "; ".join(
            f"{key.replace('_', ' ')}: {value}"
            # Sorted: PostgreSQL's jsonb gives keys back in its own order, SQLite as written.
            for key, value in sorted((event.details or {}).items())
            if key not in hide and isinstance(value, str | int | float | bool) and value != ""
        )
    return rows


@dataclass(frozen=True)
class Trail:
    events: list[AuditEvent]
    more: bool  # older events than those shown
    full: bool  # every kind of event, views included


def audit_events_for(record: DecisionRecord, *, user: User, limit: int = TRAIL_SIZE) -> Trail:
    """The record's own trail, newest first: the latest ``limit`` events (one query)."""
    full = sees_full_trail(user=user, record=record)
    trail = _FULL_TRAIL if full else _AUTHOR_TRAIL
    rows = trail.all(shape=(limit,), record=record.pk)
    return Trail(
        events=_described(rows[:limit], hide=_NOT_ON_RECORD_PAGE), more=len(rows) > limit, full=full
    )


def _full_trail(limit: int, *, record: int):
    # The latest, in the chain's order, which is time's (an event's id and time are both
    # drawn under the chain's lock), read backwards on the (record, id) index however many
    # views the record has (migration 0016; on SQLite the record's own index holds the
    # id). The record as a range, and ordered by too: said as equal, PostgreSQL drops it
    # from the order and walks the whole table back by id for an old record's latest.
    events = AuditEvent.objects.filter(record__gte=record, record__lte=record)
    return events.order_by("-record_id", "-id")[: limit + 1]


def _author_trail(limit: int, *, record: int):
    # The author's kinds of event, never a walk over the record's views, which they are never
    # shown and may be thousands. On PostgreSQL in order from an index of those kinds alone
    # (migration 0017), which holds the record as COALESCE(record, 0) so that no other index
    # of the record can be chosen, and is used only where the SQL spells the kinds out. On
    # SQLite from (record, event), sorted.
    kinds = rows.among_spelt_out(AuditEvent, "event", AUTHOR_TRAIL_EVENTS)
    if connections[router.db_for_read(AuditEvent)].vendor == "postgresql":
        events = AuditEvent.objects.alias(trail_record=_RECORD_OR_ZERO).filter(
            kinds, trail_record=record
        )
    else:
        events = AuditEvent.objects.filter(kinds, record=record)
    return events.order_by("-at", "-id")[: limit + 1]


# COALESCE(record, 0) with its 0 in the SQL, as the index has it: a parameter would not match.
_RECORD_OR_ZERO = Func(
    F("record"), template="COALESCE(%(expressions)s, 0)", output_field=BigIntegerField()
)

# On every record page, written once. The full trail is planned each time: one generic plan
# for every record sorted all of an old record's views. The author's is prepared once: every
# record's is read on the one index.
_FULL_TRAIL = PreparedModels(AuditEvent, _full_trail, plan_each_time=True)
_AUTHOR_TRAIL = PreparedModels(AuditEvent, _author_trail)


def viewers_of(record: DecisionRecord, *, limit: int = VIEWERS_SHOWN) -> list[dict]:
    """Who viewed the record: each viewer once, with their last view and how many, latest
    first (one query, over the record's own events)."""
    return list(
        AuditEvent.objects.filter(record=record, event=AuditEvent.Event.VIEWED)
        .values("actor_username", "actor_role")
        .annotate(last_viewed=Max("at"), views=Count("id"))
        .order_by("-last_viewed", "actor_username")[:limit]
    )


def is_due_for_retention(record: DecisionRecord, *, on: datetime.date) -> bool:
    return (
        record.retain_until is not None
        and record.retain_until < on
        and not record.legal_hold
        and record.state in RETENTION_STATES
    )


def retention_due(*, on: datetime.date | None = None) -> QuerySet[DecisionRecord]:
    """Records past their retain-until date (kept to the end of that day), not on legal hold,
    and awaiting nobody: what ``apply_retention`` deletes. Same test as is_due_for_retention."""
    return DecisionRecord.objects.filter(
        retain_until__lt=on or timezone.localdate(),
        legal_hold=False,
        state__in=RETENTION_STATES,
    ).order_by("retain_until", "pk")


def draft_kept_until(last_changed: datetime.datetime | None) -> datetime.date | None:
    """The last day a draft last changed at ``last_changed`` is kept: ``DRAFT_KEEP_DAYS``
    after that day. None where drafts are kept until submitted or discarded (the setting 0).
    Same test as drafts_due and is_draft_due."""
    if not settings.DRAFT_KEEP_DAYS or last_changed is None:
        return None
    return timezone.localdate(last_changed) + datetime.timedelta(days=settings.DRAFT_KEEP_DAYS)


def is_draft_due(record: DecisionRecord, *, on: datetime.date) -> bool:
    kept_until = draft_kept_until(record.updated_at)
    return record.state == State.DRAFT and kept_until is not None and kept_until < on


def drafts_due(*, on: datetime.date | None = None) -> QuerySet[DecisionRecord]:
    """Drafts whose kept-until day (``draft_kept_until``) is before ``on``: nobody has changed
    them for ``DRAFT_KEEP_DAYS`` whole days. What ``apply_retention`` deletes; none where
    the setting is 0. A decision returned for changes is not a draft: it was submitted.
    Same test as is_draft_due."""
    if not settings.DRAFT_KEEP_DAYS:
        return DecisionRecord.objects.none()
    # Changed before the day a draft whose last day kept is ``on`` was last changed.
    changed_before = workdays.start_of_day(_changed_on(kept_until=on))
    return DecisionRecord.objects.filter(state=State.DRAFT, updated_at__lt=changed_before).order_by(
        "pk"
    )


def _changed_on(*, kept_until: datetime.date | None) -> datetime.date:
    """The day a draft kept until ``kept_until`` (today) was last changed."""
    return (kept_until or timezone.localdate()) - datetime.timedelta(days=settings.DRAFT_KEEP_DAYS)


# A draft's author is warned once in its last days before apply_retention deletes it.
DRAFT_WARNING_DAYS = 7


def drafts_to_warn(*, on: datetime.date) -> QuerySet[DecisionRecord]:
    """Drafts whose last day kept is ``on`` or one of the ``DRAFT_WARNING_DAYS`` - 1 days
    after it, and whose author has not been warned in those days (a ReminderSent): what
    ``send_reminders`` warns about. Changed since, a draft has days again, and a warning
    again in its new last days."""
    if not settings.DRAFT_KEEP_DAYS:
        return DecisionRecord.objects.none()
    days = min(DRAFT_WARNING_DAYS, settings.DRAFT_KEEP_DAYS)
    first = _changed_on(kept_until=on)
    warned = ReminderSent.objects.filter(
        record=OuterRef("pk"), sent_on__gt=on - datetime.timedelta(days=days)
    )
    return (
        DecisionRecord.objects.filter(
            state=State.DRAFT,
            updated_at__gte=workdays.start_of_day(first),
            updated_at__lt=workdays.start_of_day(first + datetime.timedelta(days=days)),
        )
        .exclude(Exists(warned))
        .select_related("author")
        .only("pk", "reference", "updated_at", "author__email")
        .order_by("pk")
    )


# Keyset ("seek") pages of the audit log, newest first, on (at, id): a page is an index walk
# from its cursor, however deep, and the table is never counted.

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def audit_cursor(event: AuditEvent) -> str:
    return f"{(event.at - _EPOCH) // datetime.timedelta(microseconds=1)}-{event.pk}"


def _parse_cursor(value: str) -> tuple[datetime.datetime, int] | None:
    micros, _, pk = (value or "").partition("-")
    if not (micros.isdigit() and pk.isdigit()) or len(micros) > 18 or len(pk) > 18:
        return None
    try:
        return _EPOCH + datetime.timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:
        return None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditRow]  # read as plain rows (``audit_page``), not model instances
    newer: str | None  # cursor for the page of newer events (``after``)
    older: str | None  # cursor for the page of older events (``before``)
    first: bool  # the newest page


# The audit log's filters, each a condition on an indexed column given the value as the
# column holds it (``audit_filters.AuditEventFilter.conditions`` turns what was typed into
# that).
AUDIT_CONDITIONS = {
    "user": lambda value: Q(actor_username=value),
    "record": lambda value: Q(record_reference=value),
    "event": lambda value: Q(event=value),
    "date_from": lambda value: Q(at__gte=value),
    "date_to": lambda value: Q(at__lt=value),
}
AUDIT_ROW_FIELDS = (
    "id",
    "at",
    "actor_username",
    "actor_role",
    "event",
    "record_id",
    "record_reference",
    "ip",
    "details",
)


class AuditRow(SimpleNamespace):
    """An event as the audit log shows it (``AUDIT_ROW_FIELDS``, ``existing_record``)."""

    @property
    def pk(self) -> int:
        return self.id

    @property
    def record_exists(self) -> bool:
        return self.existing_record is not None


def audit_page(
    conditions: dict | None = None,
    *,
    before: str = "",
    after: str = "",
    size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """One page of the events matching ``conditions`` (``AUDIT_CONDITIONS``' names and the
    columns' values): the newest, those just older than ``before``, or those just newer
    than ``after``. ``size + 1`` rows are read to know whether another page follows. Its
    SQL is built once per set of filters and direction (``rows.Prepared``): the ORM took
    longer to build it than the database to run it."""
    conditions = {name: value for name, value in (conditions or {}).items() if value}
    names = tuple(sorted(conditions))
    if (cursor := _parse_cursor(after)) is not None:
        rows = _audit_rows(names, "newer", size, conditions, cursor)
        if rows:
            more_newer = len(rows) > size
            rows = rows[:size][::-1]
            return AuditPage(
                events=_described(rows),
                newer=audit_cursor(rows[0]) if more_newer else None,
                older=audit_cursor(rows[-1]),
                first=not more_newer,
            )
        before = ""  # nothing newer: the newest page
    cursor = _parse_cursor(before)
    rows = _audit_rows(names, "newest" if cursor is None else "older", size, conditions, cursor)
    more_older = len(rows) > size
    rows = rows[:size]
    return AuditPage(
        events=_described(rows),
        newer=audit_cursor(rows[0]) if cursor is not None and rows else None,
        older=audit_cursor(rows[-1]) if more_older else None,
        first=cursor is None,
    )


def _audit_rows(names, direction: str, size: int, conditions: dict, cursor) -> list[AuditRow]:
    ids = dict(conditions)
    if cursor is not None:
        ids["cursor_at"], ids["cursor_id"] = cursor
    rows = _AUDIT_PAGE.rows(shape=(names, direction, size), **ids)
    return [AuditRow(**row) for row in rows]


def _audit_page_query(names, direction: str, size: int, **ids) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(*[AUDIT_CONDITIONS[name](ids[name]) for name in names])
    if direction == "newer":
        at, pk = ids["cursor_at"], ids["cursor_id"]
        events = events.filter(Q(at__gte=at), Q(at__gt=at) | Q(at=at, id__gt=pk))
        events = events.order_by("at", "id")
    else:
        if direction == "older":
            at, pk = ids["cursor_at"], ids["cursor_id"]
            events = events.filter(Q(at__lte=at), Q(at__lt=at) | Q(at=at, id__lt=pk))
        events = events.order_by("-at", "-id")
    return with_record_exists(events).values(*AUDIT_ROW_FIELDS, "existing_record")[: size + 1]


_AUDIT_PAGE = Prepared(AuditEvent, _audit_page_query)


def with_record_exists(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Each event with its record's reference where the record still exists (a deleted one
    keeps its events, not its page), read in the events' own query: a LEFT JOIN on the
    record's primary key, looked up for the page's rows only. (An EXISTS was planned as a
    hash of every record's id, 26 ms at 100,000 records on PostgreSQL.)"""
    return events.annotate(existing_record=F("record__reference"))


# --- A case's earlier decisions (section 13, "can I share the same information again") ------

EARLIER_SHOWN = 20


def earlier_decisions(
    user: User,
    subject_reference: str,
    *,
    exclude: DecisionRecord | None = None,
    limit: int = EARLIER_SHOWN,
) -> list[dict]:
    """The submitted decisions about this exact case reference that the user may see
    (``records_visible_to``: their own; their teams' for a manager), newest first, as plain
    values: a few columns and the few JSON keys shown, never the answers or snapshot whole.
    Nothing for a blank reference; nothing at all of what the user may not see."""
    reference = (subject_reference or "").strip()
    if not reference:
        return []
    records = (
        records_visible_to(user)
        .select_related(None)
        .exclude(state=State.DRAFT)
        .filter(subject_reference=reference)
    )
    if exclude is not None and exclude.pk:
        records = records.exclude(pk=exclude.pk)
    rows = records.values(
        "reference",
        "state",
        "outcome",
        "other_agency",
        "submitted_at",
        "review_date",
        "outcome_title",
        consent=KT("answers__consent"),
        consent_absent_reason=KT("answers__consent_absent_reason"),
        consent_limits=KeyTransform("consent_limits", "snapshot"),
    ).order_by("-submitted_at", "-id")[:limit]
    today = timezone.localdate()
    earlier = []
    for row in rows:
        row["review_passed"] = row["review_date"] is not None and row["review_date"] < today
        row["consent_refused"] = row["consent"] == "no" and row["consent_absent_reason"] in (
            "refused",
            "withdrawn",
        )
        if not isinstance(row["consent_limits"], dict):
            row["consent_limits"] = {}
        earlier.append(row)
    return earlier


def references_visible_to(user: User, references) -> list[str]:
    """Of these record references, those the user may open, in the order given: a record
    page lists the earlier decisions its author was shown, but only those the viewer may
    see."""
    wanted = [ref for ref in references or [] if isinstance(ref, str) and ref]
    if not wanted:
        return []
    visible = set(
        records_visible_to(user)
        .select_related(None)
        .exclude(state=State.DRAFT)
        .filter(reference__in=wanted)
        .values_list("reference", flat=True)
    )
    return [ref for ref in wanted if ref in visible]


# --- Disagreements between agencies (section 14) ----------------------------------------------

DISAGREEMENT_PARTY_MAX = 300
DISAGREEMENT_TEXT_MAX = 5000


def open_disagreement_exists() -> Exists:
    """For a list or queue: whether the row's record has an open disagreement."""
    return Exists(
        Disagreement.objects.filter(record=OuterRef("pk"), status=Disagreement.Status.OPEN)
    )


def may_record_disagreement(*, user: User, record: DecisionRecord) -> bool:
    """On a submitted record: its author, or a manager answering for it; never an auditor."""
    if record.is_draft or user.is_auditor:
        return False
    return record.author_id == user.pk or may_act_on(user=user, record=record)


def disagreements_for(record: DecisionRecord) -> list[Disagreement]:
    """The record's disagreements, oldest first, each with its steps (two queries)."""
    return list(
        record.disagreements.select_related("raised_by", "resolved_by")
        .prefetch_related(
            Prefetch(
                "steps", queryset=DisagreementStep.objects.select_related("by").order_by("at", "pk")
            )
        )
        .order_by("raised_at", "pk")
    )


def disagreement_get(*, record: DecisionRecord, pk: int) -> Disagreement:
    """One of the record's disagreements (the record is already one the user may see)."""
    try:
        return record.disagreements.get(pk=pk)
    except Disagreement.DoesNotExist:
        raise Http404("No such disagreement.") from None
