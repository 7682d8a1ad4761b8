"""Page helpers for driving the decision wizard in a real browser.

Controls are found the way a person finds them: by the text of their labels and legends.
The texts come from the page definitions (``decisions.steps``) and the forms
(``decisions.forms``), so a renamed label is followed here without editing the tests.
"""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from crispy_forms_gds.fields import DateInputField
from django import forms
from playwright.sync_api import Locator, Page, expect

from decisions.forms import STEP_FORMS
from decisions.steps import CHECK, STEPS_BY_ID, make_plan

REFERENCE = re.compile(r"ISD-\d{4}-\d{5}")
WIZARD_URL = re.compile(r"/decisions/(ISD-\d{4}-\d{5})/([a-z_]+)/")
URGENT_BANNER = "Someone is at immediate risk"


def expected_pages(answers: Mapping) -> list[str]:
    """The wizard pages these answers walk through, in order, then the check page."""
    return [*make_plan(answers, []).steps, CHECK]


def primary_required_message(step_id: str) -> str:
    """The error a question page shows when its question is left unanswered."""
    form_class = STEP_FORMS[step_id]
    assert form_class.primary, f"{step_id} has no question of its own"
    return form_class(step=STEPS_BY_ID[step_id]).primary_required_message()


def field_label(step_id: str, key: str) -> str:
    """The label or legend a person reads for this answer on this page."""
    form_class = STEP_FORMS[step_id]
    if key == form_class.primary:
        return STEPS_BY_ID[step_id].heading
    return str(form_class.base_fields[key].label)


# GOV.UK Frontend's own known issue (alphagov/govuk-frontend#979, #1280): its JavaScript
# sets aria-expanded on a radio or checkbox that reveals a conditional question, which
# ARIA does not allow on those roles. Kept on purpose by the Design System after research
# with screen reader users; the app cannot remove it without leaving GOV.UK Frontend.
GOVUK_ARIA_EXPANDED = (
    "aria-allowed-attr",
    re.compile(r'^ARIA attribute is not allowed: aria-expanded="(true|false)"$'),
    # Each flagged control opens a GOV.UK conditional block that exists.
    """ids => ids.every(id => {
        const input = document.getElementById(id);
        const target = input && document.getElementById(input.getAttribute('aria-controls'));
        return !!target && /govuk-(radios|checkboxes)__conditional/.test(target.className);
    })""",
)


class AccessibilityLog:
    """axe-core on each page, as the ``assert_accessible`` fixture runs it.

    Any violation fails the test at once, except ``GOVUK_ARIA_EXPANDED``, GOV.UK
    Frontend's documented known issue, matched exactly (rule, the element, the message,
    and a check in the page): collected and reported as a warning, never silently.
    """

    def __init__(self, page: Page, axe):
        self.page = page
        self.axe = axe
        self.pages = 0
        self.design_system: dict[str, list[str]] = {}

    def _match(self, violation: dict, known) -> list[str] | None:
        """The ids of the elements when this violation is only the known one, else None."""
        rule, message, in_page = known
        if violation["id"] != rule:
            return None
        ids = []
        for node in violation["nodes"]:
            messages = [item["message"] for item in node.get("any", []) + node.get("all", [])]
            if not node["html"].startswith("<input") or not messages:
                return None
            if not all(message.match(text) for text in messages):
                return None
            ids.append(self.page.locator(node["target"][0]).get_attribute("id"))
        return ids if self.page.evaluate(in_page, ids) else None

    def check(self) -> None:
        results = self.axe.run(self.page)
        self.pages += 1
        path = urlsplit(self.page.url).path
        others = []
        for violation in results.response["violations"]:
            if (ids := self._match(violation, GOVUK_ARIA_EXPANDED)) is not None:
                self.design_system.setdefault(path, []).extend(ids)
            else:
                others.append(violation["id"])
        assert not others, f"{self.page.url}\n{results.generate_report()}"

    def finish(self) -> None:
        """Call last in a test: warn about the Design System issue where it was seen."""
        if self.design_system:
            warnings.warn(
                "axe aria-allowed-attr (aria-expanded on radios that reveal a question), "
                "GOV.UK Frontend known issue alphagov/govuk-frontend#979, seen on: "
                + _where(self.design_system),
                stacklevel=2,
            )


def _where(found: dict[str, list[str]]) -> str:
    """Each page by its last path segment, with the ids of the elements flagged there."""
    return "; ".join(
        f"{path.rstrip('/').rsplit('/', 1)[-1]} ({', '.join(dict.fromkeys(ids))})"
        for path, ids in found.items()
    )


