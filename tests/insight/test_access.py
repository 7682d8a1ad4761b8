"""Who may see /insight/, what each view and download writes to the audit trail, and the
number of queries whatever the number of records."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from records.models import AuditEvent
from tests.insight.fixtures import PERIOD, make

pytestmark = pytest.mark.django_db
URLS = ["/insight/", "/insight/outcomes.svg", "/insight/outcomes.csv", "/insight/report.pdf"]


@pytest.mark.parametrize("url", URLS)
def test_practitioners_get_403_and_strangers_sign_in(client, practitioner, url):
    assert client.get(url).status_code == 302
    client.force_login(practitioner)
    assert client.get(url).status_code == 403


def test_a_manager_sees_only_the_teams_they_manage(client, records, manager2, school_team):
    client.force_login(manager2)
    page = client.get("/insight/", PERIOD)
    figures = page.context["figures"]
    assert figures.team_ids == [school_team.pk] and not figures.protect
    tables = {t.name: t for t in page.context["tables"]}
    assert tables["outcomes"].rows[-1] == ["Total", "0", "0", "0", "1", "0", "0", "1"]
    assert tables["agencies"].rows == [["Agency A", "1"]]


def test_a_manager_cannot_choose_another_team(client, records, manager, school_team):
    client.force_login(manager)
    response = client.get("/insight/", {**PERIOD, "team": school_team.pk})
    assert response.status_code == 400
    assert "Select a team from the list" in response.content.decode()
    assert client.get("/insight/outcomes.csv", {"team": school_team.pk}).status_code == 404


def test_bad_dates_are_messages_not_errors(client, manager):
    client.force_login(manager)
    response = client.get("/insight/", {"date_from": "2025-05-01", "date_to": "2025-01-01"})
    assert response.status_code == 400
    assert "The end date must be on or after the start date" in response.content.decode()
    response = client.get("/insight/", {"date_from": "not a date"})
    assert "Enter a real date" in response.content.decode()


def test_every_view_and_download_is_audited(client, records, auditor, family_team):
    client.force_login(auditor)
    params = {**PERIOD, "team": family_team.pk}
    client.get("/insight/", params)
    client.get("/insight/agencies.csv", params)
    pdf = client.get("/insight/report.pdf", params)
    assert pdf["Content-Type"] == "application/pdf"
    events = list(AuditEvent.objects.filter(actor=auditor).exclude(event="login").order_by("pk"))
    assert [(e.event, e.details.get("format"), e.details.get("chart")) for e in events] == [
        ("viewed", None, None),
        ("exported", "insight_csv", "agencies"),
        ("exported", "insight_pdf", None),
    ]
    for event in events:
        assert event.record_id is None
        assert event.details["page"] == "insight"
        assert event.details["from"] == "2025-01-01" and event.details["team"] == "Family support"


def test_the_board_report_says_period_filters_and_date_of_production(client, records, auditor):
    client.force_login(auditor)
    response = client.get("/insight/report.pdf", PERIOD)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "1 January 2025 to 31 March 2025" in text
    assert "All" in text and "Produced" in text
    assert "fewer than 5" in text
    assert "Decisions per month by outcome" in text and "Agencies shared with most" in text


def test_a_chart_is_an_svg_with_a_title_a_description_and_no_script(client, records, manager):
    client.force_login(manager)
    response = client.get("/insight/outcomes.svg", PERIOD)
    assert response["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    svg = response.content.decode()
    assert "<script" not in svg
    assert '<title id="outcomes-title">Decisions per month by outcome</title>' in svg
    assert '<desc id="outcomes-desc">9 decisions in the period' in svg
    assert 'id="pattern-1"' in svg
    assert client.get("/insight/nonsense.svg").status_code == 404


def _seed(count, team, author):
    for i in range(count):
        make(team, author, ["share_with_consent", "share_without_consent"][i % 2],
             f"2025-0{1 + i % 3}-{1 + i % 27:02d}T10:00", lawful_basis="public_task",
             other_agency=f"Agency {i % 12}", reason="refused" if i % 2 else "")  # fmt: skip


@pytest.mark.parametrize("url", ["/insight/", "/insight/outcomes.csv", "/insight/turnaround.svg"])
def test_the_same_queries_for_3_records_as_for_30(client, auditor, family_team, practitioner, url):
    client.force_login(auditor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, PERIOD).status_code == 200
        return len(captured)

    queries()  # the session's first request may write to it; the records' pages do not
    _seed(3, family_team, practitioner)
    few = queries()
    _seed(27, family_team, practitioner)
    assert queries() == few
