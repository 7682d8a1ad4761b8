"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD

# The sync Playwright API runs an event loop; Django's ORM calls in the same thread are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(page, axe):
    """Run axe-core on the page as it stands; fail listing every violation."""

    def check():
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


@pytest.fixture
def sign_in(page, live_server):
    def sign_in_as(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return sign_in_as
