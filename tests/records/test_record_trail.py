"""The record page's own audit trail and "who viewed this record".

Auditors and the managers answering for the record see every event of the record and who
viewed it; the author sees what happened to it (no views, no one else's reading of it)."""

import importlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions import demo
from records.models import AuditEvent
from records.selectors import AUTHOR_TRAIL_EVENTS, TRAIL_SIZE, audit_events_for, viewers_of
from records.services import audit_log, legal_hold_set


@pytest.fixture
def record(practitioner):
    """A share without consent, awaiting approval in the family team."""
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )


def detail(record):
    return f"/records/{record.reference}/"


def trail_section(html):
    start = html.index('id="audit-trail"')
    end = html.find('id="viewers"', start)
    return html[start : end if end != -1 else len(html)]


def viewers_section(html):
    return html[html.index('id="viewers"') :]


def view(client, user, record, times=1):
    client.force_login(user)
    for _ in range(times):
        html = client.get(detail(record)).content.decode()
    return html


# --- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["auditor", "manager"])
def test_auditors_and_managers_see_every_event_and_the_viewers(
    client, request, record, practitioner2, reader
):
    person = request.getfixturevalue(reader)
    html = view(client, person, record)

    trail = trail_section(html)
    assert "Submitted" in trail
    assert "Decision started" in trail
    assert "Viewed" in trail
    assert 'id="viewers"' in html
    assert "Who viewed this record" in html
    assert person.username in viewers_section(html)


def test_the_author_sees_what_happened_but_not_who_looked(client, record, practitioner, auditor):
    view(client, auditor, record)
    html = view(client, practitioner, record)

    trail = trail_section(html)
    assert "Submitted" in trail
    assert "Step answered" in trail
    assert "Viewed" not in trail
    assert "auditor" not in trail
    assert "Who viewed this record" not in html
    assert 'id="viewers"' not in html


def test_a_legal_hold_is_in_the_auditors_trail_not_the_authors(
    client, record, practitioner, auditor
):
    legal_hold_set(record=record, auditor=auditor, reason="Inquiry (fictional).")
    assert "Legal hold set" in trail_section(view(client, auditor, record))
    assert "Legal hold set" not in trail_section(view(client, practitioner, record))


def test_a_draft_page_has_no_trail(client, practitioner):
    draft = demo.create_draft(author=practitioner, answers={})
    html = view(client, practitioner, draft)
    assert 'id="audit-trail"' not in html


def test_another_records_events_are_not_in_the_trail(client, record, practitioner, auditor):
    other = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    view(client, auditor, other, times=3)
    html = view(client, auditor, record)
    assert viewers_section(html).count("<tr") == 2  # the header and the auditor, once


# --- who viewed -------------------------------------------------------------------------------


def test_viewers_are_listed_once_with_their_last_view_and_count(
    client, record, practitioner, manager, auditor
):
    view(client, practitioner, record, times=2)
    view(client, manager, record, times=3)
    view(client, auditor, record)
    last = AuditEvent.objects.filter(record=record, event="viewed").order_by("-at").first()

    viewers = viewers_of(record)

    assert [(v["actor_username"], v["actor_role"], v["views"]) for v in viewers] == [
        ("auditor", "auditor", 1),
        ("manager", "manager", 3),
        ("practitioner", "practitioner", 2),
    ]
    assert viewers[0]["last_viewed"] == last.at
    html = view(client, auditor, record)  # a second view by the auditor
    section = viewers_section(html)
    assert re.search(r"auditor</td>\s*<td[^>]*>auditor</td>.*?>2</td>", section, re.S)
    assert re.search(r"manager</td>\s*<td[^>]*>manager</td>.*?>3</td>", section, re.S)
    assert f"{timezone.localtime(last.at):%-d %b %Y}" in section


def test_the_approval_page_view_counts_as_a_view(client, record, manager, auditor):
    client.force_login(manager)
    client.get(f"/approvals/{record.reference}/")
    assert [v["actor_username"] for v in viewers_of(record)] == ["manager"]


