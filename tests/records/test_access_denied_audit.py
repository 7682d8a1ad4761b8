"""Refused access on a record's URLs: one ACCESS_DENIED event per 403 or 404 for a signed-in
user, holding the reference as asked for, the path and the status, and no link to the
record (the trail must not tell whether it exists)."""

import pytest

from decisions import demo
from records.audit import verify_chain
from records.models import AuditEvent


@pytest.fixture
def record(practitioner):
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )


def denied():
    return AuditEvent.objects.filter(event=AuditEvent.Event.ACCESS_DENIED)


def test_another_practitioners_record_is_a_404_with_one_event(client, practitioner2, record):
    client.force_login(practitioner2)

    response = client.get(f"/records/{record.reference}/?tab=history", REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 404
    event = denied().get()
    assert event.actor == practitioner2
    assert event.actor_username == "practitioner2"
    assert event.actor_role == "practitioner"
    assert event.record_reference == record.reference
    assert event.record_id is None
    assert event.ip == "192.0.2.7"
    assert event.details == {"path": f"/records/{record.reference}/", "status": 404}
    assert verify_chain().ok


def test_a_reference_that_does_not_exist_is_logged_the_same_way(client, practitioner2, record):
    client.force_login(practitioner2)

    assert client.get("/records/ISD-1999-99999/").status_code == 404

    event = denied().get()
    assert event.record_reference == "ISD-1999-99999"
    assert event.record_id is None
    assert set(event.details) == {"path", "status"}


def test_an_auditor_on_an_approval_page_is_a_403_with_one_event(client, auditor, record):
    client.force_login(auditor)

    response = client.get(f"/approvals/{record.reference}/")

    assert response.status_code == 403
    event = denied().get()
    assert event.actor == auditor
    assert event.actor_role == "auditor"
    assert event.record_reference == record.reference
    assert event.details == {"path": f"/approvals/{record.reference}/", "status": 403}


def test_the_wizard_on_someone_elses_decision_is_logged(client, practitioner2, record):
    client.force_login(practitioner2)

    response = client.get(f"/decisions/{record.reference}/check/")

    assert response.status_code == 404
    assert denied().get().record_reference == record.reference


def test_another_practitioners_pdf_is_a_404_with_one_event(client, practitioner2, record):
    client.force_login(practitioner2)

    response = client.get(f"/records/{record.reference}/pdf/")

    assert response.status_code == 404
    event = denied().get()
    assert event.record_reference == record.reference
    assert event.details == {"path": f"/records/{record.reference}/pdf/", "status": 404}


def test_an_overlong_reference_is_cut_to_the_column(client, practitioner2):
    client.force_login(practitioner2)
    asked = "X" * 300

    assert client.get(f"/records/{asked}/").status_code == 404

    event = denied().get()
    assert event.record_reference == "X" * 20
    assert event.details["path"] == f"/records/{asked}/"


def test_anonymous_is_sent_to_sign_in_and_nothing_is_logged(client, record):
    response = client.get(f"/records/{record.reference}/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not denied().exists()


def test_a_page_that_opens_logs_no_refusal(client, practitioner, record):
    client.force_login(practitioner)

    assert client.get(f"/records/{record.reference}/").status_code == 200

    assert not denied().exists()


def test_a_403_away_from_a_record_is_not_logged(client, auditor):
    client.force_login(auditor)

    assert client.get("/approvals/").status_code == 403  # the queue: no record in the URL
    assert client.get("/no-such-page/").status_code == 404  # no URL matched at all

    assert not denied().exists()


# PostgreSQL refuses NUL in a query and in text or jsonb: a reference holding one was a 500.
NUL_URLS = [
    "/records/ISD-2026%0000001/",
    "/records/ISD-2026%0000001/pdf/",
    "/records/ISD-2026%0000001/addenda/new/",
    "/records/ISD-2026%0000001/disagreements/new/",
    "/approvals/ISD-2026%0000001/",
    "/decisions/ISD-2026%0000001/check/",
    "/decisions/ISD-2026%0000001/about/",
    "/decisions/ISD-2026%0000001/delete/",
]


@pytest.mark.parametrize("url", NUL_URLS)
@pytest.mark.parametrize("who", ["practitioner2", "manager"])
def test_it_is_a_404_for_a_reference_holding_nul(client, request, record, url, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(url)

    assert response.status_code == 404
    event = denied().get()
    assert event.record_reference == "ISD-2026\ufffd00001"
    assert event.details["path"] == url.replace("%00", "\ufffd")
    assert verify_chain().ok
