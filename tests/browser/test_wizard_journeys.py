"""The decision wizard in a real browser: a practitioner walks to each of the six outcomes
through the pages, goes Back, Changes an answer from the check page, records an urgent
decision, sees conditional questions revealed, and saves a draft to finish later.

axe-core runs on every page the outcome journeys visit (start page, each wizard page, an
error page, the check page, the confirmation and the record page), and on every new page
state the other tests reach. See ``wizard_pages.AccessibilityLog``: any violation fails,
but GOV.UK Frontend's own documented aria-expanded issue, which is reported as a warning.
"""

import re

import pytest
from playwright.sync_api import expect

from decisions.demo import CONTEXT, NO_CONSENT, PURPOSE, WITH_REASON, finished_answers
from decisions.flowchart import OUTCOMES, QUESTIONS, evaluate
from decisions.steps import CHECK, CONSENT_NOT_SOUGHT_WARNING, STEPS_BY_ID, make_plan
from records.models import DecisionRecord
from records.services import decision_save_step, decision_start
from tests.browser.wizard_pages import (
    REFERENCE,
    URGENT_BANNER,
    AccessibilityLog,
    Wizard,
    expected_pages,
)

State = DecisionRecord.State


@pytest.fixture
def wizard(page, live_server, sign_in, practitioner, axe):
    sign_in(practitioner)
    return Wizard(page, live_server.url, AccessibilityLog(page, axe))


def expected_state(answers) -> str:
    decision = evaluate(answers)
    if not decision.requires_approval:
        return State.RECORDED.label
    if decision.approval_timing == "retrospective":
        return State.AWAITING_REVIEW.label
    return State.AWAITING_APPROVAL.label


def outcome_heading(page):
    """The outcome shown in the inset on the check page (and the record page)."""
    return page.locator(".govuk-inset-text").get_by_role("heading", level=2)


def urgent_banner(page):
    return page.get_by_role("region", name=URGENT_BANNER)


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_outcome_through_the_ui(wizard, page, outcome):
    answers = finished_answers(outcome)
    path = evaluate(answers).path
    assert evaluate(answers).outcome == outcome

    wizard.start()
    # Every page on the path in order; the question that decides the outcome is sent
    # empty once first, so its error page is checked too.
    answered = wizard.walk(answers, empty_first=path[-1])
    assert answered == expected_pages(answers)[:-1]

    wizard.assert_accessible()  # the check page
    expect(outcome_heading(page)).to_have_text(OUTCOMES[outcome].title)
    for question_id in path:
        expect(page.get_by_text(QUESTIONS[question_id].text, exact=True)).to_be_visible()

    wizard.record_decision()
    wizard.assert_accessible()  # the confirmation page
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", name="Decision recorded")).to_be_visible()
    expect(panel).to_contain_text(re.compile(r"Your reference\s*ISD-\d{4}-\d{5}"))
    expect(panel.locator("strong")).to_have_text(wizard.reference)
    assert REFERENCE.fullmatch(wizard.reference)
    expect(page.get_by_role("heading", level=2, name=OUTCOMES[outcome].title)).to_be_visible()

    wizard.open_record()
    wizard.assert_accessible()  # the record page
    expect(wizard.status()).to_have_text(expected_state(answers))
    expect(outcome_heading(page)).to_have_text(OUTCOMES[outcome].title)
    for question_id in path:
        expect(page.get_by_text(QUESTIONS[question_id].text, exact=True)).to_be_visible()
    for question_id in set(QUESTIONS) - set(path):
        expect(page.get_by_text(QUESTIONS[question_id].text, exact=True)).to_have_count(0)

    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert (record.outcome, record.path) == (outcome, path)
    assert record.get_state_display() == expected_state(answers)
    wizard.a11y.finish()