# --- newest first, the latest 50 ------------------------------------------------------------


def test_the_trail_is_newest_first(record, auditor):
    audit_log(event="viewed", actor=auditor, record=record)
    trail = audit_events_for(record, user=auditor)
    keys = [(e.at, e.pk) for e in trail.events]
    assert keys == sorted(keys, reverse=True)
    assert trail.events[0].event == "viewed"
    assert trail.full and not trail.more


def _plan(full, record, *, generic=False, sorting=True):
    """How the database reads the record's trail (the full one, or its author's); with
    ``generic``, on PostgreSQL, the plan it keeps for a statement prepared once, whatever the
    record; without ``sorting``, the plan PostgreSQL finds without a sort, if any."""
    from records.selectors import _author_trail, _full_trail

    trail = _full_trail if full else _author_trail
    sql, params = trail(TRAIL_SIZE, record=record.pk).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test's few rows: still the index, read as it is at scale.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            if not sorting:
                cursor.execute("SET LOCAL enable_sort = off")
            if generic:
                cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
                placeholders = iter(f"${n}" for n in range(1, len(params) + 1))
                cursor.execute(
                    "PREPARE trail_plan AS " + re.sub("%s", lambda _: next(placeholders), sql)
                )
                cursor.execute(
                    "EXPLAIN EXECUTE trail_plan(" + ", ".join(["%s"] * len(params)) + ")", params
                )
                plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
                cursor.execute("DEALLOCATE trail_plan")
                return plan
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_the_full_trail_is_the_latest_on_the_records_index_without_a_sort(record, manager):
    """Its latest events, however many views the record has. At 44,758 views of one record,
    sorting them all took 92 ms on SQLite; read back from the index, 0.8 ms. On PostgreSQL at
    45,000 of 103,090 events, 24 ms; 1.6 ms. Asked for the record as equal, PostgreSQL walked
    the whole table back by id instead. PostgreSQL is told not to sort: for a test's three
    events a sort from (record, event) costs no more than the index, and which it chose
    depended on the statistics earlier tests left; at scale the sort costs more."""
    for _ in range(3):
        audit_log(event="viewed", actor=manager, record=record)

    plan = _plan(True, record, sorting=False)

    if connection.vendor == "postgresql":
        assert "Index Scan Backward using audit_record_id" in plan
        assert "Sort" not in plan
    else:
        assert "records_auditevent_record_id" in plan
        assert "TEMP B-TREE" not in plan


def test_the_authors_trail_finds_their_kinds_of_event_not_every_view(record, manager):
    """The author's trail must not walk the record's events in order: it would step over
    every view, which they are never shown. On PostgreSQL it reads an index of their kinds of
    event alone, in order, planned for one record or kept for all: on the record's own index,
    chosen whenever the statistics said a record had few events, 2,735 views took 0.66 ms to
    skip. SQLite finds their kinds of event on (record, event), then sorts them."""
    for _ in range(3):
        audit_log(event="viewed", actor=manager, record=record)

    if connection.vendor == "postgresql":
        for plan in (_plan(False, record), _plan(False, record, generic=True)):
            assert "audit_author_trail" in plan
            assert "Sort" not in plan
    else:
        plan = _plan(False, record)
        assert "audit_record_event" in plan
        assert "TEMP B-TREE FOR ORDER BY" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_the_record_page_keeps_the_authors_trail_plan(client, record, manager, practitioner):
    """PostgreSQL plans a prepared statement for its first five runs' values, then keeps one
    plan where that costs no more: the author's trail is then read on its index."""
    for _ in range(3):
        audit_log(event="viewed", actor=manager, record=record)
    client.force_login(practitioner)
    before = _trail_plans()  # the connection outlives a test: earlier tests' runs counted

    for _ in range(8):
        assert client.get(detail(record)).status_code == 200

    generic_plans, custom_plans = (
        now - then for now, then in zip(_trail_plans(), before, strict=True)
    )
    assert custom_plans <= 5
    assert generic_plans >= 3


