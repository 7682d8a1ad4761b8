"""/records/<ref>/pdf/: for anyone who may see the record (404 otherwise), audited, an
attachment named after the reference, never cached."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from decisions import demo
from records.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(practitioner):
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )


def _get(client, user, reference):
    client.force_login(user)
    return client.get(reverse("exports:record_pdf", args=[reference]))


def test_url():
    assert reverse("exports:record_pdf", args=["ISD-2026-00042"]) == "/records/ISD-2026-00042/pdf/"


def test_the_author_downloads_it(client, practitioner, record):
    response = _get(client, practitioner, record.reference)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{record.reference}.pdf"'
    assert response["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.content))
    assert record.reference in reader.pages[0].extract_text()


def test_each_download_is_audited(client, practitioner, record):
    _get(client, practitioner, record.reference)
    _get(client, practitioner, record.reference)
    events = AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED, record=record)
    assert events.count() == 2
    event = events.first()
    assert event.actor == practitioner
    assert event.record_reference == record.reference
    assert event.details == {"format": "pdf"}
    assert event.ip == "127.0.0.1"


@pytest.mark.parametrize("who", ["manager", "auditor"])
def test_those_who_may_see_it(client, request, record, who):
    assert _get(client, request.getfixturevalue(who), record.reference).status_code == 200


@pytest.mark.parametrize("who", ["practitioner2", "manager2"])
def test_others_get_404_and_nothing_is_exported(client, request, record, who):
    user = request.getfixturevalue(who)
    response = _get(client, user, record.reference)
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED).exists()
    # The refusal is on the trail by the reference asked for, not linked to the record.
    denied = AuditEvent.objects.get(event=AuditEvent.Event.ACCESS_DENIED, actor=user)
    assert denied.record_reference == record.reference
    assert denied.record is None
    assert denied.details["status"] == 404


def test_no_such_record_is_404(client, auditor):
    assert _get(client, auditor, "ISD-2026-99999").status_code == 404


def test_a_draft_has_no_pdf(client, practitioner):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    assert _get(client, practitioner, draft.reference).status_code == 404


def test_signed_out_is_sent_to_sign_in(client, record):
    response = client.get(reverse("exports:record_pdf", args=[record.reference]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_get_only(client, practitioner, record):
    client.force_login(practitioner)
    response = client.post(reverse("exports:record_pdf", args=[record.reference]))
    assert response.status_code == 405


def test_it_is_offered_on_the_record_page(client, practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    client.force_login(practitioner)
    html = client.get(f"/records/{record.reference}/").content.decode()
    assert f'href="/records/{record.reference}/pdf/"' in html