def test_back_keeps_earlier_answers_and_later_answers_on_the_path(wizard, page):
    outcome = "not_share_no_basis"
    answers = finished_answers(outcome)
    wizard.start()
    # These pages are checked with axe in the outcome journeys, in the same state.
    wizard.walk(answers, until="other_reason", accessible=False)

    back = page.get_by_role("link", name="Back", exact=True)
    back.click()
    wizard.expect_on("consent")
    wizard.assert_accessible()  # answered, with the "No" reveal open
    expect(wizard.radio("consent", "consent", "no")).to_be_checked()
    expect(wizard.radio("consent", "consent_absent_reason", "increase_risk")).to_be_checked()
    expect(wizard.group("What kind of consent?")).to_be_hidden()

    back.click()
    wizard.expect_on("confidential")
    wizard.assert_accessible()
    expect(wizard.radio("confidential", "confidential", "yes")).to_be_checked()
    expect(wizard.radio("confidential", "confidential", "no")).not_to_be_checked()

    # Continue without changing anything: the later answer on the path is kept.
    wizard.save_and_continue()
    wizard.expect_on("consent")
    expect(wizard.radio("consent", "consent", "no")).to_be_checked()
    expect(wizard.radio("consent", "consent_absent_reason", "increase_risk")).to_be_checked()
    wizard.save_and_continue()
    wizard.expect_on("other_reason")

    wizard.walk(answers, accessible=False)
    wizard.record_decision()
    expect(page.get_by_role("heading", level=2, name=OUTCOMES[outcome].title)).to_be_visible()
    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert record.outcome == outcome
    assert record.answers["consent_absent_reason"] == "increase_risk"
    assert record.state == State.AWAITING_APPROVAL  # refusing another agency's request
    wizard.a11y.finish()


def test_change_from_the_check_page_follows_the_new_path(wizard, page):
    before = finished_answers("share_with_consent")
    after = {**before, **NO_CONSENT, **WITH_REASON}
    for key in ("consent_type", "consent_given_by"):
        after.pop(key)
    assert evaluate(after).outcome == "share_without_consent"

    wizard.start()
    wizard.walk(before, accessible=False)
    expect(outcome_heading(page)).to_have_text(OUTCOMES["share_with_consent"].title)
    expect(page.get_by_text("What kind of consent?", exact=True)).to_be_visible()

    page.get_by_role("link", name="Change consent", exact=True).click()
    page.wait_for_url(wizard.url_for("consent") + "?change=1")
    expect(wizard.radio("consent", "consent", "yes")).to_be_checked()
    expect(wizard.radio("consent", "consent_type", "explicit")).to_be_checked()
    wizard.radio("consent", "consent", "no").check()
    expect(wizard.group("Why do you not have consent?")).to_be_visible()
    expect(wizard.group("What kind of consent?")).to_be_hidden()
    wizard.fill("consent", NO_CONSENT)
    wizard.assert_accessible()  # change mode, "No" reveal open
    wizard.save_and_continue()

    # The new path asks a question that was not asked before.
    wizard.expect_on("other_reason")
    wizard.assert_accessible()
    expect(wizard.radio("other_reason", "other_reason", "yes")).not_to_be_checked()
    wizard.fill("other_reason", WITH_REASON)
    wizard.save_and_continue()

    # Then straight back to the check page: every later page on the path was answered.
    wizard.expect_on(CHECK)
    wizard.assert_accessible()
    expect(outcome_heading(page)).to_have_text(OUTCOMES["share_without_consent"].title)
    expect(page.get_by_text(QUESTIONS["other_reason"].text, exact=True)).to_be_visible()
    expect(page.get_by_text("What kind of consent?", exact=True)).to_have_count(0)
    expect(page.get_by_text("Who gave consent?", exact=True)).to_have_count(0)

    wizard.record_decision()
    expect(
        page.get_by_role("heading", level=2, name=OUTCOMES["share_without_consent"].title)
    ).to_be_visible()
    wizard.open_record()
    expect(outcome_heading(page)).to_have_text(OUTCOMES["share_without_consent"].title)
    expect(page.get_by_text(QUESTIONS["other_reason"].text, exact=True)).to_be_visible()
    expect(page.get_by_text("What kind of consent?", exact=True)).to_have_count(0)

    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert record.outcome == "share_without_consent"
    assert record.path == evaluate(after).path
    assert record.answers["consent"] == "no"
    assert record.answers["other_reason"] == "yes"
    # Answers that fell off the path are not kept in the record.
    assert "consent_type" not in record.answers
    assert "consent_given_by" not in record.answers
    assert record.state == State.AWAITING_APPROVAL
    wizard.a11y.finish()


