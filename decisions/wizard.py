"""What the wizard hands to ``records``: the answers on the path and a snapshot of what
was asked, so a record reads the same whatever the flowchart says later."""

from __future__ import annotations

from django import forms

from decisions.flowchart import FLOWCHART_VERSION, OUTCOMES, PURPOSE_GROUNDS, QUESTIONS
from decisions.forms import (
    LEGAL_GROUNDS,
    MEANS,
    NO_CONSENT_REASONS,
    STEP_FORMS,
    consent_limits_summary,
    describe,
)
from decisions.steps import STEPS_BY_ID, Plan, Step, make_plan, warnings
from records.models import DecisionRecord, User
from records.selectors import earlier_decisions
from records.services import decision_submit


def plan_for(record: DecisionRecord) -> Plan:
    return make_plan(record.answers, record.completed_steps)


def answers_on_path(plan: Plan, answers: dict) -> dict:
    """Only the answers owned by pages on the final path, and not left empty: the rest
    (details of an answer not chosen, pages that fell off the path) are dropped."""
    kept = {}
    for step_id in plan.steps:
        for key in STEP_FORMS[step_id].owned_keys():
            if answers.get(key) not in (None, "", []):
                kept[key] = answers[key]
    return kept


EARLIER_SHOWN_KEY = "earlier_decisions_shown"


def _consent_in_words(row: dict) -> str:
    if row["consent"] == "yes":
        return "Given, with limits" if row["consent_limits"] else "Given"
    if row["consent"] == "no":
        reason = dict(NO_CONSENT_REASONS).get(row["consent_absent_reason"] or "", "")
        return f"Not given: {reason[0].lower()}{reason[1:]}" if reason else "Not given"
    return "Not asked"


def case_history(step: Step, record: DecisionRecord, user: User) -> list[dict]:
    """The earlier decisions a page shows (its ``case_history`` in ``decisions.steps``):
    those about the case reference saved so far that this user may see, newest first."""
    if not step.case_history:
        return []
    rows = earlier_decisions(user, record.answers.get("subject_reference", ""), exclude=record)
    for row in rows:
        row["consent_words"] = _consent_in_words(row)
    return rows


def with_history_shown(step: Step, record: DecisionRecord, values: dict, shown: list[dict]) -> dict:
    """What a case-history page saves: its answers and the references of the earlier
    decisions it showed, added to those shown before about the same case reference (a new
    case reference starts the list again)."""
    if not step.case_history:
        return values
    before = record.answers.get("subject_reference", "")
    after = values.get("subject_reference", before)
    kept = list(record.answers.get(EARLIER_SHOWN_KEY) or []) if after == before else []
    references = [row["reference"] for row in shown] if after == before else []
    return {**values, EARLIER_SHOWN_KEY: [*references, *(r for r in kept if r not in references)]}


def warnings_for(answers: dict) -> list[str]:
    """The warnings the check page and the record show (declared in ``decisions.steps``)."""
    return warnings(answers)


CONSENT_LIMITS_NEXT_STEP = (
    "Share only within the limits the person put on their consent: with the agencies, the "
    "information and for the time they agreed to, and nothing they asked to be kept back."
)


def outcome_snapshot(outcome_id: str, plan: Plan, answers: dict | None = None) -> dict:
    outcome = OUTCOMES[outcome_id]
    next_steps = list(outcome.next_steps)
    if outcome.shares and consent_limits_summary(answers or {}):
        next_steps.insert(0, CONSENT_LIMITS_NEXT_STEP)
    return {
        "id": outcome.id,
        "title": outcome.title,
        "summary": outcome.summary,
        "next_steps": next_steps,
        "shares": outcome.shares,
        "source": outcome.source,
        "requires_approval": plan.decision.requires_approval,
        "approval_timing": plan.decision.approval_timing,
        "guidance": [{"href": g.href, "label": g.label} for g in outcome.guidance],
    }


def sharing_summary(answers: dict) -> dict:
    """To whom and how the practitioner meant to share: the defaults when they later
    confirm that an approved share happened."""
    recipient = ", ".join(
        part
        for part in (answers.get("recipient_role"), answers.get("recipient_organisation"))
        if part
    )
    return {"recipient": recipient, "means": dict(MEANS).get(answers.get("means"), "")}


def grounds_summary(answers: dict) -> list[str]:
    """The grounds in words, for a manager's queue: the purpose's, then any legal ground
    for sharing without consent."""
    legal = dict(LEGAL_GROUNDS)
    return [PURPOSE_GROUNDS[g] for g in answers.get("purpose_grounds", [])] + [
        legal[g] for g in answers.get("legal_grounds", [])
    ]


def build_snapshot(plan: Plan, answers: dict) -> dict:
    """Each page as it was shown: its heading, the answers in words, the guidance cited."""
    steps = []
    for step_id in plan.steps:
        step = STEPS_BY_ID[step_id]
        rows = describe(step, answers)
        if not rows:
            continue
        steps.append(
            {
                "id": step.id,
                "title": step.short,
                "heading": step.heading,
                "is_question": step.is_question,
                "source": QUESTIONS[step.id].source if step.is_question else "",
                "rows": [{"label": label, "value": value} for label, value in rows],
                "guidance": [{"href": g.href, "label": g.label} for g in step.guidance],
            }
        )
    return {
        "flowchart_version": FLOWCHART_VERSION,
        "steps": steps,
        "sharing": sharing_summary(answers),
        "consent_limits": consent_limits_summary(answers),
        # What the practitioner was shown of the case's earlier decisions (section 13).
        EARLIER_SHOWN_KEY: list(answers.get(EARLIER_SHOWN_KEY) or []),
        "grounds": grounds_summary(answers),
        "outcome": outcome_snapshot(plan.decision.outcome, plan, answers),
        "warnings": warnings_for(answers),
    }


# Free text with a column of its own (matched there by the list's search), not a reason.
_NOT_REASONS = frozenset({"subject_reference", "other_agency"})


def reasons_text(plan: Plan, answers: dict) -> str:
    """Every free-text answer on the path, page by page, one a line: what the auditors'
    text search reads (``DecisionRecord.reasons_text``)."""
    texts = []
    for step_id in plan.steps:
        form = STEP_FORMS[step_id]
        for key, field in form.base_fields.items():
            if key in _NOT_REASONS or not isinstance(field, forms.CharField):
                continue
            value = answers.get(key)
            if isinstance(value, str) and value.strip():
                texts.append(value.strip())
    return "\n".join(texts)


def submit(*, record: DecisionRecord, author: User, ip: str | None) -> DecisionRecord:
    plan = plan_for(record)
    if not plan.complete:
        raise ValueError("The decision is not finished.")
    answers = answers_on_path(plan, record.answers)
    decision = plan.decision
    return decision_submit(
        record=record,
        author=author,
        answers=answers,
        path=decision.path,
        outcome=decision.outcome,
        shares=decision.shares,
        requires_approval=decision.requires_approval,
        approval_timing=decision.approval_timing,
        flowchart_version=FLOWCHART_VERSION,
        snapshot=build_snapshot(plan, answers),
        summary={
            "direction": answers.get("direction", ""),
            "urgent": answers.get("urgent") == "yes",
            "subject_reference": answers.get("subject_reference", ""),
            "subject_type": answers.get("subject_type", ""),
            "other_agency": answers.get("other_agency", ""),
            "lawful_basis": answers.get("article6", ""),
            "reasons_text": reasons_text(plan, answers),
        },
        review_date=answers.get("review_date") or None,
        ip=ip,
    )
