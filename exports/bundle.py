"""A subject-access bundle: every submitted record about one subject reference, as one ZIP.

For each record a PDF (``exports.pdf.record_pdf``) and a JSON file (answers, snapshot,
outcome, rounds, timeline, sharing, addenda, fingerprint), then ``manifest.json`` (each
file with its SHA-256, each record with its fingerprint) and ``manifest.csv`` (the CSV
export's columns). One PDF is rendered at a time and written straight into the ZIP.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import asdict

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from exports import csv as csv_export
from exports.pdf import record_pdf
from records import selectors
from records.fingerprint import record_fingerprint
from records.models import DecisionRecord, User

MAX_SUBJECT_REFERENCE = 100  # DecisionRecord.subject_reference's max_length


def subject_records(subject_reference: str) -> QuerySet[DecisionRecord]:
    """Every submitted record about exactly this subject reference, oldest first."""
    return (
        DecisionRecord.objects.select_related("author", "team__organisation")
        .exclude(state=DecisionRecord.State.DRAFT)
        .filter(subject_reference=subject_reference)
        .order_by("submitted_at", "pk")
    )


def _user(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "name": user.get_full_name(), "role": user.role}


def record_document(record: DecisionRecord) -> dict:
    """Everything the record holds, as JSON values."""
    confirmation = selectors.sharing_confirmation_for(record)
    team = record.team
    return {
        "reference": record.reference,
        "fingerprint": record_fingerprint(record),
        "state": record.state,
        "outcome": record.outcome,
        "outcome_title": (record.snapshot or {}).get("outcome", {}).get("title", ""),
        "shares": record.shares,
        "requires_approval": record.requires_approval,
        "approval_timing": record.approval_timing,
        "flowchart_version": record.flowchart_version,
        "path": record.path,
        "organisation": team.organisation.name if team else None,
        "team": team.name if team else None,
        "practitioner": _user(record.author),
        "subject_reference": record.subject_reference,
        "subject_type": record.subject_type,
        "direction": record.direction,
        "urgent": record.urgent,
        "other_agency": record.other_agency,
        "lawful_basis": record.lawful_basis,
        "created_at": record.created_at,
        "submitted_at": record.submitted_at,
        "review_date": record.review_date,
        "retain_until": record.retain_until,
        "legal_hold": record.legal_hold,
        "reconsiders": record.reconsiders.reference if record.reconsiders_id else None,
        "answers": record.answers,
        "snapshot": record.snapshot,
        "rounds": [
            {
                "number": submission.number,
                "submitted_at": submission.submitted_at,
                "submitted_by": _user(submission.submitted_by),
                "outcome": submission.outcome,
                "state_after": submission.state_after,
                "manager_decisions": [
                    {
                        "kind": decision.kind,
                        "by": _user(decision.by),
                        "at": decision.at,
                        "comment": decision.comment,
                    }
                    for decision in decisions
                ],
            }
            for submission, decisions in selectors.rounds_for(record)
        ],
        "timeline": [asdict(entry) for entry in selectors.record_timeline(record)],
        "sharing_confirmation": (
            {
                "shared_on": confirmation.shared_on,
                "means": confirmation.means,
                "recipient": confirmation.recipient,
                "confirmed_by": _user(confirmation.confirmed_by),
                "confirmed_at": confirmation.confirmed_at,
            }
            if confirmation
            else None
        ),
        "addenda": [
            {
                "kind": addendum.kind,
                "at": addendum.at,
                "author": _user(addendum.author),
                "text": addendum.text,
            }
            for addendum in record.addenda.select_related("author")
        ],
    }


def _dumps(value) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def _add(archive: zipfile.ZipFile, name: str, data: bytes, *, compress: bool = True) -> dict:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    archive.writestr(info, data)
    return {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_subject_access_zip(
    target, *, subject_reference: str, records, generated_by: User
) -> list[str]:
    """Write the bundle into ``target`` (a binary file); the references included."""
    records = list(records)
    references: list[str] = []
    files: list[dict] = []
    entries: list[dict] = []
    with zipfile.ZipFile(target, "w") as archive:
        for record in records:
            reference = record.reference
            # PDFs are compressed already: stored as they are.
            pdf = _add(archive, f"{reference}.pdf", record_pdf(record), compress=False)
            document = _add(archive, f"{reference}.json", _dumps(record_document(record)))
            files += [pdf, document]
            references.append(reference)
            entries.append(
                {
                    "reference": reference,
                    "fingerprint": record_fingerprint(record),
                    "state": record.state,
                    "outcome": record.outcome,
                    "submitted_at": record.submitted_at,
                    "files": [pdf["name"], document["name"]],
                }
            )
        lines = csv_export.stream_csv([record.pk for record in records])
        files.append(_add(archive, "manifest.csv", "".join(lines).encode()))
        manifest = {
            "subject_reference": subject_reference,
            "generated_at": timezone.now(),
            "generated_by": _user(generated_by),
            "record_count": len(references),
            "records": entries,
            "files": files,
        }
        _add(archive, "manifest.json", _dumps(manifest))
    return references
