"""The bench's record-data and record-opened pages (config.bench_urls): the record page's
reads and its audit write and nothing more, and the record's read and its event alone, so
that `make bench` can say how much of the record page's time its data takes, and how much
any view of a record must take."""

import pytest
from django.db import connection
from django.test import override_settings

from decisions import demo
from records.models import AuditEvent
from tests.records.test_record_detail_view import _as_written

pytestmark = pytest.mark.urls("config.bench_urls")


@pytest.fixture
def record(practitioner):
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )


def _statements(client, path):
    """The response, and each statement it ran as written (parameters as placeholders)."""
    sqls = []

    def written(execute, sql, params, many, context):
        sqls.append(_as_written(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(written):
        response = client.get(path)
    return response, sqls


def _viewed(record):
    return AuditEvent.objects.filter(record=record, event=AuditEvent.Event.VIEWED).count()


def test_it_does_the_record_pages_data_work_and_nothing_else(client, practitioner, record):
    client.force_login(practitioner)

    page, on_the_page = _statements(client, f"/records/{record.reference}/")
    data, on_the_data = _statements(client, f"/bench/record-data/{record.reference}/")

    assert page.status_code == data.status_code == 200
    assert set(on_the_data) <= set(on_the_page)
    reads = [sql for sql in on_the_data if sql.startswith("SELECT")]
    for table in ("records_decisionrecord", "records_submission", "records_auditevent"):
        assert any(f'FROM "{table}"' in sql for sql in reads), table
    assert _viewed(record) == 2  # one for each, as the record page writes it
    assert record.reference not in data.content.decode()  # nothing of the record drawn


def test_it_opens_the_record_as_its_page_does_and_reads_nothing_more(client, practitioner, record):
    client.force_login(practitioner)

    page, on_the_page = _statements(client, f"/records/{record.reference}/")
    opened, on_opening = _statements(client, f"/bench/record-opened/{record.reference}/")

    assert page.status_code == opened.status_code == 200
    assert set(on_opening) <= set(on_the_page)
    reads = " ".join(sql for sql in on_opening if sql.startswith("SELECT"))
    on_the_pages_reads = " ".join(sql for sql in on_the_page if sql.startswith("SELECT"))
    assert 'FROM "records_submission"' in on_the_pages_reads
    assert 'FROM "records_auditevent" WHERE' in on_the_pages_reads
    assert 'FROM "records_decisionrecord"' in reads
    assert 'FROM "records_submission"' not in reads  # no history
    assert 'FROM "records_auditevent" WHERE' not in reads  # no trail
    assert _viewed(record) == 2
    assert record.reference not in opened.content.decode()


@pytest.mark.parametrize("page", ["record-data", "record-opened"])
def test_it_lets_only_those_who_may_see_the_record(client, practitioner2, record, page):
    assert client.get(f"/bench/{page}/{record.reference}/").status_code == 302
    client.force_login(practitioner2)

    assert client.get(f"/bench/{page}/{record.reference}/").status_code == 404
    assert _viewed(record) == 0


@override_settings(ROOT_URLCONF="config.urls")
def test_the_service_itself_has_no_bench_pages(client, practitioner, record):
    client.force_login(practitioner)

    assert client.get(f"/bench/record-data/{record.reference}/").status_code == 404
    assert client.get(f"/bench/record-opened/{record.reference}/").status_code == 404
    assert client.get("/bench/bare/").status_code == 404
