"""Subject access: every submitted record about one exact case reference as one ZIP (a PDF
and a JSON file each, and a manifest), for auditors only, logged without personal data."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from decisions import demo
from exports.csv import HEADER
from records.fingerprint import record_fingerprint
from records.models import Addendum, AuditEvent, ManagerDecision
from records.services import decision_act

pytestmark = pytest.mark.django_db

SUBJECT = "CASE-SA-0042"
URL = "/records/subject-access/"


def _submitted(author, subject=SUBJECT, outcome="share_with_consent"):
    return demo.create_submitted(
        author=author, answers=demo.finished_answers(outcome, subject_reference=subject)
    )


@pytest.fixture
def about_subject(practitioner, practitioner2, manager):
    first = _submitted(practitioner)
    second = _submitted(practitioner2, outcome="share_without_consent")
    decision_act(
        record=second, manager=manager, kind=ManagerDecision.Kind.APPROVED, comment="Fine."
    )
    second.refresh_from_db()
    Addendum.objects.create(
        record=first,
        author=practitioner,
        at=timezone.now(),
        kind=Addendum.Kind.CORRECTION,
        text="Fictional: the date of the visit was the 3rd.",
    )
    return [first, second]


@pytest.fixture
def others(practitioner):
    """Near misses: another case, a longer one, other capitals, and a draft about this one."""
    return [
        _submitted(practitioner, subject="CASE-SA-0043"),
        _submitted(practitioner, subject=SUBJECT + "0"),
        _submitted(practitioner, subject=SUBJECT.lower()),
        demo.create_draft(
            author=practitioner,
            answers=demo.finished_answers("share_with_consent", subject_reference=SUBJECT),
        ),
    ]


def _get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_url():
    assert reverse("exports:subject_access") == URL


def test_the_form(client, auditor):
    response = _get(client, auditor)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Subject access" in page
    assert 'name="subject"' in page
    assert "There is a problem" not in page


@pytest.mark.parametrize("who", ["practitioner", "manager"])
def test_only_auditors(client, request, about_subject, who):
    response = _get(client, request.getfixturevalue(who), subject=SUBJECT)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED).exists()


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("subject", ["", "   "])
def test_an_empty_reference_is_an_error(client, auditor, subject):
    response = _get(client, auditor, subject=subject)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter the case reference" in page
    assert 'href="#subject"' in page
    assert "<title>Error: " in page


def test_none_found_is_an_error(client, auditor, others):
    response = _get(client, auditor, subject=SUBJECT)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There are no submitted records with that case reference" in page
    assert f'value="{SUBJECT}"' in page
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED).exists()


def test_a_reference_too_long_is_an_error(client, auditor):
    response = _get(client, auditor, subject="x" * 101)
    assert "at most 100 characters" in response.content.decode()


def test_a_reference_holding_nul_is_an_error(client, auditor, about_subject):
    """PostgreSQL refuses NUL in a query: that was a 500."""
    response = _get(client, auditor, subject=f"{SUBJECT}\x00")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "A case reference cannot contain a null character" in page
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED).exists()


def test_the_bundle(client, auditor, about_subject, others):
    response = _get(client, auditor, subject=f"  {SUBJECT} ")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="subject-access-{SUBJECT}.zip"'
    assert response["Cache-Control"] == "no-store"
    archive = _archive(response)
    references = [record.reference for record in about_subject]
    expected = {f"{ref}.{ext}" for ref in references for ext in ("pdf", "json")}
    assert set(archive.namelist()) == expected | {"manifest.json", "manifest.csv"}

    for record in about_subject:
        pdf = archive.read(f"{record.reference}.pdf")
        assert record.reference in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        document = json.loads(archive.read(f"{record.reference}.json"))
        assert document["reference"] == record.reference
        assert document["fingerprint"] == record_fingerprint(record)
        assert document["answers"] == record.answers
        assert document["snapshot"] == record.snapshot
        assert document["outcome"] == record.outcome
        assert document["subject_reference"] == SUBJECT
        assert document["rounds"][0]["number"] == 1
        assert document["timeline"][0]["title"] == "Submitted"

    first, second = (json.loads(archive.read(f"{r}.json")) for r in references)
    assert first["addenda"][0]["text"] == "Fictional: the date of the visit was the 3rd."
    assert first["addenda"][0]["author"]["username"] == "practitioner"
    assert second["rounds"][0]["manager_decisions"][0]["kind"] == "approved"
    assert second["rounds"][0]["manager_decisions"][0]["comment"] == "Fine."
    assert [entry["title"] for entry in second["timeline"]] == ["Submitted", "Approved"]


def test_the_manifest(client, auditor, about_subject):
    archive = _archive(_get(client, auditor, subject=SUBJECT))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["subject_reference"] == SUBJECT
    assert manifest["generated_by"]["username"] == "auditor"
    assert manifest["record_count"] == 2
    assert [entry["reference"] for entry in manifest["records"]] == [
        record.reference for record in about_subject
    ]
    assert [entry["fingerprint"] for entry in manifest["records"]] == [
        record_fingerprint(record) for record in about_subject
    ]
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    rows = list(csv.reader(io.StringIO(archive.read("manifest.csv").decode().lstrip("\ufeff"))))
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == [record.reference for record in about_subject]


def test_logged_with_references_and_count_and_no_subject(client, auditor, about_subject):
    _get(client, auditor, subject=SUBJECT)
    events = AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED)
    summary = events.get(record__isnull=True)
    assert summary.actor == auditor
    assert summary.details == {
        "format": "subject_access",
        "count": 2,
        "references": [record.reference for record in about_subject],
    }
    for record in about_subject:
        event = events.get(record=record)
        assert event.details == {"format": "subject_access"}
    for event in events:
        assert SUBJECT not in json.dumps(event.details)