def test_consent_never_sought_is_explained_before_the_other_reason_question(wizard, page):
    answers = finished_answers(
        "share_without_consent",
        consent_absent_reason="not_attempted",
        consent_notes="Fictional example: the worker did not think to ask.",
    )
    wizard.start()
    # These pages are checked with axe in the outcome journeys, in the same state.
    wizard.walk(answers, until="other_reason", accessible=False)

    warning = page.get_by_role("main").locator(".govuk-warning-text")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text(CONSENT_NOT_SOUGHT_WARNING)
    expect(warning).to_be_visible()
    wizard.assert_accessible()  # the question page with its warning

    wizard.walk(answers, accessible=False)
    expect(page.get_by_role("main").locator(".govuk-warning-text")).to_contain_text(
        CONSENT_NOT_SOUGHT_WARNING
    )
    wizard.assert_accessible()  # the check page with the warning
    wizard.record_decision()
    wizard.open_record()
    expect(page.get_by_role("main").locator(".govuk-warning-text")).to_contain_text(
        CONSENT_NOT_SOUGHT_WARNING
    )
    wizard.assert_accessible()  # the record page with the warning
    wizard.a11y.finish()


def test_nobody_identifiable_asks_neither_about_telling_the_person_nor_a_lawful_basis(wizard, page):
    answers = finished_answers("share_not_identifiable")
    wizard.start()
    answered = wizard.walk(answers, accessible=False)
    assert "informing" not in answered and "lawful_basis" not in answered
    assert answered[-4:] == ["how", "checks", "advice", "follow_up"]
    for step_id in ("informing", "lawful_basis"):
        expect(page.get_by_text(STEPS_BY_ID[step_id].heading, exact=True)).to_have_count(0)
    wizard.record_decision()
    wizard.open_record()
    for step_id in ("informing", "lawful_basis"):
        expect(page.get_by_text(STEPS_BY_ID[step_id].heading, exact=True)).to_have_count(0)
    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert "told" not in record.answers and "article6" not in record.answers
    wizard.a11y.finish()


def test_urgent_risk_says_act_now_and_is_reviewed_afterwards(wizard, page):
    answers = finished_answers("share_without_consent", urgent="yes")
    wizard.start()
    wizard.expect_on("urgent")
    expect(urgent_banner(page)).to_have_count(0)
    wizard.fill("urgent", answers)
    expect(wizard.radio("urgent", "urgent", "yes")).to_be_checked()
    wizard.save_and_continue()

    # At once: who to contact, before any other question.
    wizard.expect_on("act_now")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Contact the police or social care now"
    )
    expect(page.get_by_role("main").get_by_text("999", exact=True)).to_be_visible()

    def banner_shown(step_id):
        expect(urgent_banner(page)).to_be_visible()
        expect(urgent_banner(page)).to_contain_text("call 999")

    answered = wizard.walk(answers, on_page=banner_shown)
    assert answered == expected_pages(answers)[1:-1]
    assert answered[0] == "act_now"
    banner_shown(CHECK)
    wizard.assert_accessible()
    expect(outcome_heading(page)).to_have_text(OUTCOMES["share_without_consent"].title)
    expect(
        page.get_by_text("Share now: a manager reviews this decision afterwards")
    ).to_be_visible()

    wizard.record_decision()
    wizard.assert_accessible()
    expect(page.get_by_text("Because someone was at immediate risk, share now.")).to_be_visible()
    wizard.open_record()
    expect(wizard.status()).to_have_text("Shared urgently: awaiting review")

    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert record.state == State.AWAITING_REVIEW
    assert (record.approval_timing, record.urgent) == ("retrospective", True)
    wizard.a11y.finish()


