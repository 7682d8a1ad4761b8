"""The rule engine against the behaviour contract (shared/design/flowchart.md)."""

import copy

import pytest

from decisions.flowchart import (
    FLOWCHART_VERSION,
    OUTCOMES,
    PURPOSE_GROUNDS,
    QUESTIONS,
    START,
    evaluate,
    reachable_nodes,
)

YYY = {"purpose": "yes", "identifiable": "yes", "confidential": "yes"}
PATH5 = ["purpose", "identifiable", "confidential", "consent", "other_reason"]

# answers, outcome, path, requires_approval, approval_timing
CASES = [
    ({"purpose": "no"}, "not_share_no_purpose", ["purpose"], False, None),
    (
        {"purpose": "yes", "identifiable": "no"},
        "share_not_identifiable",
        ["purpose", "identifiable"],
        False,
        None,
    ),
    (
        {"purpose": "yes", "identifiable": "yes", "confidential": "no"},
        "share_not_confidential",
        ["purpose", "identifiable", "confidential"],
        False,
        None,
    ),
    ({**YYY, "consent": "yes"}, "share_with_consent", PATH5[:4], False, None),
    (
        {**YYY, "consent": "no", "other_reason": "yes"},
        "share_without_consent",
        PATH5,
        True,
        "prior",
    ),
    (
        {**YYY, "consent": "no", "other_reason": "yes", "urgent": "yes"},
        "share_without_consent",
        PATH5,
        True,
        "retrospective",
    ),
    ({**YYY, "consent": "no", "other_reason": "no"}, "not_share_no_basis", PATH5, False, None),
    (
        {"direction": "request", **YYY, "consent": "no", "other_reason": "no"},
        "not_share_no_basis",
        PATH5,
        True,
        "prior",
    ),
    # Refusing a request needs prior approval, urgent or not.
    (
        {"direction": "request", "urgent": "yes", **YYY, "consent": "no", "other_reason": "no"},
        "not_share_no_basis",
        PATH5,
        True,
        "prior",
    ),
    ({"direction": "request", "purpose": "no"}, "not_share_no_purpose", ["purpose"], True, "prior"),
    (
        {"direction": "request", "urgent": "yes", "purpose": "no"},
        "not_share_no_purpose",
        ["purpose"],
        True,
        "prior",
    ),
    (
        {"direction": "proactive", "urgent": "yes", "purpose": "no"},
        "not_share_no_purpose",
        ["purpose"],
        False,
        None,
    ),
    # Sharing outcomes on a request need no approval.
    (
        {"direction": "request", **YYY, "consent": "yes"},
        "share_with_consent",
        PATH5[:4],
        False,
        None,
    ),
    (
        {"direction": "request", "urgent": "yes", **YYY, "consent": "no", "other_reason": "yes"},
        "share_without_consent",
        PATH5,
        True,
        "retrospective",
    ),
    (
        {"direction": "request", "purpose": "yes", "identifiable": "no"},
        "share_not_identifiable",
        ["purpose", "identifiable"],
        False,
        None,
    ),
    # Case review as the only ground: no public-interest route.
    (
        {"purpose_grounds": ["case_review"], **YYY, "consent": "no", "other_reason": "yes"},
        "not_share_no_basis",
        PATH5[:4],
        False,
        None,
    ),
    (
        {"purpose_grounds": ["case_review"], **YYY, "consent": "no"},
        "not_share_no_basis",
        PATH5[:4],
        False,
        None,
    ),
    (
        {"direction": "request", "purpose_grounds": ["case_review"], **YYY, "consent": "no"},
        "not_share_no_basis",
        PATH5[:4],
        True,
        "prior",
    ),
    (
        {"purpose_grounds": ["case_review"], **YYY, "consent": "yes"},
        "share_with_consent",
        PATH5[:4],
        False,
        None,
    ),
    # Case review with another ground: the public-interest route stays open.
    (
        {
            "purpose_grounds": ["case_review", "protect_from_harm"],
            **YYY,
            "consent": "no",
            "other_reason": "yes",
        },
        "share_without_consent",
        PATH5,
        True,
        "prior",
    ),
    (
        {
            "purpose_grounds": ["case_review", "case_review"],
            **YYY,
            "consent": "no",
            "other_reason": "yes",
        },
        "not_share_no_basis",
        PATH5[:4],
        False,
        None,
    ),
]


@pytest.mark.parametrize(("answers", "outcome", "path", "approval", "timing"), CASES)
def test_it_follows_every_row_of_the_contract(answers, outcome, path, approval, timing):
    decision = evaluate(answers)
    assert decision.outcome == outcome
    assert decision.next_question is None
    assert decision.path == path
    assert decision.requires_approval is approval
    assert decision.approval_timing == timing


def test_it_matches_the_contract_example():
    d = evaluate(
        {
            "direction": "request",
            "purpose": "yes",
            "identifiable": "yes",
            "confidential": "yes",
            "consent": "no",
            "other_reason": "no",
        }
    )
    assert (d.outcome, d.next_question, d.requires_approval, d.approval_timing) == (
        "not_share_no_basis",
        None,
        True,
        "prior",
    )
    assert d.path == PATH5


