"""The Content-Security-Policy in a real browser: chromium reports no violation (no
`securitypolicyviolation` event, no CSP error on the console) on the wizard, a record, the
approval queue and page, the audit trail, the insight dashboard and its charts, the guidance
pages and the admin; and a planted violation is caught, so the watch itself works."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decisions.demo import finished_answers
from records.models import DecisionRecord, User
from tests.browser.wizard_pages import AccessibilityLog, Wizard
from tests.conftest import PASSWORD

# Runs before any script of each document: keeps every violation in the page and logs it.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', event => {
  window.__csp.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`
    + ` at ${event.sourceFile || ''}:${event.lineNumber || ''}`);
});
"""


class CSPWatch:
    def __init__(self, page):
        self.page = page
        self.seen: dict[str, list[str]] = {}
        self.console: list[str] = []
        self.visited: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def collect(self) -> None:
        """After a page has loaded and settled: the violations its document saw."""
        self.page.wait_for_load_state("networkidle")
        found = self.page.evaluate("window.__csp || []")
        self.visited.append(self.page.url)
        if found:
            self.seen.setdefault(self.page.url, []).extend(found)

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.collect()

    def assert_none(self) -> None:
        assert self.seen == {} and self.console == [], (self.seen, self.console)


@pytest.fixture
def watch(page):
    return CSPWatch(page)


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_policy(
    page, live_server, sign_in, watch, axe, practitioner, manager, auditor
):
    base = live_server.url
    watch.visit(f"{base}/accounts/login/")
    for path in (
        "/guidance/",
        "/guidance/flowchart/",
        "/guidance/faq/",
        "/guidance/search/?q=consent",
    ):
        watch.visit(base + path)
    watch.visit(f"{base}/no-such-page/")

    # The wizard, through a decision that needs approval (conditional questions revealed by
    # GOV.UK Frontend's script, an error page), the check and confirmation pages, the record.
    sign_in(practitioner)
    watch.collect()
    wizard = Wizard(page, base, AccessibilityLog(page, axe))
    wizard.start()
    watch.collect()
    answers = finished_answers("share_without_consent")
    wizard.walk(
        answers, empty_first="consent", on_page=lambda step: watch.collect(), accessible=False
    )
    watch.collect()
    wizard.record_decision()
    watch.collect()
    wizard.open_record()
    watch.collect()
    reference = wizard.reference
    record = DecisionRecord.objects.get(reference=reference)
    assert record.state == DecisionRecord.State.AWAITING_APPROVAL
    watch.visit(f"{base}/records/")
    watch.visit(f"{base}/guidance/")

    sign_in(manager)
    watch.collect()
    watch.visit(f"{base}/approvals/")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    watch.visit(f"{base}/approvals/{reference}/")

    sign_in(auditor)
    watch.visit(f"{base}/records/")
    watch.visit(f"{base}/records/{reference}/")
    watch.visit(f"{base}/audit/")
    watch.visit(f"{base}/insight/")
    charts = page.locator(".app-insight__chart img")
    assert charts.count() > 0
    for index in range(charts.count()):
        assert page.evaluate(
            "img => img.complete && img.naturalWidth > 0", charts.nth(index).element_handle()
        )
    watch.visit(f"{base}/exports/")

    User.objects.create_superuser(username="siteadmin", password=PASSWORD)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("siteadmin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    watch.visit(f"{base}/admin/")
    watch.visit(f"{base}/admin/records/user/")
    watch.visit(f"{base}/admin/records/user/{practitioner.pk}/change/")

    assert len(watch.visited) >= 30
    watch.assert_none()


@pytest.mark.django_db(transaction=True)
def test_the_watch_catches_a_planted_violation(page, live_server, watch):
    watch.visit(f"{live_server.url}/guidance/")
    watch.assert_none()
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
            '<img alt="" src="https://elsewhere.invalid/pixel.png"><p style="color: red">x</p>')"""
    )
    page.wait_for_function("window.__csp.length >= 2")
    watch.collect()
    found = watch.seen[page.url]
    assert any(v.startswith("img-src blocked https://elsewhere.invalid/") for v in found), found
    assert any(v.startswith("style-src-attr blocked inline") for v in found), found
