"""Every change of state goes through here, inside a transaction, with its audit event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from records.models import AuditEvent, DecisionRecord, User

State = DecisionRecord.State


class StaleState(Exception):
    """The record is no longer in the state the action expected (someone acted first)."""


def audit_log(
    *,
    event: str,
    actor: User | None = None,
    record: DecisionRecord | None = None,
    ip: str | None = None,
    details: Mapping | None = None,
) -> AuditEvent:
    """The one way an audit event is written."""
    return AuditEvent.objects.create(
        event=event,
        actor=actor if actor is not None and actor.pk else None,
        actor_username=getattr(actor, "username", "") or "",
        actor_role=getattr(actor, "role", "") or "",
        record=record,
        record_reference=(record.reference or "") if record else "",
        ip=ip,
        details=dict(details or {}),
    )


def _reference_for(record: DecisionRecord) -> str:
    return f"ISD-{record.created_at:%Y}-{record.pk:05d}"


@transaction.atomic
def decision_start(
    *, author: User, ip: str | None = None, reconsiders: DecisionRecord | None = None
) -> DecisionRecord:
    if not author.can_decide:
        raise PermissionDenied("Only practitioners and managers start decisions.")
    record = DecisionRecord.objects.create(author=author, team=author.team, reconsiders=reconsiders)
    record.reference = _reference_for(record)
    record.save(update_fields=["reference"])
    audit_log(event=AuditEvent.Event.RECORD_CREATED, actor=author, record=record, ip=ip)
    return record


@transaction.atomic
def decision_save_step(
    *,
    record: DecisionRecord,
    author: User,
    step: str,
    values: Mapping,
    completed_steps: Sequence[str],
    ip: str | None = None,
) -> DecisionRecord:
    """Save one wizard page into a draft. Later answers are kept until submission."""
    answers = {**record.answers, **values}
    updated = DecisionRecord.objects.filter(pk=record.pk, author=author, state=State.DRAFT).update(
        answers=answers, completed_steps=list(completed_steps), updated_at=timezone.now()
    )
    if not updated:
        raise StaleState(f"{record.reference} is no longer a draft.")
    record.answers = answers
    record.completed_steps = list(completed_steps)
    audit_log(
        event=AuditEvent.Event.STEP_ANSWERED,
        actor=author,
        record=record,
        ip=ip,
        details={"step": step},
    )
    return record


@transaction.atomic
def decision_discard(*, record: DecisionRecord, author: User, ip: str | None = None) -> None:
    """Delete a draft its author no longer wants. Submitted records are never deleted here;
    the audit trail keeps the reference and that the draft existed."""
    deleted, _ = DecisionRecord.objects.filter(
        pk=record.pk, author=author, state=State.DRAFT
    ).delete()
    if not deleted:
        raise StaleState(f"{record.reference} is no longer a draft.")
    audit_log(event=AuditEvent.Event.DRAFT_DELETED, actor=author, record=record, ip=ip)


@transaction.atomic
def decision_submit(
    *,
    record: DecisionRecord,
    author: User,
    answers: Mapping,
    path: Sequence[str],
    outcome: str,
    shares: bool,
    requires_approval: bool,
    approval_timing: str | None,
    flowchart_version: str,
    snapshot: Mapping,
    summary: Mapping,
    review_date=None,
    ip: str | None = None,
) -> DecisionRecord:
    """Freeze a finished draft. From here on its answers and reasons never change.

    ``summary`` carries the few fields copied out for listing and search:
    direction, urgent, subject_reference, subject_type, other_agency.
    """
    if not requires_approval:
        state = State.RECORDED
    elif approval_timing == "retrospective":
        state = State.AWAITING_REVIEW
    else:
        state = State.AWAITING_APPROVAL
    fields = {
        "state": state,
        "answers": dict(answers),
        "path": list(path),
        "outcome": outcome,
        "shares": shares,
        "requires_approval": requires_approval,
        "approval_timing": approval_timing or "",
        "flowchart_version": flowchart_version,
        "snapshot": dict(snapshot),
        "direction": summary.get("direction", ""),
        "urgent": bool(summary.get("urgent")),
        "subject_reference": summary.get("subject_reference", ""),
        "subject_type": summary.get("subject_type", ""),
        "other_agency": summary.get("other_agency", ""),
        "review_date": review_date,
        "submitted_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    # A conditional update: a double submit, or a submit racing another tab, wins once.
    updated = DecisionRecord.objects.filter(pk=record.pk, author=author, state=State.DRAFT).update(
        **fields
    )
    if not updated:
        raise StaleState(f"{record.reference} has already been submitted.")
    for name, value in fields.items():
        setattr(record, name, value)
    audit_log(
        event=AuditEvent.Event.SUBMITTED,
        actor=author,
        record=record,
        ip=ip,
        details={"outcome": outcome, "state": state, "flowchart_version": flowchart_version},
    )
    return record
