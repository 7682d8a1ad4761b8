"""Reads, and who may see what. Anything not visible is a 404, never a 403."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from records.models import DecisionRecord, User

State = DecisionRecord.State


def records_visible_to(user: User) -> QuerySet[DecisionRecord]:
    """Submitted records this user may read, plus their own drafts."""
    records = DecisionRecord.objects.select_related("author", "team")
    own = Q(author=user)
    if user.is_auditor:
        return records.filter(own | ~Q(state=State.DRAFT))
    if user.is_manager:
        managed = Q(team__in=user.managed_teams.all()) & ~Q(state=State.DRAFT)
        return records.filter(own | managed)
    return records.filter(own)


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


def drafts_for(user: User) -> QuerySet[DecisionRecord]:
    return DecisionRecord.objects.filter(author=user, state=State.DRAFT).order_by("-updated_at")


def submitted_by(user: User) -> QuerySet[DecisionRecord]:
    return (
        DecisionRecord.objects.filter(author=user)
        .exclude(state=State.DRAFT)
        .order_by("-submitted_at")
    )


def awaiting_action_for_manager(user: User) -> QuerySet[DecisionRecord]:
    """Decisions in this manager's teams waiting for them: never their own."""
    return (
        DecisionRecord.objects.select_related("author")
        .filter(
            team__in=user.managed_teams.all(),
            state__in=[State.AWAITING_APPROVAL, State.AWAITING_REVIEW],
        )
        .exclude(author=user)
        .order_by("submitted_at")
    )
