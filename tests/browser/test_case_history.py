"""A case decided twice, in a real browser with axe-core: the second decision about the same
case reference shows the first (consent with its limits), warns plainly when the first's
review date has passed, and the new record links the decision that was shown."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from decisions import demo
from records.models import DecisionRecord
from tests.browser.wizard_pages import AccessibilityLog, Wizard

CASE = "DEMO-C-0777"


@pytest.fixture
def wizard(page, live_server, sign_in, practitioner, axe):
    sign_in(practitioner)
    return Wizard(page, live_server.url, AccessibilityLog(page, axe))


def test_a_second_decision_about_the_case_shows_the_first(wizard, page, practitioner):
    first = demo.create_submitted(
        author=practitioner,
        answers=demo.finished_answers(
            "share_with_consent", subject_reference=CASE, **demo.CONSENT_LIMITS
        ),
    )
    DecisionRecord.objects.filter(pk=first.pk).update(
        review_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    answers = demo.finished_answers("share_with_consent", subject_reference=CASE)

    wizard.start()
    wizard.walk(answers, until="purpose")
    history = page.get_by_role("region", name="Earlier decisions about this case")
    expect(history).to_be_visible()
    expect(history.get_by_role("link", name=first.reference)).to_be_visible()
    expect(history).to_contain_text(demo.CONSENT_LIMITS["consent_limit_until"])
    expect(history).to_contain_text(f"The review date of {first.reference}")
    expect(page.get_by_role("link", name="Read it before you answer")).to_be_visible()
    wizard.assert_accessible()

    wizard.walk(answers, accessible=False)
    wizard.record_decision()
    wizard.open_record()
    shown = page.locator(".govuk-summary-list__row").filter(has_text="Earlier decisions shown")
    expect(shown.get_by_role("link", name=first.reference)).to_be_visible()
    wizard.assert_accessible()
    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert record.snapshot["earlier_decisions_shown"] == [first.reference]
    wizard.a11y.finish()


def test_a_disagreement_recorded_through_its_pages(wizard, page, live_server, practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    page.goto(f"{live_server.url}/records/{record.reference}/")
    page.get_by_role("link", name="Record a disagreement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a disagreement")
    wizard.assert_accessible()
    page.get_by_role("button", name="Record the disagreement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select who disagrees with whom")
    wizard.assert_accessible()
    page.get_by_label("The other agency disputes our decision").check()
    page.get_by_label("Which agency, and who there?").fill("Northshire Police (fictional)")
    page.get_by_label("Why do they disagree?").fill("Fictional: they want the whole file.")
    page.get_by_role("button", name="Record the disagreement").click()
    thread = page.locator(".govuk-summary-card").filter(has_text="Northshire Police (fictional)")
    expect(thread).to_contain_text("Disagreement open")
    wizard.assert_accessible()
    thread.get_by_role("link", name="Record how it was resolved").click()
    page.get_by_label("How was it resolved?").fill("Fictional: agreed to share the dates only.")
    page.get_by_role("button", name="Record the outcome and close the disagreement").click()
    expect(thread).to_contain_text("Fictional: agreed to share the dates only.")
    expect(thread).not_to_contain_text("Disagreement open")
    wizard.assert_accessible()
    wizard.a11y.finish()
