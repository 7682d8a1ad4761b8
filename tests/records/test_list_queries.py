"""The lists stay cheap at any size: the same queries for 3 records as for 30, never the
answers or snapshot read whole, no count, keyset pages, and (on PostgreSQL) the indexes the
filters were written for."""

import importlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions import demo
from records.models import DecisionRecord

OUTCOMES = ["share_with_consent", "share_without_consent", "not_share_no_purpose"]
URGENT = {"urgent": "yes"}


@pytest.fixture(autouse=True)
def sql_as_written(settings):
    """These tests read the SQL itself: a statement prepared on PostgreSQL is logged as its
    name (``EXECUTE share_3``). The SQL prepared is this same SQL (tests/records/test_rows)."""
    settings.DATABASE_PREPARED_STATEMENTS = False


def seed(count, *authors):
    """``count`` submitted records over the authors and outcomes, one draft each."""
    for n in range(count):
        author = authors[n % len(authors)]
        outcome = OUTCOMES[n % len(OUTCOMES)]
        extra = URGENT if outcome == "share_without_consent" and n % 2 else {}
        demo.create_submitted(
            author=author,
            answers=demo.finished_answers(outcome, subject_reference=f"DEMO-Q-{n:04d}", **extra),
        )
    for author in authors:
        demo.create_draft(author=author, answers={**demo.CONTEXT}, complete=False)


PAGES = [
    ("auditor", "/records/"),
    ("auditor", "/records/?sort=oldest"),
    ("auditor", "/records/?q=DEMO-Q-0001"),
    ("auditor", "/records/?q=Northshire"),
    ("auditor", "/records/?case=demo-q&outcome=share_with_consent&lawful_basis=public_task"),
    ("auditor", "/records/?organisation={org}&urgent=no&state=recorded"),
    ("auditor", "/records/?team={team}&practitioner={practitioner}"),
    ("auditor", "/records/?date_from=2000-01-01&date_to=2999-12-31&overdue=yes"),
    ("auditor", "/records/?text=fictional"),
    ("auditor", "/"),
    ("manager", "/records/"),
    ("manager", "/records/?overdue=yes"),
    ("manager", "/"),
    ("practitioner", "/records/"),
    ("practitioner", "/"),
]


def url_for(url, practitioner):
    team = practitioner.team
    return url.format(org=team.organisation_id, team=team.pk, practitioner=practitioner.pk)


def queries_for(client, user, url):
    client.force_login(user)
    client.get(url)  # sessions and caches settled
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_the_same_queries_for_3_records_as_for_30(
    client, request, django_assert_num_queries, practitioner, practitioner2, manager, who, url
):
    user = request.getfixturevalue(who)
    url = url_for(url, practitioner)
    seed(3, practitioner, practitioner2, manager)
    few = len(queries_for(client, user, url))

    seed(27, practitioner, practitioner2, manager)
    client.force_login(user)
    with django_assert_num_queries(few):
        assert client.get(url).status_code == 200


def test_a_deep_page_issues_the_queries_of_the_first(
    client, auditor, practitioner, django_assert_num_queries
):
    seed(60, practitioner)
    client.force_login(auditor)
    first = client.get("/records/")
    second = client.get("/records/", {"cursor": first.context["page"].next_cursor})
    third_cursor = second.context["page"].next_cursor

    with CaptureQueriesContext(connection) as on_first:
        client.get("/records/")
    with django_assert_num_queries(len(on_first)):
        third = client.get("/records/", {"cursor": third_cursor})
    assert len(third.context["rows"]) == 10


# The answers and the snapshot are kilobytes of JSON a row: a list may read a key of them
# (a draft's case reference), never the whole.
WHOLE_JSON = re.compile(r'"records_decisionrecord"\."(answers|snapshot)"(?!\s*(->|#>|,\s*\'\$))')


@pytest.mark.parametrize(("who", "url"), PAGES)
def test_lists_never_read_the_answers_or_snapshot_whole(
    client, request, practitioner, practitioner2, manager, who, url
):
    seed(6, practitioner, practitioner2, manager)
    # Something in the manager's queue, and something waiting for the practitioner.
    demo.create_returned(
        author=practitioner,
        manager=manager,
        answers=demo.finished_answers("share_without_consent"),
        comment="Fictional: say more.",
    )
    demo.create_submitted(author=practitioner2, answers=demo.finished_answers(OUTCOMES[1]))

    sqls = queries_for(client, request.getfixturevalue(who), url_for(url, practitioner))

    for sql in sqls:
        if "records_decisionrecord" in sql:
            assert not WHOLE_JSON.search(sql), sql