def test_conditional_questions_are_revealed_with_javascript(wizard, page, practitioner):
    # A draft answered up to the consent question, made through the services.
    answers = {**CONTEXT, **PURPOSE, "identifiable": "yes", "confidential": "yes"}
    record = decision_start(author=practitioner)
    done = list(make_plan(answers, []).steps[:-1])
    assert make_plan(answers, done).current == "consent"
    decision_save_step(
        record=record, author=practitioner, step="test", values=answers, completed_steps=done
    )
    wizard.reference = record.reference
    page.goto(wizard.url_for("consent"))
    wizard.expect_on("consent")
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))

    no_consent = wizard.group("Why do you not have consent?")
    kind = wizard.group("What kind of consent?")
    given_by = wizard.group("Who gave consent?")
    expect(no_consent).to_be_hidden()
    expect(kind).to_be_hidden()
    expect(given_by).to_be_hidden()

    wizard.radio("consent", "consent", "no").check()
    expect(no_consent).to_be_visible()
    expect(kind).to_be_hidden()
    wizard.radio("consent", "consent_absent_reason", "refused").check()
    wizard.assert_accessible()

    wizard.radio("consent", "consent", "yes").check()
    expect(no_consent).to_be_hidden()
    expect(kind).to_be_visible()
    expect(given_by).to_be_visible()
    wizard.radio("consent", "consent_type", "implied").check()
    wizard.radio("consent", "consent_given_by", "individual").check()
    # Whether the consent has limits: the details of the limits are revealed in turn.
    limits = wizard.group("Which kinds of agency does the consent cover?")
    expect(limits).to_be_hidden()
    wizard.radio("consent", "consent_scope", "limits").check()
    expect(limits).to_be_visible()
    wizard.assert_accessible()
    wizard.radio("consent", "consent_scope", "no_limits").check()
    expect(limits).to_be_hidden()
    wizard.save_and_continue()
    wizard.expect_on("how")

    # The answer left in the hidden reveal is not saved.
    record.refresh_from_db()
    assert record.answers["consent"] == "yes"
    assert record.answers["consent_type"] == "implied"
    assert record.answers["consent_given_by"] == "individual"
    assert record.answers["consent_absent_reason"] == ""
    assert record.answers["consent_scope"] == "no_limits"
    wizard.a11y.finish()


def test_save_and_come_back_later_resumes_at_the_first_unanswered_page(wizard, page):
    answers = finished_answers("share_with_consent")
    wizard.start()
    wizard.walk(answers, until="purpose", accessible=False)

    page.get_by_role("button", name="Save and come back later").click()
    page.wait_for_url(f"{wizard.base_url}/")
    drafts = page.get_by_role("table", name="Your drafts")
    resume = drafts.get_by_role("link", name=f"Continue {wizard.reference}")
    expect(resume).to_be_visible()
    expect(drafts).to_contain_text(answers["subject_reference"])
    wizard.assert_accessible()  # the home page with a draft

    resume.click()
    wizard.expect_on("purpose")
    wizard.assert_accessible()
    expect(wizard.radio("purpose", "purpose", "yes")).not_to_be_checked()
    expect(wizard.radio("purpose", "purpose", "no")).not_to_be_checked()

    # Earlier answers are kept.
    page.get_by_role("link", name="Back", exact=True).click()
    wizard.expect_on("about")
    expect(wizard.text("about", "subject_reference")).to_have_value(answers["subject_reference"])
    expect(wizard.text("about", "other_agency")).to_have_value(answers["other_agency"])
    expect(wizard.radio("about", "subject_type", "child")).to_be_checked()
    expect(wizard.radio("about", "repeat_request", "no")).to_be_checked()

    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert record.state == State.DRAFT
    assert record.completed_steps == ["urgent", "direction", "about"]
    wizard.a11y.finish()