def _trail_plans() -> tuple[int, int]:
    """How many times the author's trail statement ran on a generic and on a custom plan on
    this connection (0, 0 before it is prepared)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ['%FROM "records_auditevent"%', "%'disagreement_resolved'%"],
        )
        found = cursor.fetchall()
    assert len(found) <= 1
    return found[0] if found else (0, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_authors_trail_keeps_its_index_after_the_statistics_count_the_views(record, manager):
    """Planned for a record whose views the statistics know, as well as for one they do not:
    with a partial index on the record itself, PostgreSQL still chose the record's own index
    where most events were of the author's kinds, for one record or for all."""
    for _ in range(200):
        audit_log(event="viewed", actor=manager, record=record)
    for _ in range(400):  # most events of the author's kinds, as in the bench's seeded table
        audit_log(event="step_answered", actor=record.author, record=record)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE records_auditevent")

    for plan in (_plan(False, record), _plan(False, record, generic=True)):
        assert "audit_author_trail" in plan
        assert "Sort" not in plan
    shown = audit_events_for(record, user=record.author).events
    expected = AuditEvent.objects.filter(record=record, event__in=AUTHOR_TRAIL_EVENTS)
    assert [e.pk for e in shown] == [e.pk for e in expected.order_by("-at", "-id")][:TRAIL_SIZE]
    assert "viewed" not in {e.event for e in shown}


def test_the_author_trail_index_holds_the_events_the_author_is_shown(db):
    """Migration 0017 spells the list out (PostgreSQL uses a partial index only for the
    values it was made for): a change to the author's trail needs a migration for it."""
    migration = importlib.import_module("records.migrations.0017_audit_author_trail_index")

    assert tuple(migration.AUTHOR_TRAIL_EVENTS) == tuple(AUTHOR_TRAIL_EVENTS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'audit_author_trail'")
            (definition,) = cursor.fetchone()
        assert sorted(re.findall(r"'(\w+)'", definition)) == sorted(AUTHOR_TRAIL_EVENTS)


def test_only_the_latest_fifty_are_shown_with_a_link_for_auditors(client, record, auditor, manager):
    for _ in range(TRAIL_SIZE + 5):
        audit_log(event="viewed", actor=manager, record=record)
    html = view(client, auditor, record)
    trail = trail_section(html)
    assert trail.count('<tr class="govuk-table__row">') == TRAIL_SIZE + 1  # and the header
    assert f"Showing the latest {TRAIL_SIZE} events." in trail
    assert f'href="/audit/?record={record.reference}"' in trail

    # The manager is told too, without a link to the auditors' log.
    trail = trail_section(view(client, manager, record))
    assert f"Showing the latest {TRAIL_SIZE} events." in trail
    assert "/audit/" not in trail


def test_the_page_costs_the_same_queries_however_long_the_trail(client, record, auditor, manager):
    view(client, auditor, record)
    with CaptureQueriesContext(connection) as short:
        client.get(detail(record))
    for n in range(TRAIL_SIZE * 2):
        audit_log(event="viewed", actor=manager if n % 2 else auditor, record=record)
    with CaptureQueriesContext(connection) as long:
        client.get(detail(record))
    assert len(short) == len(long)


def test_trail_entries_say_when_who_and_what(client, record, practitioner, manager):
    from records.services import decision_act

    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    html = view(client, manager, record)
    trail = trail_section(html)
    returned = AuditEvent.objects.get(record=record, event="returned")
    assert "Returned" in trail
    assert "manager <span" in trail
    assert "action: returned; round: 1; state: returned" in trail
    assert f"{timezone.localtime(returned.at):%-d %b %Y %H:%M:%S}" in trail


def test_the_trail_is_local_time(client, record, auditor):
    html = view(client, auditor, record)
    event = AuditEvent.objects.filter(record=record).order_by("-at", "-id").first()
    local = timezone.localtime(event.at)
    assert local.strftime("%H:%M:%S") in trail_section(html)
