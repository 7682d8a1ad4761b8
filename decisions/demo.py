"""Plainly fictional answers that walk to each outcome: demo data and tests share them."""

from __future__ import annotations

import datetime

from decisions import wizard
from decisions.steps import make_plan
from records.models import DecisionRecord, User
from records.services import (
    decision_act,
    decision_confirm_sharing,
    decision_save_step,
    decision_start,
)

CONTEXT = {
    "urgent": "no",
    "direction": "proactive",
    "subject_type": "child",
    "subject_reference": "DEMO-C-0001",
    "other_agency": "Northshire Police (fictional)",
    "other_contact": "Duty sergeant, public protection unit",
    "repeat_request": "no",
}
PURPOSE = {
    "purpose": "yes",
    "purpose_grounds": ["protect_from_harm"],
    "purpose_text": "Fictional example: to let the police know about a risk to a child.",
}
SHARING = {
    "shared_what": "Fictional example: dates of two home visits and what was seen.",
    "recipient_organisation": "Northshire Police (fictional)",
    "recipient_role": "Duty sergeant",
    "means": "secure_email",
    "shared_when": "Today",
    "checks": ["necessary_only", "fact_and_opinion", "right_recipient", "secure"],
    "told": "will",
    "article6": "public_task",
    "special_category": "no",
}
CLOSING = {
    "advice_sought": "no",
    "follow_up_actions": "Fictional example: check back with the police next week.",
}

NO_CONSENT = {
    "consent": "no",
    "consent_absent_reason": "increase_risk",
}
WITH_REASON = {
    "other_reason": "yes",
    "legal_grounds": ["reasonable_cause"],
    "proportionality": "Fictional example: the risk of harm outweighs the loss of privacy.",
}

# Consent, with limits (appendix 1): merged over "share_with_consent".
CONSENT_LIMITS = {
    "consent_scope": "limits",
    "consent_limit_agency_kinds": ["police", "health"],
    "consent_limit_agencies": "Northshire Police (fictional) only",
    "consent_limit_information": "Fictional example: the dates of the home visits only.",
    "consent_limit_until": "Until the review meeting in March",
    "consent_limit_not_shared": "Fictional example: nothing about the older sibling.",
}

CASES: dict[str, dict] = {
    "not_share_no_purpose": {
        **CONTEXT,
        "purpose": "no",
        "purpose_text": "Fictional example: no purpose was found.",
        **CLOSING,
    },
    "share_not_identifiable": {**CONTEXT, **PURPOSE, "identifiable": "no", **SHARING, **CLOSING},
    "share_not_confidential": {
        **CONTEXT,
        **PURPOSE,
        "identifiable": "yes",
        "confidential": "no",
        **SHARING,
        **CLOSING,
    },
    "share_with_consent": {
        **CONTEXT,
        **PURPOSE,
        "identifiable": "yes",
        "confidential": "yes",
        "consent": "yes",
        "consent_type": "explicit",
        "consent_given_by": "parent_carer",
        "consent_scope": "no_limits",
        **SHARING,
        **CLOSING,
    },
    "share_without_consent": {
        **CONTEXT,
        **PURPOSE,
        "identifiable": "yes",
        "confidential": "yes",
        **NO_CONSENT,
        **WITH_REASON,
        **SHARING,
        **CLOSING,
    },
    "not_share_no_basis": {
        **CONTEXT,
        "direction": "request",
        **PURPOSE,
        "identifiable": "yes",
        "confidential": "yes",
        **NO_CONSENT,
        "other_reason": "no",
        "proportionality": "Fictional example: no risk found that outweighs privacy.",
        **CLOSING,
    },
}


def finished_answers(outcome: str, **overrides) -> dict:
    answers = {**CASES[outcome], **overrides}
    answers.setdefault(
        "review_date", (datetime.date.today() + datetime.timedelta(days=90)).isoformat()
    )
    return answers


def create_draft(*, author: User, answers: dict, complete: bool = True) -> DecisionRecord:
    """A draft with these answers saved, every page on their path marked done."""
    record = decision_start(author=author)
    plan = make_plan(answers, [])
    steps = plan.steps if complete else ()
    return decision_save_step(
        record=record, author=author, step="demo", values=answers, completed_steps=steps
    )


def create_submitted(*, author: User, answers: dict) -> DecisionRecord:
    record = create_draft(author=author, answers=answers)
    return wizard.submit(record=record, author=author, ip=None)


def create_returned(*, author: User, manager: User, answers: dict, comment: str) -> DecisionRecord:
    """A decision a manager returned for changes, back with its author."""
    record = create_submitted(author=author, answers=answers)
    decision_act(record=record, manager=manager, kind="returned", comment=comment)
    return record


def resubmit(*, record: DecisionRecord, author: User, values: dict) -> DecisionRecord:
    """Change some answers of a returned decision and submit it again (a new round)."""
    decision_save_step(
        record=record,
        author=author,
        step="demo",
        values=values,
        completed_steps=record.completed_steps,
    )
    return wizard.submit(record=record, author=author, ip=None)


def confirm_sharing(*, record: DecisionRecord, author: User) -> DecisionRecord:
    decision_confirm_sharing(
        record=record,
        author=author,
        shared_on=datetime.date.today(),
        means="Secure email",
        recipient="Duty sergeant, Northshire Police (fictional)",
    )
    return record
