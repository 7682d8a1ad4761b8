"""The record page's own audit trail and "who viewed this record".

Auditors and the managers answering for the record see every event of the record and who
viewed it; the author sees what happened to it (no views, no one else's reading of it)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions import demo
from records.models import AuditEvent
from records.selectors import TRAIL_SIZE, audit_events_for, viewers_of
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


def _plan(full, record):
    """How the database reads the record's trail (the full one, or its author's)."""
    from records.selectors import _trail

    sql, params = _trail(full, TRAIL_SIZE, record=record.pk).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test's few rows: still the index
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_the_full_trail_is_the_latest_on_the_records_index_without_a_sort(record, manager):
    """Its latest events, however many views the record has. At 44,758 views of one record,
    sorting them all took 92 ms on SQLite; read back from the index, 0.8 ms. On PostgreSQL at
    45,000 of 103,090 events, 24 ms; 1.6 ms. Asked for the record as equal, PostgreSQL walked
    the whole table back by id instead."""
    for _ in range(3):
        audit_log(event="viewed", actor=manager, record=record)

    plan = _plan(True, record)

    if connection.vendor == "postgresql":
        assert "Index Scan Backward using audit_record_id" in plan
        assert "Sort" not in plan
    else:
        assert "records_auditevent_record_id" in plan
        assert "TEMP B-TREE" not in plan


def test_the_authors_trail_finds_their_kinds_of_event_not_every_view(record):
    """The author's trail must not walk the record's events in order: it would step over
    every view, which they are never shown. It finds their kinds of event, then sorts."""
    plan = _plan(False, record)

    if connection.vendor == "postgresql":
        assert "Sort" in plan
        assert "Backward" not in plan
    else:
        assert "audit_record_event" in plan
        assert "TEMP B-TREE FOR ORDER BY" in plan


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
