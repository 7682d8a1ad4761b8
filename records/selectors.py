"""Reads, and who may see what. Anything not visible is a 404, never a 403."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from records import workdays
from records.models import (
    AWAITING_MANAGER_STATES,
    EDITABLE_STATES,
    DecisionRecord,
    ManagerDecision,
    SharingConfirmation,
    User,
)

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


def records_search(*, user: User, query: str = "") -> QuerySet[DecisionRecord]:
    """Submitted records this user may see, matching a reference, case reference or agency."""
    records = records_visible_to(user).exclude(state=State.DRAFT)
    if query:
        records = records.filter(
            Q(reference__icontains=query)
            | Q(subject_reference__icontains=query)
            | Q(other_agency__icontains=query)
        )
    return records.order_by("-submitted_at")


def record_get_for_user(*, user: User, reference: str) -> DecisionRecord:
    try:
        return records_visible_to(user).get(reference=reference)
    except DecisionRecord.DoesNotExist:
        raise Http404("No such record.") from None


def draft_get_for_author(*, user: User, reference: str) -> DecisionRecord:
    """A draft is seen only by its author."""
    try:
        return DecisionRecord.objects.get(reference=reference, author=user, state=State.DRAFT)
    except DecisionRecord.DoesNotExist:
        raise Http404("No such draft.") from None


def editable_get_for_author(*, user: User, reference: str) -> DecisionRecord:
    """A draft, or a decision returned for changes: only its author sees it in the wizard."""
    try:
        return DecisionRecord.objects.get(
            reference=reference, author=user, state__in=EDITABLE_STATES
        )
    except DecisionRecord.DoesNotExist:
        raise Http404("No such draft.") from None


def drafts_for(user: User) -> QuerySet[DecisionRecord]:
    return DecisionRecord.objects.filter(author=user, state=State.DRAFT).order_by("-updated_at")


def submitted_by(user: User) -> QuerySet[DecisionRecord]:
    return (
        DecisionRecord.objects.filter(author=user)
        .exclude(state=State.DRAFT)
        .order_by("-submitted_at")
    )


def awaiting_author(user: User) -> QuerySet[DecisionRecord]:
    """The author's decisions that wait for them: returned for changes, or approved and
    to be confirmed once shared. Oldest first."""
    return DecisionRecord.objects.filter(
        author=user, state__in=[State.RETURNED, State.APPROVED]
    ).order_by("submitted_at", "pk")


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
        DecisionRecord.objects.select_related("author", "team")
        .filter(_managed_scope(user), state__in=AWAITING_MANAGER_STATES)
        .exclude(author=user)
        .annotate(
            overdue=Case(
                When(_overdue(on or workdays.today()), then=True),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-overdue", "submitted_at", "pk")
    )


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


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def record_timeline(record: DecisionRecord) -> list[TimelineEntry]:
    """The record's life in order: each submission, each manager's decision, the sharing."""
    entries = [
        TimelineEntry(
            at=submission.submitted_at,
            title="Submitted" if submission.number == 1 else "Resubmitted",
            by=_name(submission.submitted_by),
            round=submission.number,
            tag="govuk-tag--blue",
        )
        for submission in record.submissions.select_related("submitted_by")
    ]
    entries += [
        TimelineEntry(
            at=decision.at,
            title=decision.get_kind_display(),
            by=_name(decision.by),
            comment=decision.comment,
            round=decision.round,
            tag=_DECISION_TAGS[decision.kind],
        )
        for decision in record.manager_decisions.select_related("by")
    ]
    confirmation = sharing_confirmation_for(record)
    if confirmation is not None:
        entries.append(
            TimelineEntry(
                at=confirmation.confirmed_at,
                title="Sharing confirmed",
                by=_name(confirmation.confirmed_by),
                tag="govuk-tag--turquoise",
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


def sharing_confirmation_for(record: DecisionRecord) -> SharingConfirmation | None:
    return SharingConfirmation.objects.select_related("confirmed_by").filter(record=record).first()


def rounds_for(record: DecisionRecord):
    """Every round as submitted, with the manager's decisions on it, newest last."""
    decisions = list(record.manager_decisions.select_related("by"))
    return [
        (submission, [d for d in decisions if d.round == submission.number])
        for submission in record.submissions.select_related("submitted_by")
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
            f"by {_name(last.by)}, {timezone.localtime(last.at):%-d %B %Y at %H:%M}."
        )
    return (
        f"{record.reference} is not awaiting approval or review: it is "
        f"{record.get_state_display().lower()}."
    )
