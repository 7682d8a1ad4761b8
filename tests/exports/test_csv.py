"""CSV of the current search: streamed, one row per record, formulas neutralised, audited,
the list's visibility, and never the snapshot or answers read into Python."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions import demo
from exports.csv import HEADER, csv_rows, neutralise, write_rows
from records.models import AuditEvent, DecisionRecord

pytestmark = pytest.mark.django_db


def _submitted(author, outcome="share_with_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def _download(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("exports:records_csv") + query)
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, body


def _table(body: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        (" =not first", " =not first"),
        ("", ""),
        (None, ""),
        (True, "yes"),
        (False, "no"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_one_row_per_record_with_the_outcome_title(client, auditor, practitioner):
    first = _submitted(practitioner)
    second = _submitted(practitioner, "not_share_no_purpose")
    response, body = _download(client, auditor)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="records-')
    assert response["Cache-Control"] == "no-store"
    rows = _table(body)
    assert list(rows[0]) == HEADER
    by_reference = {row["reference"]: row for row in rows}
    assert set(by_reference) == {first.reference, second.reference}
    row = by_reference[first.reference]
    assert row["outcome"] == "share_with_consent"
    assert row["outcome_title"] == first.snapshot["outcome"]["title"]
    assert row["organisation"] == "Testshire Council"
    assert row["team"] == "Family support"
    assert row["practitioner"] == "practitioner"
    assert row["subject_reference"] == "DEMO-C-0001"
    assert row["flowchart_version"] == first.flowchart_version


def test_formula_cells_are_neutralised_in_the_download(client, auditor, practitioner):
    record = _submitted(
        practitioner, subject_reference="=cmd|' /C calc'!A0", other_agency="@SUM(1+1)"
    )
    _, body = _download(client, auditor)
    (row,) = _table(body)
    assert row["reference"] == record.reference
    assert row["subject_reference"] == "'=cmd|' /C calc'!A0"
    assert row["other_agency"] == "'@SUM(1+1)"
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_the_search_query_is_kept(client, auditor, practitioner):
    wanted = _submitted(practitioner, subject_reference="CASE-WANTED")
    _submitted(practitioner, subject_reference="CASE-OTHER")
    _, body = _download(client, auditor, "?q=CASE-WANTED")
    assert [row["reference"] for row in _table(body)] == [wanted.reference]


def test_the_lists_filters_and_order_are_kept(client, auditor, practitioner):
    refused = _submitted(practitioner, "not_share_no_purpose")
    first = _submitted(practitioner)
    second = _submitted(practitioner)
    _, body = _download(client, auditor, "?outcome=share_with_consent&sort=oldest")
    assert [row["reference"] for row in _table(body)] == [first.reference, second.reference]
    _, body = _download(client, auditor, "?outcome=share_with_consent")
    assert [row["reference"] for row in _table(body)] == [second.reference, first.reference]
    _, body = _download(client, auditor, "?outcome=not_share_no_purpose")
    assert [row["reference"] for row in _table(body)] == [refused.reference]


def test_invalid_filters_select_nothing(client, auditor, practitioner):
    _submitted(practitioner)
    _, body = _download(client, auditor, "?outcome=no-such-outcome")
    assert _table(body) == []


def test_visibility_is_the_lists(client, practitioner, practitioner2, manager, manager2, auditor):
    mine = _submitted(practitioner)
    theirs = _submitted(practitioner2)
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )

    def references(user):
        _, body = _download(client, user)
        return {row["reference"] for row in _table(body)}

    assert references(practitioner) == {mine.reference}
    assert references(practitioner2) == {theirs.reference}
    assert references(manager) == {mine.reference, theirs.reference}
    assert references(manager2) == set()
    assert references(auditor) == {mine.reference, theirs.reference}
    assert draft.reference not in references(practitioner)


def test_each_download_is_audited_with_its_filters(client, auditor, practitioner):
    _submitted(practitioner)
    _download(client, auditor, "?q=DEMO&page=3")
    event = AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED).get()
    assert event.actor == auditor
    assert event.record is None
    assert event.details == {"format": "csv", "filters": {"q": ["DEMO"]}}


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(reverse("exports:records_csv"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_rows_never_read_the_json_columns(practitioner):
    for _ in range(3):
        _submitted(practitioner)
    with CaptureQueriesContext(connection) as queries:
        rows = list(csv_rows(DecisionRecord.objects.exclude(state="draft").order_by("pk")))
    assert len(rows) == 3
    assert len(queries) == 1
    sql = queries[0]["sql"]
    select = sql.split(" FROM ")[0]
    # The outcome's title is the column copied at submission: no JSON column is read at all.
    columns = [column.rsplit(" AS ", 1) for column in _top_level_columns(select)]
    assert '"outcome_title"' in [alias for _, alias in columns] or any(
        expression.endswith('"outcome_title"') for expression, *_ in columns
    )
    for json_column in ('"snapshot"', '"answers"', '"path"', '"completed_steps"'):
        assert not any(json_column in expression for expression, *_ in columns), json_column


def _top_level_columns(select: str) -> list[str]:
    """The SELECT list split on the commas outside brackets."""
    columns, depth, current = [], 0, ""
    for char in select.removeprefix("SELECT "):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            columns.append(current.strip())
            current = ""
        else:
            current += char
    return [*columns, current.strip()]


def test_write_rows_writes_the_header_and_counts(practitioner):
    records = [_submitted(practitioner) for _ in range(2)]
    out = io.StringIO()
    count = write_rows(
        DecisionRecord.objects.filter(pk__in=[r.pk for r in records]), csv.writer(out)
    )
    assert count == 2
    assert out.getvalue().splitlines()[0].split(",") == HEADER


def test_a_list_of_records_keeps_its_order(practitioner):
    first, second = _submitted(practitioner), _submitted(practitioner)
    assert [row[0] for row in csv_rows([second, first])] == [second.reference, first.reference]


def test_it_audits_a_query_string_holding_nul(client, auditor, practitioner):
    """PostgreSQL's jsonb refuses NUL: the filters are kept with U+FFFD in its place."""
    _submitted(practitioner)
    response, body = _download(client, auditor, "?q=ISD%00&x%00y=%00")

    assert response.status_code == 200
    assert _table(body) == []  # the search is invalid (no NUL in a search): nothing selected
    event = AuditEvent.objects.get(event=AuditEvent.Event.EXPORTED)
    assert event.details["filters"] == {"q": ["ISD\ufffd"], "x\ufffdy": ["\ufffd"]}
