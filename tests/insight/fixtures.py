"""A fixed set of records for the insight tests: every outcome and every submitted state, a
draft, a month boundary either side (GMT and BST), manager decisions inside and outside the
period, and one record in another team. All fictional."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from records import insight_counts
from records.models import DecisionRecord, ManagerDecision, Submission

State = DecisionRecord.State
LONDON = ZoneInfo("Europe/London")
PERIOD = {"date_from": "2025-01-01", "date_to": "2025-03-31"}
HOSTILE_AGENCY = "=cmd|' /C calc'!A0"
SHARES = {
    "share_with_consent": True,
    "share_not_confidential": True,
    "share_not_identifiable": True,
    "share_without_consent": True,
    "not_share_no_purpose": False,
    "not_share_no_basis": False,
}


def at(text: str) -> datetime.datetime:
    """A local (London) time."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def make(team, author, outcome, submitted, *, state=State.RECORDED, reason="", **fields):
    answers = {"consent": "no", "consent_absent_reason": reason} if reason else {}
    record = DecisionRecord.objects.create(
        author=author,
        team=team,
        outcome=outcome,
        shares=SHARES[outcome],
        state=state,
        direction=fields.pop("direction", "proactive"),
        submitted_at=at(submitted) if submitted else None,
        answers=answers,
        **fields,
    )
    record.reference = f"ISD-TEST-{record.pk:05d}"
    record.save(update_fields=["reference"])
    # Made directly, not through the services: counted as decision_submit would count it.
    insight_counts.change(before=None, after=insight_counts.values_from(record))
    return record


def decide(record, by, kind, when, *, round=1, submitted=None):
    Submission.objects.get_or_create(
        record=record,
        number=round,
        defaults={
            "submitted_at": at(submitted) if submitted else record.submitted_at,
            "submitted_by": record.author,
            "outcome": record.outcome,
            "state_after": State.AWAITING_APPROVAL,
        },
    )
    decision = ManagerDecision.objects.create(
        record=record, round=round, kind=kind, by=by, at=at(when)
    )
    insight_counts.manager_decision_added(decision, team_id=record.team_id)


def fixed_records(*, team, other_team, author, other_author, manager):
    Kind = ManagerDecision.Kind
    past, future = datetime.date(2025, 6, 1), datetime.date(2099, 1, 1)
    make(team, author, "share_with_consent", "2025-01-10T10:00", direction="request",
         lawful_basis="consent", other_agency="Agency A")  # fmt: skip
    make(team, author, "share_without_consent", "2025-01-31T23:30", state=State.AWAITING_APPROVAL,
         reason="increase_risk", lawful_basis="public_task", other_agency="Agency B",
         review_date=past)  # fmt: skip
    r3 = make(team, author, "not_share_no_basis", "2025-02-01T00:30", direction="request",
              reason="refused", requires_approval=True)  # fmt: skip
    decide(r3, manager, Kind.APPROVED, "2025-02-04T09:00")
    make(team, author, "share_without_consent", "2025-02-14T12:00", state=State.AWAITING_REVIEW,
         urgent=True, reason="undue_delay", lawful_basis="vital_interests",
         other_agency="Agency B")  # fmt: skip
    r5 = make(team, author, "not_share_no_purpose", "2025-02-20T09:00", state=State.REJECTED,
              direction="request", review_date=datetime.date(2025, 5, 1))  # fmt: skip
    decide(r5, manager, Kind.REJECTED, "2025-02-20T15:00")
    r6 = make(team, author, "share_not_confidential", "2025-03-31T23:30", state=State.RETURNED,
              lawful_basis="legal_obligation", other_agency="Agency A")  # fmt: skip
    decide(r6, manager, Kind.RETURNED, "2025-04-01T10:00")  # after the period
    r7 = make(team, author, "share_without_consent", "2025-03-10T09:00", state=State.APPROVED,
              reason="increase_risk", lawful_basis="public_task", other_agency="Agency A",
              review_date=future)  # fmt: skip
    decide(r7, manager, Kind.RETURNED, "2025-03-04T11:00", submitted="2025-03-03T09:00")
    decide(r7, manager, Kind.APPROVED, "2025-03-13T11:00", round=2)
    make(team, author, "share_not_identifiable", "2025-03-15T10:00", review_date=future)
    r9 = make(team, author, "share_without_consent", "2025-03-20T16:00", urgent=True,
              reason="cannot_find", lawful_basis="public_task",
              other_agency=HOSTILE_AGENCY)  # fmt: skip
    decide(r9, manager, Kind.ENDORSED, "2025-03-24T09:00")
    # Outside the period (1 April, BST: still 31 March in UTC), a draft, and another team's.
    make(team, author, "share_with_consent", "2025-04-01T00:30")
    make(team, author, "share_with_consent", None, state=State.DRAFT)
    make(other_team, other_author, "share_without_consent", "2025-02-10T10:00",
         state=State.AWAITING_APPROVAL, reason="increase_risk", lawful_basis="public_task",
         other_agency="Agency A")  # fmt: skip


