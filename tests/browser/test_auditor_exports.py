"""The auditor's day in a real browser, with axe-core on each page: filter the list, open a
record, download its PDF, start a bulk export, watch a real worker finish it and download the
ZIP. Another practitioner gets 404 on a record's PDF that is not theirs."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect
from pypdf import PdfReader

from decisions import demo
from tests.browser.wizard_pages import AccessibilityLog
from tests.config.processes import run_worker_batch

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def a11y(page, axe):
    return AccessibilityLog(page, axe)


@pytest.fixture
def records(practitioner):
    """Three fictional decisions: two shares with consent and one refusal."""
    return [
        demo.create_submitted(
            author=practitioner,
            answers=demo.finished_answers(outcome, subject_reference=f"DEMO-C-07{number:02d}"),
        )
        for number, outcome in enumerate(
            ["share_with_consent", "share_with_consent", "not_share_no_purpose"]
        )
    ]


def run_worker() -> subprocess.CompletedProcess:
    """A real db_worker on the test database: builds what is queued, then exits."""
    return run_worker_batch(Path(settings.MEDIA_ROOT))  # the live server serves from here


def test_an_auditor_filters_reads_downloads_and_exports(
    page, live_server, sign_in, a11y, auditor, practitioner2, records
):
    if connection.vendor != "postgresql":
        pytest.skip("the worker is a second process: it needs the PostgreSQL test database")
    consented = records[0]
    sign_in(auditor)

    # Filter the list by outcome.
    page.goto(f"{live_server.url}/records/")
    a11y.check()
    outcome_title = consented.snapshot["outcome"]["title"]
    page.get_by_label("Outcome").select_option(label=outcome_title)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"{live_server.url}/records/?**")
    a11y.check()
    table = page.locator("table.govuk-table")
    for record in records[:2]:
        expect(table.get_by_role("link", name=record.reference, exact=True)).to_be_visible()
    expect(table.get_by_role("link", name=records[2].reference, exact=True)).to_have_count(0)
    filtered_list = page.url

    # Open a record and download its PDF.
    table.get_by_role("link", name=consented.reference, exact=True).click()
    page.wait_for_url(f"{live_server.url}/records/{consented.reference}/")
    a11y.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this record as a PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert consented.reference in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    # Export the filtered search in bulk; a real worker builds it while the page watches.
    page.goto(filtered_list)
    page.get_by_role("button", name="Export these records").click()
    page.wait_for_url(f"{live_server.url}/exports/**")
    a11y.check()
    worker = run_worker()
    assert worker.returncode == 0, worker.stdout + worker.stderr
    download_link = page.get_by_role("link", name="Download the ZIP file")
    expect(download_link).to_be_visible(timeout=15_000)  # the page's script polls the status
    a11y.check()
    with page.expect_download() as download:
        download_link.click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        pdfs = [name for name in names if name.endswith(".pdf")]
        assert len(pdfs) == 2
        assert "manifest.csv" in names
        for name in pdfs:
            assert PdfReader(io.BytesIO(archive.read(name))).pages

    # Another practitioner may not have a record's PDF that is not theirs.
    page.context.clear_cookies()
    sign_in(practitioner2)
    response = page.goto(f"{live_server.url}/records/{consented.reference}/pdf/")
    assert response.status == 404
    a11y.finish()
