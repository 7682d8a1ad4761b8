"""The approval loop in a real browser, with axe-core on the queue, approval, confirmation
and timeline pages: return, change, resubmit, approve, confirm; and an urgent share
reviewed afterwards. Another team's manager sees neither."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from decisions.demo import finished_answers
from decisions.forms import STEP_FORMS
from decisions.steps import CHECK
from records.models import AuditEvent, DecisionRecord, ManagerDecision
from tests.browser.wizard_pages import AccessibilityLog, Wizard

State = DecisionRecord.State
RETURN_COMMENT = "Fictional example: share the visit dates only, not the notes."
CHANGED_WHAT = "Fictional example: the dates of two home visits, nothing else."


@pytest.fixture
def a11y(page, axe):
    return AccessibilityLog(page, axe)


@pytest.fixture
def as_user(page, live_server, sign_in):
    """Sign in as another person on the same browser page (signing out first)."""

    def switch(user):
        page.context.clear_cookies()
        sign_in(user)

    return switch


def submit_through_the_wizard(page, live_server, a11y, answers) -> str:
    wizard = Wizard(page, live_server.url, a11y)
    wizard.start()
    wizard.walk(answers, accessible=False)  # the wizard's pages are checked elsewhere
    wizard.record_decision()
    return wizard.reference


def open_queue_item(page, live_server, a11y, reference):
    page.goto(f"{live_server.url}/approvals/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Approvals and reviews")
    a11y.check()
    page.get_by_role("link", name=reference, exact=True).click()
    page.wait_for_url(f"{live_server.url}/approvals/{reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    a11y.check()


def decide(page, choice: str, comment: str = "") -> None:
    page.get_by_role("group", name=re.compile(r"^What is your")).get_by_label(choice).check()
    if comment:
        page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Save your decision").click()


def timeline_titles(page) -> list[str]:
    return [
        title.strip() for title in page.locator(".app-timeline__item .govuk-tag").all_inner_texts()
    ]


def expect_hidden_from(page, live_server, reference) -> None:
    for url in (f"/approvals/{reference}/", f"/records/{reference}/"):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 404, url


def test_a_share_returned_changed_resubmitted_approved_and_confirmed(
    page, live_server, a11y, as_user, practitioner, manager, manager2
):
    as_user(practitioner)
    reference = submit_through_the_wizard(
        page, live_server, a11y, finished_answers("share_without_consent")
    )

    # The manager returns it; a missing comment is refused first, the choice kept.
    as_user(manager)
    open_queue_item(page, live_server, a11y, reference)
    decide(page, "Return it to the practitioner for changes")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what the practitioner should change")
    expect(page.get_by_label("Return it to the practitioner for changes")).to_be_checked()
    a11y.check()
    decide(page, "Return it to the practitioner for changes", RETURN_COMMENT)
    page.wait_for_url(f"{live_server.url}/approvals/")
    expect(page.get_by_role("alert")).to_contain_text(f"{reference}: returned for changes")

    # The practitioner sees the comment, changes what is shared, and resubmits.
    as_user(practitioner)
    page.goto(f"{live_server.url}/records/{reference}/")
    returned = page.get_by_role("region", name="Returned for changes")
    expect(returned).to_contain_text(RETURN_COMMENT)
    a11y.check()
    page.get_by_role("link", name="Change your answers and resubmit").click()
    page.wait_for_url(f"{live_server.url}/decisions/{reference}/check/")
    expect(page.get_by_role("region", name="Returned for changes")).to_contain_text(RETURN_COMMENT)
    page.get_by_role("link", name="Change what and how").click()
    page.wait_for_url(re.compile(rf"/decisions/{reference}/how/\?change=1$"))
    expect(page.get_by_role("region", name="Returned for changes")).to_contain_text(RETURN_COMMENT)
    label = str(STEP_FORMS["how"].base_fields["shared_what"].label)
    page.get_by_label(label, exact=True).fill(CHANGED_WHAT)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(f"{live_server.url}/decisions/{reference}/{CHECK}/")
    page.get_by_role("button", name="Record this decision").click()
    page.wait_for_url(f"{live_server.url}/decisions/{reference}/confirmation/")

    # The manager approves round 2.
    as_user(manager)
    open_queue_item(page, live_server, a11y, reference)
    expect(page.get_by_text(CHANGED_WHAT)).to_be_visible()
    decide(page, "Approve")
    page.wait_for_url(f"{live_server.url}/approvals/")

    # The practitioner confirms the sharing; the record tells its whole life.
    as_user(practitioner)
    page.goto(f"{live_server.url}/records/{reference}/")
    page.get_by_role("link", name="Confirm the sharing").click()
    page.wait_for_url(f"{live_server.url}/records/{reference}/confirm-sharing/")
    expect(page.get_by_label("How was it shared?")).to_have_value("Secure email")
    a11y.check()
    page.get_by_role("button", name="Confirm the sharing").click()
    page.wait_for_url(f"{live_server.url}/records/{reference}/")
    expect(page.get_by_role("alert")).to_contain_text("sharing confirmed")
    a11y.check()
    assert timeline_titles(page) == [
        "Submitted",
        "Returned for changes",
        "Resubmitted",
        "Approved",
        "Sharing confirmed",
    ]
    expect(page.locator(".app-timeline")).to_contain_text(RETURN_COMMENT)

    record = DecisionRecord.objects.get(reference=reference)
    assert record.state == State.RECORDED
    assert [s.answers["shared_what"] for s in record.submissions.all()] == [
        finished_answers("share_without_consent")["shared_what"],
        CHANGED_WHAT,
    ]
    events = AuditEvent.objects.filter(record=record).values_list("event", flat=True)
    assert [e for e in events if e not in ("viewed", "step_answered", "record_created")] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
        "sharing_confirmed",
    ]

    as_user(manager2)
    expect_hidden_from(page, live_server, reference)
    a11y.finish()


def test_an_urgent_share_is_endorsed_afterwards(
    page, live_server, a11y, as_user, practitioner, manager, manager2
):
    as_user(practitioner)
    reference = submit_through_the_wizard(
        page, live_server, a11y, finished_answers("share_without_consent", urgent="yes")
    )
    assert DecisionRecord.objects.get(reference=reference).state == State.AWAITING_REVIEW

    as_user(manager)
    open_queue_item(page, live_server, a11y, reference)
    expect(page.get_by_text("Review an urgent share made without consent")).to_be_visible()
    decide(page, "Endorse the decision")
    page.wait_for_url(f"{live_server.url}/approvals/")

    as_user(practitioner)
    page.goto(f"{live_server.url}/records/{reference}/")
    a11y.check()
    assert timeline_titles(page) == ["Submitted", "Endorsed"]
    record = DecisionRecord.objects.get(reference=reference)
    assert record.state == State.RECORDED
    assert record.manager_decisions.get().kind == ManagerDecision.Kind.ENDORSED

    as_user(manager2)
    expect_hidden_from(page, live_server, reference)
    a11y.finish()