@pytest.mark.parametrize("url", ["/records/", "/records/?outcome=share_with_consent"])
def test_a_list_is_never_counted_nor_offset(client, auditor, practitioner, url):
    seed(30, practitioner)
    client.force_login(auditor)
    first = client.get(url)
    cursor = first.context["page"].next_cursor

    sqls = queries_for(client, auditor, f"{url}{'&' if '?' in url else '?'}cursor={cursor}")

    listing = [sql for sql in sqls if 'FROM "records_decisionrecord"' in sql and "LIMIT 26" in sql]
    assert len(listing) == 1
    assert "OFFSET" not in listing[0]
    assert not any("COUNT(" in sql for sql in sqls)


# --- PostgreSQL: each filter on the index written for it ------------------------------------


def plan(sql, *, ordered=False):
    """The plan with sequential scans off, and either plain index walks off (which index
    can find the rows) or sorts off (which index gives them in the list's order)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL {'enable_sort' if ordered else 'enable_indexscan'} = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def without_the_date_indexes():
    """Every index on the submission time dropped, in this test's transaction only. A list of
    decisions says ``submitted_at IS NOT NULL`` (selectors.submitted_only), and with three rows
    a bitmap of any such index costs as little as the search's own, so PostgreSQL may take
    one: without them, the plan says which index finds a search's matches. At 100,000
    records it finds them on the search's own (a case reference: its three indexes,
    0.2 ms), the date indexes there."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'records_decisionrecord' "
            "AND indexdef LIKE '%%submitted_at%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')


def listing_sql(client, user, url):
    sqls = queries_for(client, user, url)
    return next(sql for sql in sqls if "LIMIT 26" in sql)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="The GIN and pattern indexes are PostgreSQL's"
)


@postgresql_only
def test_words_in_the_reasons_use_the_full_text_index(client, auditor, practitioner):
    seed(3, practitioner)

    sql = listing_sql(client, auditor, "/records/?text=harm")

    # The stored vector (migration 0008), never one computed from the reasons row by row.
    assert '"reasons_search" @@' in sql
    assert "to_tsvector" not in sql
    without_the_date_indexes()
    assert "Bitmap Index Scan on record_reasons_fts" in plan(sql)


@postgresql_only
def test_the_stored_vector_is_the_reasons_own_and_indexed(practitioner):
    seed(3, practitioner)
    DecisionRecord.objects.update(reasons_text="Fictional: a neighbour reported bruising.")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE reasons_search = "
            "to_tsvector('english'::regconfig, reasons_text)) FROM records_decisionrecord"
        )
        rows, same = cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'record_reasons_fts'")
        (index,) = cursor.fetchone()

    assert rows == same > 0
    assert "USING gin (reasons_search)" in index
    # No pending list for searches to read in full (migration 0011).
    assert "WITH (fastupdate=off)" in index


@postgresql_only
def test_words_in_the_reasons_are_found_by_their_stem(client, auditor, practitioner):
    seed(3, practitioner)
    record = DecisionRecord.objects.exclude(state=DecisionRecord.State.DRAFT).first()
    DecisionRecord.objects.filter(pk=record.pk).update(
        reasons_text="Fictional: the family was neglected for months."
    )
    client.force_login(auditor)

    found = client.get("/records/?text=neglect").context["rows"]
    missed = client.get("/records/?text=trafficking").context["rows"]

    assert [row.reference for row in found] == [record.reference]
    assert missed == []


@postgresql_only
@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/records/?case=demo-q-00", "record_subject_ref_ci"),
        ("/records/?q=demo-q-0001", "record_subject_ref_ci"),
        ("/records/?q=northshire", "record_agency_ci"),
        ("/records/?q=ISD-2026-00001", "records_decisionrecord_reference"),
    ],
)
def test_references_and_agencies_are_found_on_their_indexes(
    client, auditor, practitioner, url, index
):
    seed(3, practitioner)
    sql = listing_sql(client, auditor, url)
    without_the_date_indexes()

    explained = plan(sql)

    assert f"Bitmap Index Scan on {index}" in explained, explained


