"""The guidance library in a real browser: accessible, usable by keyboard, fits a phone."""

import pytest

PAGES = [
    "/guidance/",
    "/guidance/consent-and-confidentiality/",
    "/guidance/faq/",
    "/guidance/flowchart/",
    "/guidance/search/?q=consent",
]


@pytest.mark.parametrize("path", PAGES)
def test_it_has_no_accessibility_violations(page, live_server, assert_accessible, path):
    page.goto(f"{live_server.url}{path}")
    assert page.locator("h1").count() == 1
    assert_accessible()


def test_it_has_no_accessibility_violations_when_nothing_is_found(
    page, live_server, assert_accessible
):
    page.goto(f"{live_server.url}/guidance/search/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.get_by_text("No pages found for").is_visible()
    assert_accessible()


def test_it_reaches_every_link_in_the_main_content_by_keyboard(page, live_server):
    page.goto(f"{live_server.url}/guidance/")
    expected = set(page.eval_on_selector_all("main a[href]", "links => links.map(a => a.href)"))
    focusable = page.locator("a[href], button, input, select, textarea").count()

    reached = set()
    for _ in range(focusable + 5):
        page.keyboard.press("Tab")
        href = page.evaluate("() => document.activeElement && document.activeElement.href")
        if href:
            reached.add(href)

    assert expected, "no links in main"
    assert expected <= reached, expected - reached


def test_it_searches_from_the_index_by_keyboard(page, live_server):
    page.goto(f"{live_server.url}/guidance/")
    page.get_by_label("Search the guidance").fill("Caldicott")
    page.keyboard.press("Enter")
    page.wait_for_url("**/guidance/search/?q=Caldicott")
    first = page.locator(".app-search-results__item").first
    assert first.get_by_role("link").inner_text() == "Getting advice"
    assert first.locator("mark").count() >= 1


@pytest.mark.parametrize("path", PAGES)
def test_it_fits_a_phone_screen_without_scrolling_sideways(page, live_server, path):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_it_jumps_to_a_linked_passage(page, live_server):
    page.goto(f"{live_server.url}/guidance/consent-and-confidentiality/#vital-interests")
    heading = page.locator("#vital-interests")
    assert heading.inner_text() == "Vital interests"
    assert heading.is_visible()


def test_it_hides_navigation_and_shows_only_external_link_targets_in_print(page, live_server):
    page.goto(f"{live_server.url}/guidance/further-resources/")
    page.emulate_media(media="print")

    assert not page.locator(".govuk-header").is_visible()
    assert not page.locator(".govuk-footer").is_visible()
    assert not page.locator(".app-contents-list").is_visible()
    assert page.locator(".app-document-control").is_visible()

    def after(selector):
        return page.eval_on_selector(
            selector, "a => getComputedStyle(a, '::after').getPropertyValue('content')"
        )

    assert "https://www.gov.uk" in after('.app-guidance-body a[href="https://www.gov.uk"]')
    assert after('.app-guidance-body a[href^="/guidance/"]') in ("none", "normal", '""')