MONTHS = ["January 2025", "February 2025", "March 2025"]

# What the manager of the team sees (a single team: exact figures).
EXPECTED = {
    "outcomes": [
        ["January 2025", "1", "0", "0", "1", "0", "0", "2"],
        ["February 2025", "0", "0", "0", "1", "1", "1", "3"],
        ["March 2025", "0", "1", "1", "2", "0", "0", "4"],
        ["Total", "1", "1", "1", "4", "1", "1", "9"],
    ],
    "without_consent": [
        ["January 2025", "1", "2", "50%"],
        ["February 2025", "1", "3", "33%"],
        ["March 2025", "2", "4", "50%"],
        ["Total", "4", "9", "44%"],
    ],
    "consent_reasons": [
        ["They refused", "1"],
        ["They gave consent and then withdrew it", "0"],
        ["Not sought: asking would increase the risk of harm", "2"],
        ["Not sought: asking would prejudice preventing or detecting serious crime", "0"],
        ["Not sought: asking would cause undue delay", "1"],
        ["The person cannot be found", "1"],
        ["The person lacks capacity to decide", "0"],
        ["Not attempted, for another reason", "0"],
        ["Total", "5"],
    ],
    "refusals": [
        ["January 2025", "0", "1", "0%"],
        ["February 2025", "2", "2", "100%"],
        ["March 2025", "0", "0", "–"],
        ["Total", "2", "3", "67%"],
    ],
    "urgent": [
        ["January 2025", "0"],
        ["February 2025", "1"],
        ["March 2025", "1"],
        ["Total", "2"],
    ],
    "turnaround": [
        [
            "Prior approvals (approved, returned or rejected)",
            "4",
            "1.5 working days",
            "3 working days",
        ],  # fmt: skip
        [
            "Reviews of urgent shares (endorsed or concern)",
            "1",
            "2 working days",
            "2 working days",
        ],  # fmt: skip
        ["All", "5", "2 working days", "3 working days"],
    ],
    "overdue": [
        ["Prior approval", "1"],
        ["Review of an urgent share", "1"],
        ["Total", "2"],
    ],
    "manager_decisions": [
        ["Approved", "2", "50%"],
        ["Returned", "1", "25%"],
        ["Rejected", "1", "25%"],
        ["Total", "4", "100%"],
    ],
    "lawful_bases": [
        ["Public task", "3"],
        ["Legal obligation", "1"],
        ["Vital interests", "1"],
        ["Consent", "1"],
        ["Legitimate interests (not for public authorities' tasks)", "0"],
        ["None recorded", "1"],
        ["Total", "7"],
    ],
    "agencies": [
        ["Agency A", "3"],
        ["Agency B", "2"],
        [HOSTILE_AGENCY, "1"],
    ],
    "past_review": [
        ["January 2025", "1"],
        ["February 2025", "1"],
        ["March 2025", "0"],
        ["Total", "2"],
    ],
}
