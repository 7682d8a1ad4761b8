"""Bulk exports: a ZIP of one PDF per record of a search, plus a manifest, built by a worker.

Every change to a job goes through here. The view starts a job (queued, with its task in the
same transaction); the worker (``exports.tasks.build_export``) runs ``export_job_run``, which
re-runs the search as the requester, writes the ZIP one PDF at a time to a temporary file on
disk (memory stays flat whatever the number of records), then saves it to the configured
storage. Progress is written after every record so the job page can show it.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from itertools import islice

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from exports import pdf
from exports.models import STALLED_AFTER, ExportJob
from records.filters import search_records
from records.fingerprint import record_fingerprint
from records.models import AuditEvent, DecisionRecord, User
from records.services import audit_log

logger = logging.getLogger(__name__)

Status = ExportJob.Status
MANIFEST_NAME = "manifest.csv"
MANIFEST_HEADER = ("reference", "outcome", "submitted_at", "fingerprint", "file")
# Records read from the database at a time: a chunk's snapshots are all that is held.
CHUNK_SIZE = 50
# Query-string keys that say which page of the list was showing, not what was searched.
_NOT_THE_SEARCH = ("page", "cursor")
ERROR_MAX_LENGTH = 1000


class ExportFailed(Exception):
    """The job cannot be built (said in words fit for the job page)."""


def search_query(params: QueryDict | str) -> str:
    """The search's query string as stored on a job: the list's parameters without the page."""
    query = params.copy() if isinstance(params, QueryDict) else QueryDict(params, mutable=True)
    for key in _NOT_THE_SEARCH:
        query.pop(key, None)
    return query.urlencode()


def export_records(*, user: User, query: str) -> QuerySet[DecisionRecord]:
    """The records /records/ shows this user for this query string, in the list's order.

    The list's own filters (records.filters.search_records), so the ZIP holds what the list
    showed. Filters the list would refuse (an impossible date, a choice no longer offered)
    fail the job with the form's messages rather than export nothing.
    """
    filters, records = search_records(user=user, params=QueryDict(query))
    if filters.is_bound and not filters.is_valid():
        messages = [str(message) for errors in filters.form.errors.values() for message in errors]
        raise ExportFailed(f"The search is not valid: {' '.join(messages)}")
    return records


def may_see_job(*, user: User, job: ExportJob) -> bool:
    """Its requester, and any auditor."""
    return user.is_authenticated and (user.is_auditor or job.requested_by_id == user.pk)


@transaction.atomic
def export_job_start(*, user: User, query: str = "", ip: str | None = None) -> ExportJob:
    """Queue a bulk export of the search ``query`` (a /records/ query string) for an auditor.

    The job row and its task are written in one transaction: a worker never sees a task
    without its job, and a job is never left without a task.
    """
    from exports.tasks import build_export  # the task module imports this one

    if not user.is_auditor:
        raise PermissionDenied("Only auditors export records in bulk.")
    job = ExportJob.objects.create(requested_by=user, query=search_query(query))
    audit_log(
        event=AuditEvent.Event.EXPORTED,
        actor=user,
        ip=ip,
        details={"format": "zip", "job": job.pk, "stage": "requested", "query": job.query},
    )
    result = build_export.enqueue(job_id=job.pk)
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def export_job_claim(*, job_id: int) -> bool:
    """Mark a queued job running. False when it is not queued (already run, or running)."""
    return bool(
        ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.RUNNING, started_at=timezone.now(), progress_at=timezone.now()
        )
    )


def export_job_progress(*, job_id: int, done: int, total: int | None = None) -> None:
    """Record how far a running job has got (its own short transaction, seen at once)."""
    changes = {"done": done, "progress_at": timezone.now()}
    if total is not None:
        changes["total"] = total
    ExportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(**changes)


@transaction.atomic
def export_job_finish(*, job: ExportJob, file_name: str, count: int) -> bool:
    """Mark a running job done with its file. False, and the file deleted, when the job is no
    longer running (``export_job_fail_stalled`` failed it while this worker was silent):
    what the page said stands."""
    finished = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=Status.DONE,
        finished_at=timezone.now(),
        file=file_name,
        done=count,
        total=count,
        error="",
    )
    if not finished:
        job.file.storage.delete(file_name)
        return False
    audit_log(
        event=AuditEvent.Event.EXPORTED,
        actor=job.requested_by,
        details={"format": "zip", "job": job.pk, "count": count, "stage": "built"},
    )
    return True


def export_job_fail(*, job_id: int, error: str) -> None:
    ExportJob.objects.filter(pk=job_id).exclude(status=Status.DONE).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        error=(error or "The export failed.")[:ERROR_MAX_LENGTH],
    )


def export_job_fail_stalled(*, job: ExportJob) -> ExportJob:
    """A running job that has not moved for ``STALLED_AFTER`` is failed: its worker was
    killed or its machine went away (a worker records its progress after every record). The
    page then says so and offers to start again; no partial file was ever kept. A queued job
    that no worker has taken yet is left to wait (the page says the worker may be down)."""
    if job.status != Status.RUNNING or not job.is_stalled:
        return job
    minutes = int(STALLED_AFTER.total_seconds() // 60)
    ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, progress_at=job.progress_at).update(
        status=Status.FAILED,
        finished_at=timezone.now(),
        error=(
            f"The worker building this export stopped after {job.done} of {job.total} "
            f"records: nothing moved for {minutes} minutes."
        ),
    )
    job.refresh_from_db()
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build a queued job's ZIP (the worker's task). Returns the job, or None if it was not
    queued. On any error the job is marked failed with a message and the error re-raised,
    so the task's result says so too."""
    if not export_job_claim(job_id=job_id):
        logger.warning("Export job %s is not queued: not run again.", job_id)
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    done = 0
    try:
        user = job.requested_by
        if not (user.is_active and user.is_auditor):
            raise ExportFailed(f"{user.username} may no longer export records in bulk.")
        ids = list(export_records(user=user, query=job.query).values_list("pk", flat=True))
        export_job_progress(job_id=job.pk, done=0, total=len(ids))

        def progress(count: int) -> None:
            nonlocal done
            done = count
            export_job_progress(job_id=job.pk, done=count)

        with tempfile.TemporaryFile(prefix="export-", suffix=".zip") as archive:
            count = write_zip(archive, _records_in_order(ids), on_record=progress)
            archive.seek(0)
            job.file.save(job.download_name, File(archive, name=job.download_name), save=False)
        export_job_finish(job=job, file_name=job.file.name, count=count)
    except Exception as exc:
        logger.exception("Export job %s failed after %s records", job_id, done)
        total = ExportJob.objects.filter(pk=job_id).values_list("total", flat=True).first()
        reason = str(exc) if isinstance(exc, ExportFailed) else f"{type(exc).__name__}: {exc}"
        export_job_fail(
            job_id=job_id,
            error=f"The export stopped after {done} of {total or 0} records. {reason}",
        )
        raise
    job.refresh_from_db()
    return job