@postgresql_only
@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/records/", "record_submitted_desc"),
        ("/records/?sort=oldest", "record_submitted_desc"),
        ("/records/?lawful_basis=consent", "record_basis_submitted"),
        ("/records/?urgent=yes", "record_urgent_submitted"),
        ("/records/?team={team}", "record_team_submitted"),
        ("/records/?practitioner={practitioner}", "record_author_submitted"),
        ("/records/?outcome=share_with_consent", "record_outcome_submitted"),
    ],
)
def test_filters_are_walked_in_date_order_on_their_indexes(
    client, auditor, practitioner, url, index
):
    seed(3, practitioner)
    sql = listing_sql(client, auditor, url_for(url, practitioner))
    if index != "record_submitted_desc":
        # With three rows any walk is as cheap as another: take the date index away (in
        # this test's transaction only) so the plan says whether the filter's own index
        # gives the rows in the list's order.
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX record_submitted_desc")

    explained = plan(sql, ordered=True)

    # An index-only scan where the index carries every column read (migration 0019).
    assert re.search(rf"Index (Only )?Scan (Backward )?using {index}\b", explained), explained
    # No sort of what was found, beyond ties on the date (record_outcome_submitted ends at
    # the date: an incremental sort on id within a timestamp).
    assert "Sort Key" not in explained or "Presorted Key" in explained, explained


def test_the_index_names_the_pages_rely_on_exist(db):
    names = {
        constraint
        for constraint in connection.introspection.get_constraints(
            connection.cursor(), DecisionRecord._meta.db_table
        )
    }
    expected = {
        "record_submitted_desc",
        "record_team_submitted",
        "record_author_submitted",
        "record_outcome_submitted",
        "record_urgent_submitted",
        "record_subject_ref_ci",
        "record_agency_ci",
    }
    expected |= (
        {"record_reasons_fts", "record_basis_submitted"}
        if connection.vendor == "postgresql"
        else {"record_list_filters"}
    )
    assert expected <= names


# --- PostgreSQL: the date walk reads the index alone (migration 0019) -----------------------

COVERING = importlib.import_module("records.migrations.0019_date_index_covers_the_lists")
DATE_WALKED = [
    ("auditor", "/records/"),
    ("auditor", "/records/?sort=oldest"),
    ("auditor", "/records/?q=Northshire"),
    ("auditor", "/records/?q=demo-q-0001"),
    ("manager", "/records/"),
    ("manager", "/records/?q=Northshire"),
]


@postgresql_only
@pytest.mark.parametrize(("who", "url"), DATE_WALKED)
def test_the_date_walk_reads_no_row_it_does_not_show(
    client, request, practitioner, practitioner2, who, url
):
    seed(3, practitioner, practitioner2)
    sql = listing_sql(client, request.getfixturevalue(who), url)

    explained = plan(sql, ordered=True)

    assert re.search(r"Index Only Scan (Backward )?using record_submitted_desc\b", explained), (
        explained
    )


@pytest.mark.parametrize(("who", "url"), DATE_WALKED)
def test_the_date_index_carries_every_column_a_date_walked_list_reads(
    client, request, practitioner, who, url
):
    seed(3, practitioner)
    sql = listing_sql(client, request.getfixturevalue(who), url)
    # The listing's own table, outside its subqueries (U0, U1: another table each).
    read = set(re.findall(r'"records_decisionrecord"\."(\w+)"', sql))

    assert read, sql
    assert read <= {"submitted_at", "id", *COVERING.COLUMNS}, read - set(COVERING.COLUMNS)


@postgresql_only
def test_the_date_index_is_the_migrations(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'record_submitted_desc'")
        (definition,) = cursor.fetchone()

    assert "(submitted_at DESC, id DESC)" in definition
    assert f"INCLUDE ({', '.join(COVERING.COLUMNS)})" in definition


# --- Drafts: never walked by a list of decisions ---------------------------------------------


@pytest.mark.parametrize(
    ("who", "url"),
    [("auditor", "/records/"), ("auditor", "/records/?sort=oldest"), ("manager", "/records/")],
)
def test_a_list_of_decisions_starts_past_the_drafts(client, request, practitioner, who, url):
    """A draft has no submission time: PostgreSQL sorts it first newest first, SQLite
    oldest first. The list says so, so its walk starts past them (selectors.submitted_only)."""
    seed(3, practitioner)
    for _ in range(5):
        demo.create_draft(author=practitioner, answers={**demo.CONTEXT}, complete=False)

    sql = listing_sql(client, request.getfixturevalue(who), url)

    assert re.search(r'"records_decisionrecord"\."submitted_at" IS NOT NULL', sql), sql


@postgresql_only
@pytest.mark.parametrize("url", ["/records/", "/records/?sort=oldest"])
def test_the_date_walk_skips_the_drafts_on_the_index(client, auditor, practitioner, url):
    seed(3, practitioner)
    for _ in range(5):
        demo.create_draft(author=practitioner, answers={**demo.CONTEXT}, complete=False)
    sql = listing_sql(client, auditor, url)

    explained = plan(sql, ordered=True)

    assert "Index Cond: (submitted_at IS NOT NULL)" in explained, explained
