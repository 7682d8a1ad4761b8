import re

from django.utils import timezone

from records.models import AuditEvent, DecisionRecord


def test_it_requires_login(client, db):
    response = client.get("/decisions/new/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/decisions/new/"


def test_it_requires_login_to_start(client, db):
    response = client.post("/decisions/new/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/decisions/new/"
    assert not DecisionRecord.objects.exists()


def test_it_shows_the_start_page(client, practitioner):
    client.force_login(practitioner)
    response = client.get("/decisions/new/")
    assert response.status_code == 200
    assert b"Decide whether to share information" in response.content
    assert b"Start now" in response.content
    # Showing the page starts nothing.
    assert not DecisionRecord.objects.exists()


def test_it_creates_a_draft_and_goes_to_the_first_page(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/decisions/new/", REMOTE_ADDR="192.0.2.10")

    record = DecisionRecord.objects.get()
    assert record.author == practitioner
    assert record.team == practitioner.team
    assert record.state == DecisionRecord.State.DRAFT
    assert record.answers == {}
    assert re.fullmatch(r"ISD-\d{4}-\d{5}", record.reference)
    assert record.reference.startswith(f"ISD-{timezone.now():%Y}-")
    assert response.status_code == 302
    assert response.url == f"/decisions/{record.reference}/urgent/"


def test_it_writes_a_record_created_event(client, practitioner):
    client.force_login(practitioner)
    client.post("/decisions/new/", REMOTE_ADDR="192.0.2.10")

    record = DecisionRecord.objects.get()
    event = AuditEvent.objects.get(event="record_created")
    assert event.record == record
    assert event.record_reference == record.reference
    assert event.actor == practitioner
    assert event.actor_username == "practitioner"
    assert event.actor_role == "practitioner"
    assert event.ip == "192.0.2.10"


def test_it_gives_each_draft_its_own_reference(client, practitioner):
    client.force_login(practitioner)
    first = client.post("/decisions/new/").url
    second = client.post("/decisions/new/").url
    assert first != second
    assert DecisionRecord.objects.count() == 2


def test_it_lets_a_manager_start_a_decision(client, manager):
    client.force_login(manager)
    response = client.post("/decisions/new/")
    record = DecisionRecord.objects.get()
    assert record.author == manager
    assert response.url == f"/decisions/{record.reference}/urgent/"


def test_it_forbids_the_auditor(client, auditor):
    client.force_login(auditor)
    assert client.get("/decisions/new/").status_code == 403
    assert client.post("/decisions/new/").status_code == 403
    assert not DecisionRecord.objects.exists()
    assert not AuditEvent.objects.filter(event="record_created").exists()