@pytest.mark.parametrize(
    ("answers", "next_question", "path"),
    [
        ({}, "purpose", []),
        ({"direction": "request", "urgent": "yes"}, "purpose", []),
        ({"purpose": "yes"}, "identifiable", ["purpose"]),
        ({"purpose": "yes", "identifiable": "yes"}, "confidential", ["purpose", "identifiable"]),
        (YYY, "consent", PATH5[:3]),
        ({**YYY, "consent": "no"}, "other_reason", PATH5[:4]),
        # An answer off the path does not count as answering the next question.
        ({"purpose": "yes", "consent": "yes"}, "identifiable", ["purpose"]),
    ],
)
def test_it_names_the_next_question_while_unfinished(answers, next_question, path):
    decision = evaluate(answers)
    assert decision.outcome is None
    assert decision.next_question == next_question
    assert decision.path == path
    assert decision.requires_approval is False
    assert decision.approval_timing is None


def test_it_ignores_answers_off_the_path():
    assert evaluate({"purpose": "no", "consent": "yes", "other_reason": "yes"}).outcome == (
        "not_share_no_purpose"
    )
    assert evaluate({**YYY, "consent": "yes", "other_reason": "no"}).path == PATH5[:4]


def test_it_ignores_unknown_keys():
    decision = evaluate({"purpose": "no", "purpose_text": "free text", "whatever": object()})
    assert decision.outcome == "not_share_no_purpose"


KNOWN = [
    "direction",
    "urgent",
    "purpose",
    "identifiable",
    "confidential",
    "consent",
    "other_reason",
]
BAD_VALUES = ["maybe", "YES ", "Yes", "", None, ["yes"], True, 1, {"yes": 1}]


@pytest.mark.parametrize("key", KNOWN)
@pytest.mark.parametrize("value", BAD_VALUES)
def test_it_rejects_a_bad_value_naming_the_key(key, value):
    # Off the path too: purpose "no" ends the walk, and the bad value is still caught.
    answers = {"purpose": "no", key: value}
    with pytest.raises(ValueError, match=key):
        evaluate(answers)


@pytest.mark.parametrize(
    "grounds",
    ["case_review", ["unknown"], [None], [["case_review"]], None, {"case_review"}, ["Case_review"]],
)
def test_it_rejects_bad_grounds_naming_the_key(grounds):
    with pytest.raises(ValueError, match="purpose_grounds"):
        evaluate({"purpose": "yes", "purpose_grounds": grounds})


def test_it_accepts_every_known_ground_and_an_empty_list():
    assert evaluate({"purpose_grounds": list(PURPOSE_GROUNDS), "purpose": "no"}).outcome
    assert evaluate({"purpose_grounds": [], "purpose": "no"}).outcome
    assert evaluate({"purpose_grounds": ("alert_need",), "purpose": "no"}).outcome


def test_it_rejects_something_that_is_not_a_mapping():
    with pytest.raises(ValueError):
        evaluate([("purpose", "yes")])


def test_it_never_changes_the_mapping_it_is_given():
    answers = {
        "direction": "request",
        "purpose_grounds": ["case_review"],
        **YYY,
        "consent": "no",
        "other_reason": "yes",
        "note": ["x"],
    }
    before = copy.deepcopy(answers)
    evaluate(answers)
    assert answers == before


def test_it_has_a_string_version():
    assert isinstance(FLOWCHART_VERSION, str) and FLOWCHART_VERSION


def test_it_points_every_branch_at_something_that_exists():
    nodes = set(QUESTIONS) | set(OUTCOMES)
    assert START in QUESTIONS
    for question in QUESTIONS.values():
        assert set(question.branches) == {"yes", "no"}
        for target in question.branches.values():
            assert target in nodes
        for override in question.overrides:
            assert override.target in nodes and override.answer in question.branches


def test_it_reaches_every_question_and_outcome():
    assert reachable_nodes() == set(QUESTIONS) | set(OUTCOMES)


def test_it_orphans_no_question():
    targets = {t for q in QUESTIONS.values() for t in q.branches.values()}
    for question_id in QUESTIONS:
        assert question_id == START or question_id in targets


def test_it_gives_every_question_and_outcome_text_and_a_source():
    for question in QUESTIONS.values():
        assert question.text.endswith("?") and question.hint and question.help
        assert question.source and question.guidance
    for outcome in OUTCOMES.values():
        assert outcome.title and outcome.summary and outcome.next_steps and outcome.source


def test_it_has_the_six_outcomes_of_the_contract():
    assert set(OUTCOMES) == {
        "not_share_no_purpose",
        "share_not_identifiable",
        "share_not_confidential",
        "share_with_consent",
        "share_without_consent",
        "not_share_no_basis",
    }
    assert {o for o in OUTCOMES if OUTCOMES[o].shares} == {
        "share_not_identifiable",
        "share_not_confidential",
        "share_with_consent",
        "share_without_consent",
    }
