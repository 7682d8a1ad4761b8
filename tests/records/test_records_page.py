"""records_page: the /records/ page read with SQL built once per shape must hold exactly the
records the ORM's search (search_records, which the CSV and bulk export use) pages to, for
every user, filter, order and cursor."""

import datetime
import itertools

from django.http import QueryDict
from django.utils import timezone

from decisions import demo
from records import selectors
from records.filters import records_page, search_records
from records.models import DecisionRecord
from records.search import seek_page

SIZE = 3  # small pages: each walk crosses several cursors


def _submitted(author, outcome, days, **overrides):
    record = demo.create_submitted(
        author=author, answers=demo.finished_answers(outcome, **overrides)
    )
    at = timezone.now() - datetime.timedelta(days=days, hours=days % 5)
    DecisionRecord.objects.filter(pk=record.pk).update(submitted_at=at)
    return record


def _walk(read_page, cursor=""):
    """Every page from the first, following next then back once: the references seen."""
    pages = []
    for _ in range(10):
        page = read_page(cursor)
        pages.append([row["reference"] for row in page.object_list])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    if page.previous_cursor:
        pages.append([row["reference"] for row in read_page(page.previous_cursor).object_list])
    return pages


def _orm(user, query):
    def read_page(cursor):
        filters, records = search_records(user=user, params=QueryDict(query))
        return seek_page(selectors.listed(records), cursor=cursor, sort=filters.order, size=SIZE)

    return read_page


def _prepared(user, query):
    def read_page(cursor):
        return records_page(user=user, params=QueryDict(query), cursor=cursor, size=SIZE)[1]

    return read_page


def test_it_pages_to_the_same_records_as_the_orms_search(
    auditor, manager, manager2, practitioner, practitioner2, family_team, school_team
):
    people = (practitioner, practitioner2, manager, manager2)
    outcomes = ("share_with_consent", "share_without_consent", "not_share_no_purpose")
    for n, (author, outcome) in enumerate(itertools.product(people, outcomes)):
        _submitted(author, outcome, days=n * 11, urgent="yes" if n % 4 == 0 else "no")
    a_month_ago = timezone.localdate() - datetime.timedelta(days=30)
    first = DecisionRecord.objects.order_by("pk").first()
    queries = [
        "",
        "sort=oldest",
        "outcome=share_without_consent",
        "state=recorded",
        "state=awaiting_approval&sort=oldest",
        f"team={family_team.pk}",
        f"organisation={school_team.organisation_id}",
        f"practitioner={practitioner.pk}",
        "lawful_basis=none",
        "lawful_basis=consent",
        "urgent=yes",
        "urgent=no&outcome=share_without_consent",
        "overdue=yes",
        f"date_from={a_month_ago:%Y-%m-%d}",
        f"date_to={a_month_ago:%Y-%m-%d}&sort=oldest",
        f"team={school_team.pk}&state=recorded&urgent=no",
        "q=nothing-matches",
        "q=DEMO",  # the start of a case reference, any case
        "q=demo-c",
        f"q={first.reference.lower()}",  # a record reference
        f"q={first.subject_reference}",
        "q=northshire",  # the start of an agency
        "q=Eastmoor",
        "q=50%25_off%5C",  # wildcards and the escape character are text
        "case=demo",
        f"case={first.subject_reference[:6]}&sort=oldest",
        "case=%25",
        "case=_",
        "text=fictional",
        "text=bruising%20school",
        "text=%25",
        "text=fictional&team=" + str(family_team.pk) + "&urgent=no",
    ]
    walked = 0
    for user in (auditor, manager, manager2, practitioner):
        for query in queries:
            expected = _walk(_orm(user, query))
            assert _walk(_prepared(user, query)) == expected, (user.username, query)
            walked += sum(len(page) for page in expected)
    assert walked > 100  # the walks read records, not only empty pages
    for query in ("q=northshire", "case=demo", "text=fictional", f"q={first.reference}"):
        assert _walk(_prepared(auditor, query))[0], query  # the searches find records


def test_a_filter_that_does_not_validate_shows_no_records(auditor, practitioner):
    _submitted(practitioner, "share_with_consent", days=1)

    filters, page = records_page(
        user=auditor, params=QueryDict("outcome=no-such-outcome"), cursor="", size=SIZE
    )

    assert filters.errors
    assert list(page) == []


def test_a_search_matching_many_finds_what_one_matching_few_finds(
    monkeypatch, auditor, manager, practitioner, practitioner2
):
    """On SQLite a reference search matching MANY_MATCHES or more walks the date order
    checking ids against the matches: the same records, page by page, as the plain OR."""
    for n in range(8):
        _submitted((practitioner, practitioner2)[n % 2], "share_with_consent", days=n * 3)
    first = DecisionRecord.objects.order_by("pk").first()
    queries = ["q=northshire", "q=demo-c", f"q={first.subject_reference}", "q=none-such"]
    few = {
        (user.username, query): _walk(_orm(user, query))
        for user in (auditor, manager)
        for query in queries
    }

    monkeypatch.setattr("records.search.MANY_MATCHES", 2)

    for user in (auditor, manager):
        for query in queries:
            expected = few[(user.username, query)]
            assert _walk(_orm(user, query)) == expected, query
            assert _walk(_prepared(user, query)) == expected, query
    assert len({ref for page in few[("auditor", "q=northshire")] for ref in page}) == 8


def test_a_managers_overdue_list_checks_their_scope_on_the_rows_found(
    settings, manager, practitioner
):
    """Overdue finds its rows on the (state, submitted_at) index; the manager's scope is then
    a check on those rows (written ``+team_id``), never a bitmap of every record in it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DATABASE_PREPARED_STATEMENTS = False  # the SQL as written, not its name

    _submitted(practitioner, "share_without_consent", days=30)

    with CaptureQueriesContext(connection) as queries:
        records_page(user=manager, params=QueryDict("overdue=yes"), cursor="", size=SIZE)
    with CaptureQueriesContext(connection) as plain:
        records_page(user=manager, params=QueryDict(""), cursor="", size=SIZE)

    listing = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"]][-1]
    assert '+"records_decisionrecord"."team_id"' in listing
    if connection.vendor == "postgresql":  # without overdue, PostgreSQL weighs the index
        listing = [q["sql"] for q in plain.captured_queries if "ORDER BY" in q["sql"]][-1]
        assert '+"records_decisionrecord"."team_id"' not in listing
