"""Keyboard only: signing in, the whole wizard to a decision that needs approval, and the
manager's approval, with no clicks.

Only Tab, Shift+Tab, Space, Enter, typing and, inside a group of radios, the arrow keys (the
one way a keyboard moves between radios; Tab leaves the group). After every key that moves
focus, the focused element must show it (GOV.UK's yellow focus style: an outline or a box
shadow on the element, or on the label's box for a radio or checkbox, whose input is hidden
under it) and must be the element the journey expects next. The skip link is the first stop
on every page and moves focus to the main content; sending a page with its question
unanswered focuses the error summary, and following its link focuses the question.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

import pytest
from crispy_forms_gds.fields import DateInputField
from django import forms
from playwright.sync_api import Locator, Page, expect

from decisions.demo import finished_answers
from decisions.forms import STEP_FORMS
from decisions.steps import CHECK, STEPS_BY_ID
from records.models import DecisionRecord
from records.services import decision_start
from tests.browser.wizard_pages import (
    WIZARD_URL,
    AccessibilityLog,
    Wizard,
    expected_pages,
    primary_required_message,
)
from tests.conftest import PASSWORD

State = DecisionRecord.State
MAX_TABS = 150  # more than any page here has stops
FIRST_PAGE = expected_pages({})[0]

# Whether the focused element shows focus the way GOV.UK Frontend draws it.
FOCUS_SHOWN = """el => {
    if (!el || el === document.body) return false;
    const shows = s => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                        && s.outlineColor !== 'rgba(0, 0, 0, 0)')
                       || (s.boxShadow && s.boxShadow !== 'none');
    if (el.matches('input[type=radio], input[type=checkbox]')) {
        const label = el.labels && el.labels[0];
        return !!label && shows(getComputedStyle(label, '::before'));
    }
    return shows(getComputedStyle(el));
}"""
DESCRIBE_FOCUS = """() => {
    const el = document.activeElement;
    return el ? `${el.tagName} ${el.id || ''} ${el.getAttribute('name') || ''} `
                + `${(el.textContent || '').trim().slice(0, 40)}` : 'nothing';
}"""


class Keys:
    """A person with a keyboard on one browser page."""

    def __init__(self, page: Page):
        self.page = page

    def focused_is(self, locator: Locator) -> bool:
        return locator.evaluate("el => el === document.activeElement")

    def assert_focus_shown(self) -> None:
        handle = self.page.evaluate_handle("document.activeElement")
        assert handle.evaluate(FOCUS_SHOWN), (
            f"focus not visible on {self.page.evaluate(DESCRIBE_FOCUS)} at {self.page.url}"
        )

    def tab(self, key: str = "Tab") -> None:
        self.page.keyboard.press(key)
        self.assert_focus_shown()

    def tab_to(self, locator: Locator) -> None:
        """Tab forward until ``locator`` has focus, each stop showing it."""
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("document.activeElement === document.body"):
                continue  # past the last stop: the next Tab starts again at the top
            self.assert_focus_shown()
            if self.focused_is(locator):
                return
        pytest.fail(f"Tab never reached {locator} on {self.page.url}")

    def choose_radio(self, radio: Locator) -> None:
        """Tab into the radio's group, then arrow to it (Space when it is the stop)."""
        name = radio.get_attribute("name")
        group = self.page.locator(f'input[type="radio"][name="{name}"]')
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate(
                "name => document.activeElement.type === 'radio' "
                "&& document.activeElement.name === name",
                name,
            ):
                break
        else:
            pytest.fail(f"Tab never reached the radios {name} on {self.page.url}")
        self.assert_focus_shown()
        ids = group.evaluate_all("inputs => inputs.map(input => input.id)")
        current = ids.index(self.page.evaluate("document.activeElement.id"))
        wanted = ids.index(radio.get_attribute("id"))
        if wanted == current:
            self.page.keyboard.press("Space")
        for _ in range(abs(wanted - current)):
            self.page.keyboard.press("ArrowDown" if wanted > current else "ArrowUp")
        expect(radio).to_be_focused()
        expect(radio).to_be_checked()
        self.assert_focus_shown()

    def type_into(self, locator: Locator, text: str) -> None:
        self.tab_to(locator)
        self.page.keyboard.type(text)
        expect(locator).to_have_value(text)

    def press_button(self, name: str) -> None:
        self.tab_to(self.page.get_by_role("button", name=name))
        self.page.keyboard.press("Enter")

    def follow_link(self, name: str) -> None:
        self.tab_to(self.page.get_by_role("link", name=name, exact=True))
        self.page.keyboard.press("Enter")

    def skip_link_first(self) -> None:
        """The first Tab on a fresh page reaches the skip link; Enter focuses the main
        content, so the next Tab starts inside it."""
        self.page.keyboard.press("Tab")
        skip = self.page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()  # shown once focused (visually hidden before)
        self.assert_focus_shown()
        self.page.keyboard.press("Enter")
        expect(self.page.locator("#main-content")).to_be_focused()

    def start_of_page(self) -> None:
        """The skip link first (it no longer leaves #main-content in the address: init.js; if
        an address does carry it, the first Tab lands in the main content)."""
        if not self.page.url.endswith("#main-content"):
            self.skip_link_first()
            return
        self.tab()
        assert self.page.evaluate(
            "document.getElementById('main-content').contains(document.activeElement)"
        ), f"the first Tab left the main content on {self.page.url}"
        self.tab("Shift+Tab")


