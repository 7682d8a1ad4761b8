"""Every change of state goes through here, inside a transaction, with its audit event."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    Max,
    OuterRef,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from records import audit, insight_counts, notifications
from records.fingerprint import record_fingerprint
from records.models import (
    EDITABLE_STATES,
    Addendum,
    AuditEvent,
    DecisionRecord,
    Disagreement,
    DisagreementStep,
    ManagerDecision,
    SharingConfirmation,
    Submission,
    User,
    UserSession,
    queue_summary,
)
from records.rows import PreparedModels, RowUpdate
from records.selectors import (
    ADDENDUM_MAX,
    DISAGREEMENT_PARTY_MAX,
    DISAGREEMENT_TEXT_MAX,
    LEGAL_HOLD_LIFTED,
    LEGAL_HOLD_REASON_MAX,
    LEGAL_HOLD_SET,
    approval_scope_for,
    draft_kept_until,
    is_draft_due,
    is_due_for_retention,
    may_act_on,
    may_record_disagreement,
    no_longer_awaiting_message,
    record_for_page,
    record_page_query,
    record_page_read,
)

State = DecisionRecord.State
Kind = ManagerDecision.Kind


class StaleState(Exception):
    """The record is no longer in the state the action expected (someone acted first)."""


class OwnDecision(PermissionDenied):
    """Nobody approves or reviews a decision they made themselves."""


def audit_log(
    *,
    event: str,
    actor: User | None = None,
    record: DecisionRecord | None = None,
    ip: str | None = None,
    details: Mapping | None = None,
    record_reference: str | None = None,
) -> AuditEvent:
    """The one way an audit event is written: appended to the hash chain (records.audit),
    inside the caller's transaction or one of its own. ``record_reference`` stands alone
    when there is no record to link (a refused URL's reference, as it was asked for)."""
    return audit.append(**_event_fields(event, actor, record, ip, details, record_reference))


def record_open(*, user: User, reference: str, ip: str | None) -> DecisionRecord:
    """The record as its page shows it (``selectors.record_for_page``: 404 where this user
    may not see it) and its VIEWED event: nobody sees a record without the event.

    On PostgreSQL both are one statement: the record's read calls ``records_audit_append``
    (migration 0018) for the row it finds, so a view costs no round trip of its own, and a
    record not found writes nothing (its 404 is audited as any other, records.middleware).
    The app writes the event's canonical JSON around the record's id, which the database
    fills in with the time and the link (``audit.canonical_around_record``)."""
    alias = router.db_for_write(AuditEvent)
    if connections[alias].vendor != "postgresql" or router.db_for_read(DecisionRecord) != alias:
        record = record_for_page(user=user, reference=reference)
        audit_log(event=AuditEvent.Event.VIEWED, actor=user, record=record, ip=ip)
        return record
    row = audit.event_row(**_event_fields(AuditEvent.Event.VIEWED, user, None, ip, None, reference))
    before_at, before_prev_hash, after_record = audit.canonical_around_record(audit.content_of(row))
    ids = {"ip": row.ip} if row.ip else {}
    return record_page_read(
        _RECORD_OPENED,
        user=user,
        reference=reference,
        shape=(bool(row.ip),),
        username=row.actor_username,
        before_at=before_at,
        before_prev_hash=before_prev_hash,
        after_record=after_record,
        **ids,
    )


def _record_opened(
    role: str,
    has_ip: bool,
    *,
    user: int,
    reference: str,
    username: str,
    before_at: str,
    before_prev_hash: str,
    after_record: str,
    organisation: int | None = None,
    ip: str | None = None,
):
    # The event is of the row read, or of none: its record's id and reference are the row's,
    # and the id goes into its canonical JSON between the pieces around it.
    record = '"records_decisionrecord"'
    appended = RawSQL(  # noqa: S611 - constant SQL; every value a parameter
        f'(records_audit_append(%s, %s, %s, %s, %s, {record}."id", {record}."reference", '
        + ("%s" if has_ip else "NULL")
        + f', \'{{}}\', %s, %s, %s::text || {record}."id"::text || %s::text))."event_id"',
        [
            audit.CHAIN_LOCK_ID,
            AuditEvent.Event.VIEWED.value,
            user,
            username,
            role,
            *([ip] if has_ip else []),
            before_at,
            before_prev_hash,
            audit.BEFORE_RECORD,
            after_record,
        ],
        output_field=BigIntegerField(),
    )
    return record_page_query(
        role, user=user, reference=reference, organisation=organisation, viewed_event=appended
    )


_RECORD_OPENED = PreparedModels(DecisionRecord, _record_opened)


def audit_log_with_change(
    change: tuple[str, list],
    *,
    event: str,
    actor: User | None = None,
    record: DecisionRecord | None = None,
    ip: str | None = None,
    details: Mapping | None = None,
) -> AuditEvent | None:
    """``audit_log`` with the change it records (one UPDATE, ``rows.RowUpdate.statement``)
    in the same transaction; None, with nothing changed or written, where the change matched
    no row (records.audit ``append_with_change``)."""
    return audit.append_with_change(
        change, **_event_fields(event, actor, record, ip, details, None)
    )


def _event_fields(event, actor, record, ip, details, record_reference) -> dict:
    if record_reference is None:
        record_reference = (record.reference or "") if record else ""
    return {
        "event": event,
        "actor_id": actor.pk if actor is not None and actor.pk else None,
        "actor_username": getattr(actor, "username", "") or "",
        "actor_role": getattr(actor, "role", "") or "",
        "record_id": record.pk if record is not None else None,
        "record_reference": record_reference,
        "ip": ip,
        "details": details or {},
    }


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


# A wizard page's save: on every page, so written once (rows.RowUpdate). The state must be
# the one the page was shown in (and editable): a draft returned meanwhile is refused.
_SAVE_STEP = RowUpdate(
    DecisionRecord,
    fields=("answers", "completed_steps", "updated_at"),
    where=("id", "author", "state"),
)


def _records_connection():
    return connections[router.db_for_write(DecisionRecord)]


def decision_save_step(
    *,
    record: DecisionRecord,
    author: User,
    step: str,
    values: Mapping,
    completed_steps: Sequence[str],
    ip: str | None = None,
) -> DecisionRecord:
    """Save one wizard page into a draft, or a decision returned for changes. Later answers
    are kept until submission; what was submitted before stays in its round."""
    answers = {**record.answers, **values}
    saved = {
        "answers": answers,
        "completed_steps": list(completed_steps),
        "updated_at": timezone.now(),
    }
    # The UPDATE matches the state the page was shown in, so a draft returned or submitted
    # meanwhile is refused rather than changed (or miscounted).
    matching = {"id": record.pk, "author": author.pk, "state": record.state}
    event = {
        "event": AuditEvent.Event.STEP_ANSWERED,
        "actor": author,
        "record": record,
        "ip": ip,
        "details": {"step": step},
    }
    if record.state == State.RETURNED:
        _save_returned_step(saved=saved, matching=matching, event=event)
    elif record.state != State.DRAFT or not audit_log_with_change(
        _SAVE_STEP.statement(saved, matching, connection=_records_connection()), **event
    ):
        raise StaleState(f"{record.reference} can no longer be changed.")
    record.answers = answers
    record.completed_steps = list(completed_steps)
    return record


@transaction.atomic
def _save_returned_step(*, saved: dict, matching: dict, event: dict) -> None:
    """A returned decision is counted, by its answers too (the reason consent was not
    obtained), so its save reads the counted values first, under a lock; a draft is not
    counted, and its save reads nothing."""
    before = (
        DecisionRecord.objects.select_for_update()
        .filter(pk=matching["id"], state=State.RETURNED)
        .values(*insight_counts.FIELDS)
        .first()
    )
    if before is None or not _SAVE_STEP.update(saved, matching):
        raise StaleState(f"{event['record'].reference} can no longer be changed.")
    insight_counts.change(before=before, after={**before, "answers": saved["answers"]})
    audit_log(**event)


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
    """Freeze a finished draft, or resubmit a returned one. Each submission is a round of
    its own, kept whole; nothing submitted is ever overwritten.

    ``summary`` carries the few fields copied out for listing and search:
    direction, urgent, subject_reference, subject_type, other_agency, lawful_basis (the
    Article 6 code, blank when nothing is shared) and reasons_text (every free-text answer
    on the path, one a line, for the auditors' text search).
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
        "lawful_basis": summary.get("lawful_basis", ""),
        "reasons_text": summary.get("reasons_text", ""),
        **queue_summary(snapshot),
        "review_date": review_date,
        "approval_scope": approval_scope_for(record) if requires_approval else "",
        "submitted_at": timezone.now(),
        "retain_until": retain_until_for(timezone.localdate()),
        "updated_at": timezone.now(),
    }
    # The counted fields before (a returned decision is counted where it was), read locked.
    before = (
        DecisionRecord.objects.select_for_update()
        .filter(pk=record.pk)
        .values(*insight_counts.FIELDS)
        .first()
    )
    # A conditional update: a double submit, or a submit racing another tab, wins once.
    updated = DecisionRecord.objects.filter(
        pk=record.pk, author=author, state__in=EDITABLE_STATES
    ).update(**fields)
    if not updated:
        raise StaleState(f"{record.reference} has already been submitted.")
    insight_counts.change(before=before, after=insight_counts.values_of(record.pk))
    if outcome:
        insight_counts.keep_outcome_title(outcome, snapshot)
    for name, value in fields.items():
        setattr(record, name, value)
    round_number = (record.submissions.aggregate(last=Max("number"))["last"] or 0) + 1
    Submission.objects.create(
        record=record,
        number=round_number,
        submitted_at=record.submitted_at,
        submitted_by=author,
        outcome=outcome,
        state_after=state,
        answers=record.answers,
        snapshot=record.snapshot,
    )
    audit_log(
        event=AuditEvent.Event.SUBMITTED,
        actor=author,
        record=record,
        ip=ip,
        details={
            "outcome": outcome,
            "state": state,
            "flowchart_version": flowchart_version,
            "round": round_number,
            # In the hash chain: verify_audit recomputes it from the record.
            "fingerprint": record_fingerprint(record),
        },
    )
    if state in (State.AWAITING_APPROVAL, State.AWAITING_REVIEW):
        # After the commit, and robust: a mail server that is down is logged, and does not
        # turn a submission that happened into an error page.
        transaction.on_commit(lambda: notifications.notify_approvers(record), robust=True)
    return record


def _current_round(record: DecisionRecord) -> int:
    return record.submissions.aggregate(last=Max("number"))["last"] or 0


def _ensure_may_act(manager: User, record: DecisionRecord) -> None:
    if record.author_id == manager.pk:
        raise OwnDecision("You made this decision, so another manager must approve or review it.")
    if not may_act_on(user=manager, record=record):
        raise PermissionDenied("Only a manager of the decision's team may act on it.")


def _already_dealt_with(record: DecisionRecord) -> StaleState:
    """Tell the manager who acted first, and what they did."""
    current = DecisionRecord.objects.filter(pk=record.pk).first()
    if current is None:
        return StaleState(f"{record.reference} no longer exists.")
    return StaleState(no_longer_awaiting_message(current))


# What each manager action needs and does: from which state, to which, with which audit
# event, and whether a comment is required.
_ACTIONS: dict[str, tuple[str, str | None, str, bool]] = {
    Kind.APPROVED: (State.AWAITING_APPROVAL, None, AuditEvent.Event.APPROVED, False),
    Kind.RETURNED: (State.AWAITING_APPROVAL, State.RETURNED, AuditEvent.Event.RETURNED, True),
    Kind.REJECTED: (State.AWAITING_APPROVAL, State.REJECTED, AuditEvent.Event.REJECTED, True),
    Kind.ENDORSED: (State.AWAITING_REVIEW, State.RECORDED, AuditEvent.Event.REVIEWED, False),
    Kind.CONCERN: (State.AWAITING_REVIEW, State.RECORDED, AuditEvent.Event.REVIEWED, True),
}


_COMMENT_REQUIRED = {
    Kind.RETURNED: "Say what needs to change before returning the decision.",
    Kind.REJECTED: "Give the reason for rejecting the decision.",
    Kind.CONCERN: "Describe the concern.",
}


@transaction.atomic
def decision_act(
    *,
    record: DecisionRecord,
    manager: User,
    kind: str,
    comment: str = "",
    ip: str | None = None,
    expected_round: int | None = None,
) -> ManagerDecision:
    """A manager approves, returns or rejects a decision awaiting approval, or endorses or
    records a concern about an urgent share awaiting review. Exactly one of two managers
    acting at once wins; the other gets ``StaleState`` naming who acted first.

    ``expected_round`` is the round the manager was shown: if the decision has been
    resubmitted since, they have not seen what they would be approving (``StaleState``).
    """
    if kind not in _ACTIONS:
        raise ValueError(f"Unknown action {kind!r}.")
    expected, new_state, event, needs_comment = _ACTIONS[kind]
    # Who may act is settled first: someone who may not is told so, not asked for a comment.
    _ensure_may_act(manager, record)
    comment = (comment or "").strip()
    if needs_comment and not comment:
        raise ValidationError(_COMMENT_REQUIRED[kind], code="required")
    if new_state is None:
        # An approved share waits for the practitioner to confirm it happened; an approved
        # refusal is recorded at once. Read from the row being updated, not from the
        # caller's copy, which may predate a resubmission that changed the outcome.
        new_state = Case(
            When(shares=True, then=Value(State.APPROVED)),
            default=Value(State.RECORDED),
            output_field=CharField(),
        )
    now = timezone.now()
    awaiting = DecisionRecord.objects.filter(pk=record.pk, state=expected)
    if expected_round is not None:
        awaiting = awaiting.exclude(
            Exists(Submission.objects.filter(record=OuterRef("pk"), number__gt=expected_round))
        )
    updated = awaiting.update(state=new_state, updated_at=now)
    if not updated:
        latest = _current_round(record)
        still_awaiting = DecisionRecord.objects.filter(pk=record.pk, state=expected).exists()
        if expected_round is not None and latest > expected_round and still_awaiting:
            raise StaleState(
                f"{record.reference} has been resubmitted since you opened it: read round "
                f"{latest} before you act."
            )
        raise _already_dealt_with(record)
    after = insight_counts.values_of(record.pk)
    record.state, record.shares = after["state"], after["shares"]
    record.updated_at = now
    insight_counts.change(before={**after, "state": expected}, after=after)
    decision = ManagerDecision.objects.create(
        record=record, round=_current_round(record), kind=kind, by=manager, at=now, comment=comment
    )
    insight_counts.manager_decision_added(decision, team_id=after["team_id"])
    audit_log(
        event=event,
        actor=manager,
        record=record,
        ip=ip,
        details={"action": kind, "state": record.state, "round": decision.round},
    )
    # Robust, as for submissions: the decision stands whether or not the e-mail goes.
    transaction.on_commit(lambda: notifications.notify_author(record, kind), robust=True)
    return decision


@transaction.atomic
def decision_confirm_sharing(
    *,
    record: DecisionRecord,
    author: User,
    shared_on: datetime.date,
    means: str,
    recipient: str,
    ip: str | None = None,
) -> SharingConfirmation:
    """The practitioner confirms an approved share happened; the record is then complete."""
    if shared_on > timezone.localdate():
        raise ValidationError("The date of sharing cannot be in the future.")
    now = timezone.now()
    updated = DecisionRecord.objects.filter(
        pk=record.pk, author=author, state=State.APPROVED
    ).update(state=State.RECORDED, updated_at=now)
    if not updated:
        raise StaleState(f"{record.reference} is not awaiting confirmation of sharing.")
    record.state = State.RECORDED
    after = insight_counts.values_of(record.pk)
    insight_counts.change(before={**after, "state": State.APPROVED}, after=after)
    confirmation = SharingConfirmation.objects.create(
        record=record,
        shared_on=shared_on,
        means=means,
        recipient=recipient,
        confirmed_by=author,
        confirmed_at=now,
    )
    audit_log(
        event=AuditEvent.Event.SHARING_CONFIRMED,
        actor=author,
        record=record,
        ip=ip,
        details={"shared_on": shared_on.isoformat()},
    )
    return confirmation


@transaction.atomic
def decision_reconsider(
    *, record: DecisionRecord, user: User, ip: str | None = None
) -> DecisionRecord:
    """Start a new decision linked to a rejected one or a recorded refusal. The old record
    stays as it was; the new draft starts from its answers, every page to be confirmed."""
    if not record.can_be_reconsidered:
        raise StaleState(f"{record.reference} cannot be reconsidered.")
    if record.author_id != user.pk and not may_act_on(user=user, record=record):
        raise PermissionDenied("Only the author or a manager of the team may reconsider it.")
    started = DecisionRecord.objects.filter(author=user, reconsiders=record, state=State.DRAFT)
    if (existing := started.first()) is not None:
        return existing  # pressed twice, or come back to: one draft, not two
    new = decision_start(author=user, ip=ip, reconsiders=record)
    DecisionRecord.objects.filter(pk=new.pk).update(answers=dict(record.answers))
    new.answers = dict(record.answers)
    audit_log(
        event=AuditEvent.Event.RECONSIDERED,
        actor=user,
        record=record,
        ip=ip,
        details={"new_reference": new.reference},
    )
    return new


# --- Addenda, legal hold and retention -------------------------------------------------------


class RetentionBlocked(Exception):
    """A record due for deletion that must stay: a later decision reconsiders it."""


def retain_until_for(decided_on: datetime.date) -> datetime.date:
    """Kept this long after the decision (``RETENTION_YEARS``); 29 February keeps to the 28th."""
    years = settings.RETENTION_YEARS
    try:
        return decided_on.replace(year=decided_on.year + years)
    except ValueError:
        return decided_on.replace(year=decided_on.year + years, day=28)


def _locked(record: DecisionRecord) -> DecisionRecord:
    """The record's row as it is now, locked until the transaction ends; StaleState where it
    was deleted meanwhile."""
    current = DecisionRecord.objects.select_for_update().filter(pk=record.pk).first()
    if current is None:
        raise StaleState(f"{record.reference} no longer exists.")
    return current


@transaction.atomic
def addendum_add(
    *, record: DecisionRecord, author: User, kind: str, text: str, ip: str | None = None
) -> Addendum:
    """Append a correction or a later fact to a submitted record: dated, signed, audited. The
    record's own answers and reasons stay exactly as submitted."""
    if author.is_auditor:
        raise PermissionDenied("Auditors read records; they do not add to them.")
    if record.author_id != author.pk and not may_act_on(user=author, record=record):
        raise PermissionDenied("Only the author or a manager of the team may add an addendum.")
    if kind not in Addendum.Kind.values:
        raise ValidationError("Select what kind of addendum this is.", code="invalid_choice")
    text = (text or "").strip()
    if not text:
        raise ValidationError("Enter the addendum.", code="required")
    if len(text) > ADDENDUM_MAX:
        raise ValidationError(
            f"The addendum must be {ADDENDUM_MAX:,} characters or fewer.", code="max_length"
        )
    current = _locked(record)
    if current.state == State.DRAFT:
        raise StaleState(f"{record.reference} is a draft: change its answers instead.")
    addendum = Addendum.objects.create(
        record=record, author=author, at=timezone.now(), kind=kind, text=text
    )
    audit_log(
        event=AuditEvent.Event.ADDENDUM,
        actor=author,
        record=record,
        ip=ip,
        details={"addendum": addendum.pk, "kind": kind},
    )
    return addendum


def _legal_hold_change(
    *, record: DecisionRecord, auditor: User, reason: str, hold: bool, ip: str | None
) -> DecisionRecord:
    if not auditor.is_auditor:
        raise PermissionDenied("Only auditors set or lift a legal hold.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Enter the reason.", code="required")
    if len(reason) > LEGAL_HOLD_REASON_MAX:
        raise ValidationError(
            f"The reason must be {LEGAL_HOLD_REASON_MAX:,} characters or fewer.",
            code="max_length",
        )
    # Conditional, as every change of state: two auditors at once change it once.
    updated = (
        DecisionRecord.objects.filter(pk=record.pk, legal_hold=not hold)
        .exclude(state=State.DRAFT)
        .update(legal_hold=hold, legal_hold_reason=reason if hold else "")
    )
    if not updated:
        raise StaleState(
            f"{record.reference} is {'already' if hold else 'not'} on legal hold."
            if DecisionRecord.objects.filter(pk=record.pk).exclude(state=State.DRAFT).exists()
            else f"{record.reference} cannot be put on legal hold."
        )
    record.legal_hold, record.legal_hold_reason = hold, reason if hold else ""
    audit_log(
        event=LEGAL_HOLD_SET if hold else LEGAL_HOLD_LIFTED,
        actor=auditor,
        record=record,
        ip=ip,
        details={"reason": reason},
    )
    return record


@transaction.atomic
def legal_hold_set(
    *, record: DecisionRecord, auditor: User, reason: str, ip: str | None = None
) -> DecisionRecord:
    """Keep a submitted record past its retain-until date, whatever it is, until lifted."""
    return _legal_hold_change(record=record, auditor=auditor, reason=reason, hold=True, ip=ip)


@transaction.atomic
def legal_hold_lift(
    *, record: DecisionRecord, auditor: User, reason: str, ip: str | None = None
) -> DecisionRecord:
    """Lift a legal hold: the record is kept to its retain-until date again. The reason it
    was held stays in the audit trail."""
    return _legal_hold_change(record=record, auditor=auditor, reason=reason, hold=False, ip=ip)


@transaction.atomic
def record_delete_for_retention(*, record: DecisionRecord, on: datetime.date | None = None) -> str:
    """Delete a record past its retain-until date, with its rounds, managers' decisions,
    sharing confirmation and addenda, leaving a RETENTION_DELETION event with its reference.
    Its audit events stay: nothing is done to them on delete.

    Re-checked on the locked row: a hold set, or a state changed, since it was listed keeps it.
    """
    on = on or timezone.localdate()
    current = _locked(record)
    if not is_due_for_retention(current, on=on):
        raise StaleState(f"{record.reference} is not due for deletion.")
    later = DecisionRecord.objects.filter(reconsiders=current).values_list("reference", flat=True)
    if later:
        raise RetentionBlocked(f"{current.reference} is kept: {', '.join(later)} reconsiders it.")
    details = {
        "reference": current.reference,
        "retain_until": current.retain_until.isoformat(),
        "state": current.state,
        "outcome": current.outcome,
        "submitted_at": current.submitted_at.isoformat() if current.submitted_at else "",
    }
    managers_decisions = insight_counts.manager_decisions(
        DecisionRecord.objects.filter(pk=current.pk)
    )
    # A queryset delete leaves ``current.pk`` set, so the event keeps the record's id too.
    DecisionRecord.objects.filter(pk=current.pk).delete()
    insight_counts.change(before=insight_counts.values_from(current), after=None)
    insight_counts.manager_decisions_removed(managers_decisions)
    audit_log(event=AuditEvent.Event.RETENTION_DELETION, record=current, details=details)
    return current.reference


@transaction.atomic
def draft_delete_for_retention(*, record: DecisionRecord, on: datetime.date | None = None) -> str:
    """Delete a draft nobody has changed for ``DRAFT_KEEP_DAYS`` days (``selectors.drafts_due``),
    leaving a RETENTION_DELETION event with its reference and the day it was last changed. Its
    audit events stay, as a discarded draft's do.

    Re-checked on the locked row: a draft changed or submitted since it was listed is kept.
    """
    on = on or timezone.localdate()
    current = _locked(record)
    if not is_draft_due(current, on=on):
        raise StaleState(f"{current.reference} is not a draft due for deletion.")
    details = {
        "reference": current.reference,
        "state": current.state,
        "last_changed": current.updated_at.isoformat(),
        "kept_until": draft_kept_until(current.updated_at).isoformat(),
    }
    # Nothing else holds a draft's data: it has no rounds, decisions or counts yet.
    DecisionRecord.objects.filter(pk=current.pk).delete()
    audit_log(event=AuditEvent.Event.RETENTION_DELETION, record=current, details=details)
    return current.reference


# --- Disagreements between agencies (section 14) ----------------------------------------------


def _ensure_may_disagree(user: User, record: DecisionRecord) -> None:
    if user.is_auditor:
        raise PermissionDenied("Auditors read records; they do not add to them.")
    if not may_record_disagreement(user=user, record=record):
        raise PermissionDenied(
            "Only the author or a manager of the team may record a disagreement."
        )


def _required_text(value: str, *, name: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(f"Enter {name}.", code="required")
    if len(value) > limit:
        raise ValidationError(
            f"{name[0].upper()}{name[1:]} must be {limit:,} characters or fewer.",
            code="max_length",
        )
    return value


@transaction.atomic
def disagreement_raise(
    *,
    record: DecisionRecord,
    user: User,
    direction: str,
    party: str,
    reason: str,
    ip: str | None = None,
) -> Disagreement:
    """Record that another agency disputes our decision, or that we dispute their refusal:
    who disagrees (agency and role) and why. Dated, signed, audited."""
    _ensure_may_disagree(user, record)
    if direction not in Disagreement.Direction.values:
        raise ValidationError("Select who disagrees with whom.", code="invalid_choice")
    party = _required_text(party, name="who disagrees", limit=DISAGREEMENT_PARTY_MAX)
    reason = _required_text(reason, name="why they disagree", limit=DISAGREEMENT_TEXT_MAX)
    current = _locked(record)
    if current.state == State.DRAFT:
        raise StaleState(f"{record.reference} is a draft: submit it first.")
    disagreement = Disagreement.objects.create(
        record=record,
        raised_by=user,
        raised_at=timezone.now(),
        direction=direction,
        party=party,
        reason=reason,
    )
    audit_log(
        event=AuditEvent.Event.DISAGREEMENT_RAISED,
        actor=user,
        record=record,
        ip=ip,
        details={"disagreement": disagreement.pk, "direction": direction},
    )
    return disagreement


def _locked_open(disagreement: Disagreement) -> Disagreement:
    current = (
        Disagreement.objects.select_for_update()
        .filter(pk=disagreement.pk, status=Disagreement.Status.OPEN)
        .first()
    )
    if current is None:
        raise StaleState("This disagreement has been resolved already: it is closed.")
    return current


@transaction.atomic
def disagreement_add_step(
    *,
    disagreement: Disagreement,
    user: User,
    kind: str,
    note: str,
    ip: str | None = None,
) -> DisagreementStep:
    """One thing done about an open disagreement (the flowchart revisited, a conversation
    about sharing less, senior advice, escalation): dated, signed, audited."""
    record = disagreement.record
    _ensure_may_disagree(user, record)
    if kind not in DisagreementStep.Kind.values:
        raise ValidationError("Select what was done.", code="invalid_choice")
    note = _required_text(note, name="what was done and said", limit=DISAGREEMENT_TEXT_MAX)
    _locked_open(disagreement)
    step = DisagreementStep.objects.create(
        disagreement=disagreement, kind=kind, at=timezone.now(), by=user, note=note
    )
    audit_log(
        event=AuditEvent.Event.DISAGREEMENT_STEP,
        actor=user,
        record=record,
        ip=ip,
        details={"disagreement": disagreement.pk, "kind": kind, "step": step.pk},
    )
    return step


@transaction.atomic
def disagreement_resolve(
    *,
    disagreement: Disagreement,
    user: User,
    resolution: str,
    ip: str | None = None,
) -> Disagreement:
    """How the disagreement ended; it is then closed (a conditional update: once)."""
    record = disagreement.record
    _ensure_may_disagree(user, record)
    resolution = _required_text(resolution, name="how it was resolved", limit=DISAGREEMENT_TEXT_MAX)
    now = timezone.now()
    updated = Disagreement.objects.filter(
        pk=disagreement.pk, status=Disagreement.Status.OPEN
    ).update(
        status=Disagreement.Status.RESOLVED,
        resolved_at=now,
        resolved_by=user,
        resolution=resolution,
    )
    if not updated:
        raise StaleState("This disagreement has been resolved already: it is closed.")
    disagreement.status = Disagreement.Status.RESOLVED
    disagreement.resolved_at, disagreement.resolved_by, disagreement.resolution = (
        now,
        user,
        resolution,
    )
    audit_log(
        event=AuditEvent.Event.DISAGREEMENT_RESOLVED,
        actor=user,
        record=record,
        ip=ip,
        details={"disagreement": disagreement.pk},
    )
    return disagreement


def user_sessions_end(*, user: User) -> int:
    """Deletes every session signed in as this user (``UserSession.user``, kept by
    ``records.sessions``); returns how many unexpired ones there were."""
    sessions = UserSession.objects.filter(user=user)
    live = sessions.filter(expire_date__gt=timezone.now()).count()
    sessions.delete()
    return live


@transaction.atomic
def user_deactivate(*, user: User, by: User | None, ip: str | None = None) -> int:
    """Stops the user signing in and ends every session they have now; USER_DEACTIVATED on
    the trail (by whom, the user, how many sessions ended). Returns the sessions ended."""
    if by is not None and by.pk == user.pk:
        raise ValidationError("You cannot deactivate your own account.")
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    ended = user_sessions_end(user=user)
    audit_log(
        event=AuditEvent.Event.USER_DEACTIVATED,
        actor=by,
        ip=ip,
        details={"user": user.username, "user_id": user.pk, "sessions_ended": ended},
    )
    return ended