class Wizard:
    """One practitioner's trip through the wizard, on one browser page."""

    def __init__(self, page: Page, base_url: str, a11y: AccessibilityLog):
        self.page = page
        self.base_url = base_url
        self.a11y = a11y
        self.assert_accessible = a11y.check
        self.reference: str | None = None

    # Where we are -------------------------------------------------------------------

    def url_for(self, step_id: str) -> str:
        return f"{self.base_url}/decisions/{self.reference}/{step_id}/"

    def expect_on(self, step_id: str) -> None:
        """Wait until this wizard page (or the check page) is loaded and shown."""
        # The page itself, or the page while changing an answer from the check page.
        url = self.url_for(step_id)
        self.page.wait_for_url(lambda current: current in (url, f"{url}?change=1"))
        self.page.wait_for_load_state()
        if step_id == CHECK:
            heading = "Check your answers before you record this decision"
        else:
            heading = STEPS_BY_ID[step_id].heading
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)

    def current_step(self) -> str:
        match = WIZARD_URL.search(self.page.url)
        assert match, f"not on a wizard page: {self.page.url}"
        return match.group(2)

    # Finding controls ---------------------------------------------------------------

    def group(self, legend: str) -> Locator:
        return self.page.get_by_role("group", name=legend, exact=True)

    def radio(self, step_id: str, key: str, value: str) -> Locator:
        field = STEP_FORMS[step_id].base_fields[key]
        choice = dict(field.choices)[value]
        return self.group(field_label(step_id, key)).get_by_label(choice, exact=True)

    def checkbox(self, step_id: str, key: str, value: str) -> Locator:
        return self.radio(step_id, key, value)

    def text(self, step_id: str, key: str) -> Locator:
        return self.page.get_by_label(field_label(step_id, key), exact=True)

    def date_part(self, step_id: str, key: str, part: str) -> Locator:
        return self.group(field_label(step_id, key)).get_by_label(part, exact=True)

    # Acting -------------------------------------------------------------------------

    def start(self) -> str:
        """From the home page: start a new decision and land on its first page."""
        page = self.page
        page.goto(f"{self.base_url}/")
        page.get_by_role("link", name="Start a new decision").click()
        page.wait_for_url(f"{self.base_url}/decisions/new/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Decide whether to share information"
        )
        self.assert_accessible()
        page.get_by_role("button", name="Start now").click()
        page.wait_for_url(WIZARD_URL)
        self.reference = WIZARD_URL.search(page.url).group(1)
        return self.reference

    def fill(self, step_id: str, answers: Mapping) -> None:
        """Give this page's answers through its controls, in the order they appear."""
        for key, field in STEP_FORMS[step_id].base_fields.items():
            value = answers.get(key)
            if value in (None, "", []):
                continue
            if isinstance(field, DateInputField):
                day = datetime.date.fromisoformat(value)
                self.date_part(step_id, key, "Day").fill(str(day.day))
                self.date_part(step_id, key, "Month").fill(str(day.month))
                self.date_part(step_id, key, "Year").fill(str(day.year))
            elif isinstance(field, forms.MultipleChoiceField):
                for item in value:
                    self.checkbox(step_id, key, item).check()
            elif isinstance(field.widget, forms.RadioSelect):
                self.radio(step_id, key, value).check()
            else:
                self.text(step_id, key).fill(value)

    def save_and_continue(self) -> None:
        self.page.get_by_role("button", name="Save and continue").click()

    def submit_empty(self, step_id: str) -> None:
        """Send the page with nothing filled in; expect the error summary."""
        self.save_and_continue()
        self.page.wait_for_load_state()
        expect(self.page).to_have_title(re.compile(r"^Error: "))
        summary = self.page.locator(".govuk-error-summary")
        expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
        message = primary_required_message(step_id)
        expect(summary).to_contain_text(message)
        # The error links to the question: following it moves focus to the first choice.
        form_class = STEP_FORMS[step_id]
        first_choice = form_class.base_fields[form_class.primary].choices[0][0]
        summary.get_by_role("link", name=message).click()
        expect(self.radio(step_id, form_class.primary, first_choice)).to_be_focused()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(STEPS_BY_ID[step_id].heading)

    def walk(
        self,
        answers: Mapping,
        *,
        until: str = CHECK,
        empty_first: str | None = None,
        on_page: Callable[[str], None] | None = None,
        accessible: bool = True,
    ) -> list[str]:
        """Answer page after page from the current one until ``until`` is shown.

        Checks each page is the next one the plan expects. Runs axe-core on each (unless
        ``accessible`` is False, for pages other tests already check in the same state),
        and on the error page when ``empty_first`` names a page to send empty once.
        Returns the pages answered.
        """
        pages = expected_pages(answers)
        step_id = self.current_step()
        index = pages.index(step_id)
        answered = []
        while step_id != until:
            self.expect_on(step_id)
            if accessible:
                self.assert_accessible()
            if on_page:
                on_page(step_id)
            if step_id == empty_first:
                self.submit_empty(step_id)
                self.assert_accessible()
            self.fill(step_id, answers)
            self.save_and_continue()
            answered.append(step_id)
            index += 1
            step_id = pages[index]
        self.expect_on(until)
        return answered

    def record_decision(self) -> None:
        """On the check page: record the decision and land on the confirmation page."""
        self.page.get_by_role("button", name="Record this decision").click()
        self.page.wait_for_url(f"{self.base_url}/decisions/{self.reference}/confirmation/")
        self.page.wait_for_load_state()

    def open_record(self) -> None:
        """From the confirmation page: open the record page."""
        self.page.get_by_role("link", name="View the record").click()
        self.page.wait_for_url(f"{self.base_url}/records/{self.reference}/")
        self.page.wait_for_load_state()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(self.reference)

    def status(self) -> Locator:
        """The record page's Status value."""
        return (
            self.page.locator(".govuk-summary-list__row")
            .filter(has=self.page.locator("dt", has_text=re.compile(r"^\s*Status\s*$")))
            .locator("dd")
        )
