"""``services.record_open``: the record as its page shows it, and its viewed event. On
PostgreSQL both in one statement (the record's read calls ``records_audit_append``); on
SQLite the read, then ``audit_log``. Either way the event is the one ``audit_log`` writes,
in the chain, and a record the user may not see writes nothing."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from decisions import demo
from records.audit import hash_of, verify_chain
from records.models import AuditEvent
from records.selectors import record_for_page
from records.services import audit_log, record_open
from tests.records.test_record_detail_view import _as_written


@pytest.fixture
def without_consent(practitioner):
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )


@pytest.mark.parametrize("who", ["practitioner", "manager", "auditor"])
def test_it_reads_the_record_as_its_page_does_and_writes_its_viewed_event(
    request, who, without_consent
):
    user = request.getfixturevalue(who)
    before = AuditEvent.objects.order_by("id").last()

    opened = record_open(user=user, reference=without_consent.reference, ip="192.0.2.61")

    read = record_for_page(user=user, reference=without_consent.reference)
    assert opened.pk == read.pk == without_consent.pk
    for name in ("reference", "state", "snapshot", "submitted_at", "team_id", "author_id"):
        assert getattr(opened, name) == getattr(read, name), name
    for flag in ("has_addenda", "has_disagreements", "has_reconsiderations"):
        assert getattr(opened, flag) is getattr(read, flag) is False
    assert opened.team.organisation == read.team.organisation
    event = AuditEvent.objects.order_by("id").last()
    assert (
        event.event,
        event.actor_id,
        event.actor_username,
        event.actor_role,
        event.record_id,
        event.record_reference,
        event.ip,
        event.details,
    ) == (
        "viewed",
        user.pk,
        who,
        user.role,
        without_consent.pk,
        without_consent.reference,
        "192.0.2.61",
        {},
    )
    assert event.prev_hash == before.hash
    assert event.hash == hash_of(event)
    assert verify_chain().ok


@pytest.mark.parametrize("who", ["practitioner2", "manager2"])
def test_it_writes_nothing_for_a_record_the_user_may_not_see(request, who, without_consent):
    events = AuditEvent.objects.count()

    with pytest.raises(Http404):
        record_open(user=request.getfixturevalue(who), reference=without_consent.reference, ip=None)

    assert AuditEvent.objects.count() == events


def test_it_writes_nothing_for_an_unknown_reference(auditor, without_consent):
    events = AuditEvent.objects.count()

    for reference in ("ISD-2000-99999", "ISD-2000-99999\x00", "x" * 300, "'; --"):
        with pytest.raises(Http404):
            record_open(user=auditor, reference=reference, ip="192.0.2.1")

    assert AuditEvent.objects.count() == events


def test_it_writes_an_event_without_an_address(practitioner, without_consent):
    record_open(user=practitioner, reference=without_consent.reference, ip=None)

    event = AuditEvent.objects.order_by("id").last()
    assert (event.event, event.ip) == ("viewed", None)
    assert event.hash == hash_of(event)
    assert verify_chain().ok


def test_a_hostile_name_and_address_hash_as_the_app_hashes_them(practitioner, without_consent):
    """The app writes the event's canonical JSON around the record's id, which the database
    fills in: a name with quotes, backslashes, controls and emoji is escaped the same way."""
    practitioner.username = 'pr"act\\it\u202eioner \U0001f600\n<b>'
    practitioner.save(update_fields=["username"])

    record_open(user=practitioner, reference=without_consent.reference, ip="2001:DB8::7")
    audit_log(event=AuditEvent.Event.LOGOUT, actor=practitioner)

    viewed, after = AuditEvent.objects.order_by("-id")[:2][::-1]
    assert viewed.actor_username == practitioner.username
    assert viewed.ip == "2001:db8::7"
    assert viewed.hash == hash_of(viewed)
    assert after.prev_hash == viewed.hash
    assert verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL")
def test_the_read_and_its_event_are_one_statement_on_postgresql(practitioner, without_consent):
    with CaptureQueriesContext(connection) as queries:
        record_open(user=practitioner, reference=without_consent.reference, ip="192.0.2.1")

    (sql,) = [_as_written(query["sql"]) for query in queries.captured_queries]
    assert sql.startswith('SELECT "records_decisionrecord"."id"')
    assert "records_audit_append(" in sql
    assert AuditEvent.objects.filter(record=without_consent, event="viewed").count() == 1