def _records_in_order(ids: list[int]) -> Iterator[DecisionRecord]:
    """The records, a chunk at a time, in the order of ``ids`` (one skipped if deleted since)."""
    numbers = iter(ids)
    while chunk := list(islice(numbers, CHUNK_SIZE)):
        rows = DecisionRecord.objects.select_related("author", "team").in_bulk(chunk)
        for pk in chunk:
            if pk in rows:
                yield rows[pk]


def write_zip(
    target,
    records: Iterator[DecisionRecord],
    *,
    on_record: Callable[[int], None] = lambda count: None,
) -> int:
    """Write one PDF per record and a manifest into a ZIP on ``target`` (a binary file).

    Each PDF goes into the archive as soon as it is rendered, so only one is ever held; the
    manifest's rows wait in a temporary file and go in last. Returns the number of records.
    """
    count = 0
    with (
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryFile(prefix="manifest-", suffix=".csv") as manifest_file,
    ):
        # Detached, never closed, so the temporary file is closed (and removed) once, below.
        manifest = io.TextIOWrapper(manifest_file, encoding="utf-8", newline="")
        try:
            rows = csv.writer(manifest)
            rows.writerow(MANIFEST_HEADER)
            for record in records:
                name = f"{record.reference}.pdf"
                archive.writestr(name, pdf.record_pdf(record))
                rows.writerow(
                    (
                        record.reference,
                        record.outcome,
                        _iso(record.submitted_at),
                        record_fingerprint(record),
                        name,
                    )
                )
                count += 1
                on_record(count)
        finally:
            manifest.detach()  # flushes
        manifest_file.seek(0)
        with archive.open(MANIFEST_NAME, "w") as entry:
            shutil.copyfileobj(manifest_file, entry)
    return count


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""
