"""Every chart's table and CSV against figures worked out by hand for a fixed set of records
(tests/insight/fixtures.py), within a single team (exact) and beyond it (suppressed)."""

from __future__ import annotations

import csv
import io

import pytest

from insight.figures import Dashboard
from tests.insight.fixtures import EXPECTED, HOSTILE_AGENCY, PERIOD

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_every_chart_has_an_expectation():
    assert set(EXPECTED) == set(Dashboard.CHARTS)


@pytest.mark.parametrize("name", Dashboard.CHARTS)
def test_a_single_teams_figures_are_exact_in_table_and_csv(client, records, manager, name):
    client.force_login(manager)
    page = client.get("/insight/", PERIOD)
    assert page.status_code == 200
    table = next(t for t in page.context["tables"] if t.name == name)
    assert table.rows == EXPECTED[name]
    assert f'id="{name}-table"' in page.content.decode()

    response = client.get(f"/insight/{name}.csv", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == table.headers
    expected = [
        [("'" + cell) if cell == HOSTILE_AGENCY else cell for cell in row] for row in EXPECTED[name]
    ]
    assert rows[1:] == expected


def test_an_auditor_choosing_the_team_sees_the_managers_figures(
    client, records, auditor, family_team
):
    client.force_login(auditor)
    page = client.get("/insight/", {**PERIOD, "team": family_team.pk})
    assert not page.context["figures"].protect
    assert {t.name: t.rows for t in page.context["tables"]} == EXPECTED


def test_beyond_a_single_team_small_counts_are_fewer_than_5_and_the_rest_rounded(
    client, records, auditor
):
    client.force_login(auditor)
    page = client.get("/insight/", PERIOD)
    figures = page.context["figures"]
    assert figures.protect
    tables = {t.name: t for t in page.context["tables"]}
    few = "fewer than 5"
    # The other team's share without consent in February joins the nine.
    assert tables["outcomes"].rows == [
        ["January 2025", few, "0", "0", few, "0", "0", few],
        ["February 2025", "0", "0", "0", few, few, few, few],
        ["March 2025", "0", few, few, few, "0", "0", few],
        ["Total", few, few, few, "5", few, few, "10"],
    ]
    assert tables["without_consent"].rows[-1] == ["Total", "5", "10", "50%"]
    assert tables["without_consent"].rows[0] == ["January 2025", few, few, "not shown"]
    assert tables["overdue"].rows == [
        ["Prior approval", few],
        ["Review of an urgent share", few],
        ["Total", few],
    ]
    assert tables["turnaround"].rows[0] == [
        "Prior approvals (approved, returned or rejected)",
        few,
        "not shown",
        "not shown",
    ]
    assert tables["turnaround"].rows[2] == ["All", "5", "2 working days", "3 working days"]
    assert tables["agencies"].rows == [["Agency A", few], ["Agency B", few], [HOSTILE_AGENCY, few]]
    # The CSV says the same.
    assert csv_rows(client.get("/insight/outcomes.csv", PERIOD))[1:] == tables["outcomes"].rows
    # Nothing below the threshold survives anywhere on the page but as "fewer than 5".
    for table in tables.values():
        for row in table.rows:
            for cell in row[1:]:
                assert (
                    cell in (few, "0", "not shown", "–")
                    or cell.endswith(("%", "days"))
                    or (int(cell.replace(",", "")) % 5 == 0)
                ), (table.name, row)


def test_a_period_without_records_is_all_zeros(client, records, manager):
    client.force_login(manager)
    page = client.get("/insight/", {"date_from": "2020-01-01", "date_to": "2020-01-31"})
    tables = {t.name: t for t in page.context["tables"]}
    assert tables["outcomes"].rows[-1] == ["Total", "0", "0", "0", "0", "0", "0", "0"]
    assert tables["turnaround"].rows[-1] == ["All", "0", "–", "–"]
    assert tables["agencies"].rows == []
