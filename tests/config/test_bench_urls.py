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


def _beside_the_record_page(client, user, record, bench_page):
    """The record page and a bench page of the same record, in turn, as ``user``: both
    answer, the bench page runs none but the record page's statements, writes its viewed
    event as the record page does, and draws nothing of the record. Their reads, as SQL."""
    client.force_login(user)

    page, on_the_page = _statements(client, f"/records/{record.reference}/")
    bench, on_the_bench = _statements(client, f"/bench/{bench_page}/{record.reference}/")

    assert page.status_code == bench.status_code == 200
    assert set(on_the_bench) <= set(on_the_page)
    assert _viewed(record) == 2  # one for each, as the record page writes it
    assert record.reference not in bench.content.decode()  # nothing of the record drawn
    return (
        " ".join(sql for sql in on_the_page if sql.startswith("SELECT")),
        " ".join(sql for sql in on_the_bench if sql.startswith("SELECT")),
    )


def test_it_does_the_record_pages_data_work_and_nothing_else(client, practitioner, record):
    _, reads = _beside_the_record_page(client, practitioner, record, "record-data")

    for table in ("records_decisionrecord", "records_submission", "records_auditevent"):
        assert f'FROM "{table}"' in reads, table


def test_it_opens_the_record_as_its_page_does_and_reads_nothing_more(client, practitioner, record):
    on_the_pages_reads, reads = _beside_the_record_page(
        client, practitioner, record, "record-opened"
    )

    assert 'FROM "records_submission"' in on_the_pages_reads
    assert 'FROM "records_auditevent" WHERE' in on_the_pages_reads
    assert 'FROM "records_decisionrecord"' in reads
    assert 'FROM "records_submission"' not in reads  # no history
    assert 'FROM "records_auditevent" WHERE' not in reads  # no trail


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