def at(url: str) -> re.Pattern:
    """``url``, perhaps with the skip link's #main-content (a redirect after a form sent
    from a page the skip link was followed on keeps it)."""
    return re.compile(re.escape(url) + r"(#main-content)?$")


def expect_step(page: Page, wizard: Wizard, step_id: str) -> None:
    page.wait_for_url(at(wizard.url_for(step_id)))
    heading = (
        "Check your answers before you record this decision"
        if step_id == CHECK
        else STEPS_BY_ID[step_id].heading
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def sign_in(page: Page, base_url: str, user) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    keys = Keys(page)
    keys.start_of_page()
    keys.type_into(page.get_by_label("Username"), user.username)
    keys.type_into(page.get_by_label("Password"), PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(at(f"{base_url}/"))


def fill_by_keyboard(keys: Keys, wizard: Wizard, step_id: str, answers: Mapping) -> None:
    """This page's answers through its controls, in the order they appear (as
    Wizard.fill gives them with the mouse)."""
    for key, field in STEP_FORMS[step_id].base_fields.items():
        value = answers.get(key)
        if value in (None, "", []):
            continue
        if isinstance(field, DateInputField):
            day = datetime.date.fromisoformat(value)
            for part, text in (("Day", day.day), ("Month", day.month), ("Year", day.year)):
                keys.type_into(wizard.date_part(step_id, key, part), str(text))
        elif isinstance(field, forms.MultipleChoiceField):
            for item in value:
                box = wizard.checkbox(step_id, key, item)
                keys.tab_to(box)
                keys.page.keyboard.press("Space")
                expect(box).to_be_checked()
        elif isinstance(field.widget, forms.RadioSelect):
            keys.choose_radio(wizard.radio(step_id, key, value))
        else:
            keys.type_into(wizard.text(step_id, key), value)


def unanswered_goes_to_the_error_summary(keys: Keys, wizard: Wizard, step_id: str) -> None:
    """Sent empty: the error summary has focus; its link focuses the question's first
    choice."""
    page = keys.page
    keys.press_button("Save and continue")
    page.wait_for_load_state()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    keys.assert_focus_shown()
    message = primary_required_message(step_id)
    keys.tab()
    expect(summary.get_by_role("link", name=message)).to_be_focused()
    page.keyboard.press("Enter")
    form_class = STEP_FORMS[step_id]
    first_choice = form_class.base_fields[form_class.primary].choices[0][0]
    expect(wizard.radio(step_id, form_class.primary, first_choice)).to_be_focused()
    keys.assert_focus_shown()


@pytest.mark.django_db(transaction=True)
def test_the_wizard_and_the_approval_by_keyboard_alone(
    page, live_server, axe, practitioner, manager
):
    base = live_server.url
    keys = Keys(page)
    wizard = Wizard(page, base, AccessibilityLog(page, axe))
    answers = finished_answers("share_without_consent")

    sign_in(page, base, practitioner)
    keys.start_of_page()
    keys.follow_link("Start a new decision")
    page.wait_for_url(at(f"{base}/decisions/new/"))
    keys.start_of_page()
    keys.press_button("Start now")
    page.wait_for_url(WIZARD_URL)
    wizard.reference = WIZARD_URL.search(page.url).group(1)

    pages = expected_pages(answers)
    first_question = next(p for p in pages if STEP_FORMS[p].primary)
    for step_id in pages[:-1]:
        expect_step(page, wizard, step_id)
        if step_id != first_question:
            keys.start_of_page()
        if step_id == first_question:
            # Afresh, without #main-content (see the test below: it costs the focus).
            page.goto(wizard.url_for(step_id))
            unanswered_goes_to_the_error_summary(keys, wizard, step_id)
        fill_by_keyboard(keys, wizard, step_id, answers)
        keys.press_button("Save and continue")
    expect_step(page, wizard, CHECK)
    keys.start_of_page()
    keys.press_button("Record this decision")
    page.wait_for_url(at(f"{base}/decisions/{wizard.reference}/confirmation/"))
    expect(page.get_by_role("heading", name="Decision recorded")).to_be_visible()
    record = DecisionRecord.objects.get(reference=wizard.reference)
    assert record.state == State.AWAITING_APPROVAL
    assert record.outcome == "share_without_consent"
    assert record.answers["consent_absent_reason"] == answers["consent_absent_reason"]

    # The manager approves it from the queue.
    sign_in(page, base, manager)
    page.goto(f"{base}/approvals/")
    keys.start_of_page()
    keys.follow_link(wizard.reference)
    page.wait_for_url(at(f"{base}/approvals/{wizard.reference}/"))
    keys.start_of_page()
    group = page.get_by_role("group", name=re.compile(r"^What is your"))
    keys.choose_radio(group.get_by_label("Approve", exact=True))
    keys.press_button("Save your decision")
    page.wait_for_url(at(f"{base}/approvals/"))
    expect(page.get_by_role("alert")).to_contain_text(wizard.reference)
    record.refresh_from_db()
    assert record.state == State.APPROVED


@pytest.mark.django_db(transaction=True)
def test_after_the_skip_link_an_error_still_focuses_the_summary(page, live_server, practitioner):
    sign_in(page, live_server.url, practitioner)
    record = decision_start(author=practitioner)
    page.goto(f"{live_server.url}/decisions/{record.reference}/{FIRST_PAGE}/")
    keys = Keys(page)
    keys.skip_link_first()
    keys.press_button("Save and continue")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_be_focused(timeout=2000)
