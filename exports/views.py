"""Downloads: one record as PDF, the current search as CSV, a subject-access bundle.

Each download writes an EXPORTED audit event. None is cached by a browser or a proxy.
"""

from __future__ import annotations

import re
import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from exports import bundle
from exports.csv import stream_csv
from exports.pdf import record_pdf
from records.filters import search_records
from records.models import AuditEvent
from records.selectors import record_get_for_user
from records.services import audit_log
from records.utils import client_ip

EXPORTED = AuditEvent.Event.EXPORTED
SPOOL_BYTES = 16 * 1024 * 1024  # a bundle larger than this goes to a temporary file


def _download(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def record_pdf_view(request, reference: str):
    record = record_get_for_user(user=request.user, reference=reference)
    if record.is_draft:
        raise Http404("A draft has no PDF: it is not a record yet.")
    pdf = record_pdf(record)
    audit_log(
        event=EXPORTED,
        actor=request.user,
        record=record,
        ip=client_ip(request),
        details={"format": "pdf"},
    )
    return _download(HttpResponse(pdf, content_type="application/pdf"), f"{record.reference}.pdf")


# --- CSV of the current search ----------------------------------------------------------

MAX_LOGGED_FILTERS = 20


def search_for(request):
    """The records the list page shows for this query string, whoever is asking: the list's
    own filters (records.filters), so the CSV holds what the list showed, in its order.
    Invalid filters select nothing, as on the list."""
    _, records = search_records(user=request.user, params=request.GET)
    return records


def _filters(request) -> dict:
    """The query string, for the audit trail: what was asked for, not what came back."""
    return {
        key: [value[:100] for value in request.GET.getlist(key)][:10]
        for key in list(request.GET)[:MAX_LOGGED_FILTERS]
        if key != "page"
    }


@login_required
@require_GET
def records_csv(request):
    records = search_for(request)
    # Streamed, so the count is not known up front: the filters say what was exported.
    audit_log(
        event=EXPORTED,
        actor=request.user,
        ip=client_ip(request),
        details={"format": "csv", "filters": _filters(request)},
    )
    response = StreamingHttpResponse(stream_csv(records), content_type="text/csv; charset=utf-8")
    return _download(response, f"records-{timezone.localtime():%Y-%m-%d-%H%M}.csv")


# --- Subject access ---------------------------------------------------------------------


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "subject"


@login_required
@require_GET
def subject_access(request):
    if not request.user.is_auditor:
        raise PermissionDenied("Only auditors make subject-access bundles.")
    subject = request.GET.get("subject")
    error = ""
    if subject is not None:
        subject = subject.strip()
        if not subject:
            error = "Enter the case reference"
        elif len(subject) > bundle.MAX_SUBJECT_REFERENCE:
            error = f"A case reference is at most {bundle.MAX_SUBJECT_REFERENCE} characters"
        elif "\x00" in subject:  # no reference holds one, and PostgreSQL refuses it
            error = "A case reference cannot contain a null character: enter it again"
        else:
            records = list(bundle.subject_records(subject))
            if records:
                return _subject_access_zip(request, subject, records)
            error = (
                "There are no submitted records with that case reference. Check it, "
                "including capitals and punctuation: it must match exactly"
            )
    return render(
        request,
        "exports/subject_access.html",
        {"subject": subject or "", "error": error},
    )


def _subject_access_zip(request, subject: str, records):
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    references = bundle.write_subject_access_zip(
        target, subject_reference=subject, records=records, generated_by=request.user
    )
    ip = client_ip(request)
    with transaction.atomic():
        # No personal data in the trail: the references and how many, not the subject.
        audit_log(
            event=EXPORTED,
            actor=request.user,
            ip=ip,
            details={
                "format": "subject_access",
                "count": len(references),
                "references": references,
            },
        )
        for record in records:  # and on each record's own trail
            audit_log(
                event=EXPORTED,
                actor=request.user,
                record=record,
                ip=ip,
                details={"format": "subject_access"},
            )
    target.seek(0)
    response = FileResponse(target, content_type="application/zip")
    return _download(response, f"subject-access-{_safe_name(subject)}.zip")
