"""The wizard's plan: which pages, in what order, and which one is next."""

import pytest

from decisions import demo
from decisions.flowchart import OUTCOMES
from decisions.steps import (
    CHECK,
    CONSENT_NOT_SOUGHT_WARNING,
    STEPS,
    STEPS_BY_ID,
    WARNINGS,
    make_plan,
    warnings,
)

SHARING_PAGES = ["how", "checks", "informing", "lawful_basis"]
# Information that identifies nobody is not personal data: nobody to tell, no lawful basis.
PERSONAL_DATA_PAGES = ["informing", "lawful_basis"]
CLOSING_PAGES = ["advice", "follow_up"]


def sharing_pages(outcome: str) -> list[str]:
    if not outcome.startswith("share"):
        return []
    if outcome == "share_not_identifiable":
        return [page for page in SHARING_PAGES if page not in PERSONAL_DATA_PAGES]
    return SHARING_PAGES


def test_it_starts_with_the_urgency_question():
    plan = make_plan({}, [])
    assert plan.current == "urgent"
    assert plan.steps == ("urgent", "direction", "about", "purpose")


def test_it_puts_the_act_now_page_straight_after_an_urgent_answer():
    plan = make_plan({"urgent": "yes"}, ["urgent"])
    assert plan.steps[:2] == ("urgent", "act_now")
    assert plan.current == "act_now"


@pytest.mark.parametrize(
    ("outcome", "questions"),
    [
        ("not_share_no_purpose", ["purpose"]),
        ("share_not_identifiable", ["purpose", "identifiable"]),
        ("share_not_confidential", ["purpose", "identifiable", "confidential"]),
        ("share_with_consent", ["purpose", "identifiable", "confidential", "consent"]),
        (
            "share_without_consent",
            ["purpose", "identifiable", "confidential", "consent", "other_reason"],
        ),
        (
            "not_share_no_basis",
            ["purpose", "identifiable", "confidential", "consent", "other_reason"],
        ),
    ],
)
def test_it_plans_the_pages_of_each_outcome(outcome, questions):
    answers = demo.finished_answers(outcome)
    plan = make_plan(answers, [])
    assert list(plan.steps) == [
        "urgent",
        "direction",
        "about",
        *questions,
        *sharing_pages(outcome),
        *CLOSING_PAGES,
    ]
    assert plan.decision.outcome == outcome


def test_it_asks_neither_about_telling_the_person_nor_a_lawful_basis_when_nobody_is_identifiable():
    # The demo answers hold both pages' answers: the plan leaves the pages off all the same.
    answers = demo.finished_answers("share_not_identifiable")
    assert answers["told"] and answers["article6"]
    plan = make_plan(answers, [])
    assert plan.decision.outcome == "share_not_identifiable"
    assert "informing" not in plan.steps
    assert "lawful_basis" not in plan.steps
    assert plan.steps[-4:] == ("how", "checks", "advice", "follow_up")


@pytest.mark.parametrize(
    "outcome", ["share_not_confidential", "share_with_consent", "share_without_consent"]
)
def test_it_asks_both_when_the_shared_information_is_personal_data(outcome):
    plan = make_plan(demo.finished_answers(outcome), [])
    assert plan.decision.outcome == outcome
    assert "informing" in plan.steps
    assert "lawful_basis" in plan.steps


def test_it_declares_which_sharing_outcomes_are_about_no_identifiable_person():
    assert [o.id for o in OUTCOMES.values() if o.shares and not o.personal_data] == [
        "share_not_identifiable"
    ]


def test_it_moves_to_the_check_page_when_every_page_is_done():
    answers = demo.finished_answers("share_with_consent")
    plan = make_plan(answers, make_plan(answers, []).steps)
    assert plan.complete and plan.current == CHECK
    assert plan.can_visit(CHECK) and plan.can_visit("urgent")


def test_it_lets_a_page_be_visited_only_up_to_the_current_one():
    plan = make_plan({"urgent": "no", "direction": "proactive"}, ["urgent", "direction"])
    assert plan.current == "about"
    assert plan.can_visit("urgent") and plan.can_visit("about")
    assert not plan.can_visit("purpose")
    assert not plan.can_visit("consent")  # not on the plan yet
    assert not plan.can_visit(CHECK)


def test_it_keeps_later_pages_done_when_an_earlier_answer_changes_the_path():
    answers = demo.finished_answers("share_with_consent")
    done = make_plan(answers, []).steps
    changed = {**answers, "consent": "no", "consent_absent_reason": "refused"}
    plan = make_plan(changed, done)
    # The new question is next; the pages after it stay done once it is answered.
    assert plan.current == "other_reason"
    plan = make_plan({**changed, "other_reason": "yes"}, [*done, "other_reason"])
    assert plan.complete


def test_it_goes_on_in_order_or_back_to_check_when_changing():
    answers = demo.finished_answers("share_with_consent")
    plan = make_plan(answers, make_plan(answers, []).steps)
    assert plan.after("purpose", changing=False) == "identifiable"
    assert plan.after("purpose", changing=True) == CHECK
    assert plan.after("follow_up", changing=False) == CHECK


def test_it_links_back_to_the_page_before():
    plan = make_plan(demo.finished_answers("share_with_consent"), [])
    assert plan.previous("urgent") is None
    assert plan.previous("direction") == "urgent"
    assert plan.previous(CHECK) == "follow_up"


def test_it_declares_each_page_once_with_a_heading():
    assert len(STEPS_BY_ID) == len(STEPS)
    for step in STEPS:
        assert step.heading and step.short


def test_it_says_when_someone_is_at_immediate_risk():
    assert make_plan({"urgent": "yes"}, []).urgent is True
    assert make_plan({"urgent": "no"}, []).urgent is False
    assert make_plan({}, []).urgent is False


NOT_SOUGHT = {"consent": "no", "consent_absent_reason": "not_attempted"}


def test_it_warns_when_consent_was_not_sought_without_a_reason():
    assert warnings(NOT_SOUGHT) == [CONSENT_NOT_SOUGHT_WARNING]
    assert warnings({"consent": "no", "consent_absent_reason": "increase_risk"}) == []
    # A "yes" leaves the reason for "no" behind, cleared: no warning either way.
    assert warnings({"consent": "yes", "consent_absent_reason": "not_attempted"}) == []
    assert warnings({}) == []


def test_it_shows_that_warning_on_the_other_reason_page_only():
    assert STEPS_BY_ID["other_reason"].warnings_for(NOT_SOUGHT) == [CONSENT_NOT_SOUGHT_WARNING]
    assert STEPS_BY_ID["other_reason"].warnings_for({"consent": "no"}) == []
    for step in STEPS:
        if step.id != "other_reason":
            assert step.warnings_for(NOT_SOUGHT) == [], step.id


def test_it_declares_each_page_warning():
    for step in STEPS:
        for warning_id in step.warnings:
            assert warning_id in WARNINGS, (step.id, warning_id)
