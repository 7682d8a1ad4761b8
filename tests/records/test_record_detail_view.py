import pytest
from django.utils.html import escape

from decisions import demo
from decisions.flowchart import OUTCOMES, QUESTIONS
from records.models import AuditEvent, DecisionRecord


def detail_url(record):
    return f"/records/{record.reference}/"


@pytest.fixture
def record(practitioner):
    """A share without consent, awaiting the manager's approval, in the family team."""
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )


def viewed(record):
    return AuditEvent.objects.filter(record=record, event="viewed")


def test_it_requires_login(client, record):
    response = client.get(detail_url(record))
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={detail_url(record)}"
    assert not viewed(record).exists()


def test_it_shows_the_record_to_its_author(client, practitioner, record):
    client.force_login(practitioner)
    response = client.get(detail_url(record))

    assert response.status_code == 200
    html = response.content.decode()
    assert record.reference in html
    assert "Awaiting approval" in html
    assert escape(OUTCOMES["share_without_consent"].title) in html
    assert escape(QUESTIONS["consent"].text) in html
    assert "Not sought: asking would increase the risk of harm" in html
    assert "Flowchart 2018.1" in html
    assert "DEMO-C-0001" in html


def test_it_shows_the_record_as_its_snapshot_has_it(client, practitioner, record):
    snapshot = record.snapshot
    purpose = next(s for s in snapshot["steps"] if s["id"] == "purpose")
    purpose["title"] = "Purpose (wording of an older version)"
    purpose["rows"][0]["label"] = "Was there a lawful purpose? (older wording)"
    snapshot["outcome"]["title"] = "Share, once approved (older wording)"
    snapshot["warnings"] = ["An older warning kept with the record."]
    DecisionRecord.objects.filter(pk=record.pk).update(snapshot=snapshot)
    client.force_login(practitioner)

    html = client.get(detail_url(record)).content.decode()

    assert "Purpose (wording of an older version)" in html
    assert "Was there a lawful purpose? (older wording)" in html
    assert "Share, once approved (older wording)" in html
    assert "An older warning kept with the record." in html
    # Today's wording is not what the page shows.
    assert escape(QUESTIONS["purpose"].text) not in html
    assert escape(OUTCOMES["share_without_consent"].title) not in html


def test_it_hides_the_record_from_a_colleague(client, practitioner2, record):
    client.force_login(practitioner2)
    assert client.get(detail_url(record)).status_code == 404
    assert not viewed(record).exists()


def test_it_shows_the_record_to_the_teams_manager(client, manager, record):
    client.force_login(manager)
    response = client.get(detail_url(record))
    assert response.status_code == 200
    assert escape(OUTCOMES["share_without_consent"].title) in response.content.decode()


def test_it_hides_the_record_from_another_teams_manager(client, manager2, record):
    client.force_login(manager2)
    assert client.get(detail_url(record)).status_code == 404
    assert not viewed(record).exists()


def test_it_shows_the_record_to_the_auditor(client, auditor, record):
    client.force_login(auditor)
    response = client.get(detail_url(record))
    assert response.status_code == 200
    assert record.reference in response.content.decode()


@pytest.mark.parametrize("viewer", ["practitioner", "manager", "auditor"])
def test_it_writes_a_viewed_event_for_every_view(client, request, record, viewer):
    user = request.getfixturevalue(viewer)
    client.force_login(user)

    client.get(detail_url(record), REMOTE_ADDR="192.0.2.50")
    client.get(detail_url(record), REMOTE_ADDR="192.0.2.50")

    events = list(viewed(record))
    assert len(events) == 2
    for event in events:
        assert event.actor == user
        assert event.actor_username == viewer
        assert event.actor_role == user.role
        assert event.record_reference == record.reference
        assert event.ip == "192.0.2.50"


@pytest.mark.parametrize("other", ["practitioner2", "manager", "manager2", "auditor"])
def test_it_hides_someone_elses_draft_from_everyone(client, request, practitioner, other):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(request.getfixturevalue(other))
    assert client.get(detail_url(draft)).status_code == 404
    assert not viewed(draft).exists()


def test_it_shows_the_author_their_own_draft_as_a_draft(client, practitioner):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    html = client.get(detail_url(draft)).content.decode()
    assert "This decision is a draft" in html
    assert f'href="/decisions/{draft.reference}/check/"' in html


def test_it_gives_404_for_an_unknown_reference(client, auditor):
    client.force_login(auditor)
    assert client.get("/records/ISD-2000-99999/").status_code == 404


def page_queries(client, record):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        html = client.get(detail_url(record)).content.decode()
    return html, [_as_written(query["sql"]) for query in queries.captured_queries]


def _as_written(sql):
    """A statement prepared on PostgreSQL (records.rows.execute) is logged as ``EXECUTE
    share_N (...)``: the SQL it was prepared from."""
    from records import rows

    if not sql.startswith("EXECUTE "):
        return sql
    name = sql.split()[1]
    return next(
        written for written, known in rows._STATEMENTS.items() if known and known[0] == name
    )


def reads(sqls, table):
    """The queries that read ``table`` itself (not an EXISTS over it in the record's query)."""
    return [sql for sql in sqls if sql.startswith(f'SELECT "{table}".')]


def test_it_reads_no_addenda_disagreements_or_reconsiderations_when_it_has_none(
    client, practitioner, record
):
    client.force_login(practitioner)
    html, sqls = page_queries(client, record)

    assert 'id="addenda"' in html and 'id="disagreements"' in html
    assert "Reconsidered in" not in html
    for table in (
        "records_addendum",
        "records_disagreement",
        "records_organisation",  # the team's, read with the record
        "records_sharingconfirmation",
        "records_managerdecision",  # awaiting its manager: no decision yet
    ):
        assert reads(sqls, table) == [], table
    assert not [sql for sql in sqls if 'WHERE "records_decisionrecord"."reconsiders_id"' in sql]


def test_it_reads_and_shows_those_it_has(client, practitioner, record):
    from records.models import Disagreement
    from records.services import addendum_add, decision_start, disagreement_raise

    addendum_add(record=record, author=practitioner, kind="correction", text="Date was 3 May.")
    disagreement_raise(
        record=record,
        user=practitioner,
        direction=Disagreement.Direction.THEY_DISPUTE,
        party="Fictional school, head teacher",
        reason="They think it should not be shared.",
    )
    later = decision_start(author=practitioner, reconsiders=record)
    client.force_login(practitioner)
    html, sqls = page_queries(client, record)

    assert "Date was 3 May." in html
    assert "They think it should not be shared." in html
    assert f'href="/records/{later.reference}/">{later.reference}</a>' in html
    assert len(reads(sqls, "records_addendum")) == 1
    assert len(reads(sqls, "records_disagreement")) == 1


def test_it_reads_and_shows_the_managers_decision_once_there_is_one(client, practitioner, manager):
    from records.services import decision_act

    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    decision_act(record=record, manager=manager, kind="approved", comment="Agreed: share today.")
    client.force_login(practitioner)
    html, sqls = page_queries(client, record)

    assert "Agreed: share today." in html
    assert len(reads(sqls, "records_managerdecision")) == 1
