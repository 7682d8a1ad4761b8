"""The dashboard in a real browser: axe-core finds no violation, and every chart renders as
an SVG image with a title and a description."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from insight.figures import Dashboard
from tests.conftest import _user
from tests.insight.fixtures import PERIOD, fixed_records


@pytest.fixture
def insight_records(family_team, school_team, practitioner, manager):
    other = _user("schoolpractitioner", "practitioner", school_team)
    fixed_records(
        team=family_team,
        other_team=school_team,
        author=practitioner,
        other_author=other,
        manager=manager,
    )


@pytest.mark.django_db(transaction=True)
def test_dashboard_is_accessible_and_every_chart_is_an_svg(
    page, live_server, sign_in, assert_accessible, insight_records, auditor
):
    sign_in(auditor)
    page.get_by_role("link", name="Insight").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Management information")
    page.get_by_label("From").fill(PERIOD["date_from"])
    page.get_by_label("To").fill(PERIOD["date_to"])
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".app-insight__chart")).to_have_count(len(Dashboard.CHARTS))
    assert_accessible()
    for name in Dashboard.CHARTS:
        image = page.locator(f"#{name} img")
        expect(image).to_have_attribute("alt", f"Chart: {image.get_attribute('alt')[7:]}")
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
        svg = page.evaluate("url => fetch(url).then(r => r.text())", image.get_attribute("src"))
        assert svg.startswith("<svg") and "<script" not in svg
        assert f'<title id="{name}-title">' in svg and f'<desc id="{name}-desc">' in svg
        shot = image.screenshot()
        assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 2000
    # The screenshot of a chart is not blank: it has more than the background's colour.
    png = page.locator("#outcomes img").screenshot()
    assert len(set(base64.b64encode(png)[100:4000])) > 20
