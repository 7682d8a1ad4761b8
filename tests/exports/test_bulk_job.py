"""The bulk export job: queued with its task, built from the search one PDF at a time with its
progress, a ZIP of PDFs and a manifest in storage, failures told, and a real `db_worker`."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from decisions import demo
from exports import jobs
from exports.models import ExportJob
from records.models import AuditEvent
from tests.config.processes import run_worker_batch

Status = ExportJob.Status
ROOT = Path(__file__).resolve().parents[2]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def submitted(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def immediate(settings):
    """Tasks run as they are enqueued (the suite's default is the database backend)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def records(practitioner, practitioner2, manager):
    """Three submitted records, newest first as the list shows them, and a draft."""
    made = [
        submitted(practitioner, subject_reference="DEMO-C-1001"),
        submitted(practitioner2, "share_with_consent", subject_reference="DEMO-C-1002"),
        submitted(manager, "not_share_no_purpose", subject_reference="DEMO-C-1003"),
    ]
    demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent"), complete=False
    )
    return made[::-1]


def events(stage):
    return list(
        AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED, details__stage=stage).order_by(
            "pk"
        )
    )


def read_zip(job):
    with job.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def manifest_rows(archive):
    text = archive.read(jobs.MANIFEST_NAME).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


# -- Starting -----------------------------------------------------------------------------


def test_start_queues_the_job_and_its_task_in_the_database(auditor, records, media):
    job = jobs.export_job_start(user=auditor, query="q=DEMO-C&page=3", ip="10.0.0.1")

    assert job.status == Status.QUEUED
    assert job.query == "q=DEMO-C"  # the search, not the page it was on
    assert (job.done, job.total, job.started_at, job.file.name) == (0, 0, None, "")
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == TaskResultStatus.READY
    assert task.task_path == "exports.tasks.build_export"
    assert task.args_kwargs == {"args": [], "kwargs": {"job_id": job.pk}}
    [event] = events("requested")
    assert event.actor == auditor
    assert event.ip == "10.0.0.1"
    assert event.details == {
        "format": "zip",
        "job": job.pk,
        "stage": "requested",
        "query": "q=DEMO-C",
    }


@pytest.mark.parametrize("who", ["practitioner", "manager"])
def test_only_auditors_start_one(request, who, db):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        jobs.export_job_start(user=user, query="")
    assert not ExportJob.objects.exists()
    assert not DBTaskResult.objects.exists()


# -- Running: queued to done with its progress -----------------------------------------------


def test_the_task_function_takes_the_job_from_queued_to_done_with_its_progress(
    auditor, records, media, monkeypatch
):
    from exports import pdf

    job = jobs.export_job_start(user=auditor, query="")
    seen = []
    real_pdf = pdf.record_pdf

    def watching_pdf(record):
        row = ExportJob.objects.get(pk=job.pk)
        seen.append((record.reference, row.status, row.done, row.total))
        return real_pdf(record)

    monkeypatch.setattr(pdf, "record_pdf", watching_pdf)
    before = timezone.now()

    jobs.export_job_run(job_id=job.pk)

    refs = [record.reference for record in records]
    # Running, with the total known, and one more done before each record's PDF.
    assert seen == [(ref, Status.RUNNING, n, 3) for n, ref in enumerate(refs)]
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert (job.done, job.total, job.percent, job.error) == (3, 3, 100, "")
    assert before <= job.started_at <= job.progress_at <= job.finished_at
    assert job.file.name == f"exports/records-export-{job.pk}.zip"
    assert (media / job.file.name).is_file()
    [built] = events("built")
    assert built.actor == auditor
    assert built.details == {"format": "zip", "job": job.pk, "count": 3, "stage": "built"}


def test_the_immediate_backend_runs_it_as_it_is_enqueued(auditor, records, media, immediate):
    job = jobs.export_job_start(user=auditor, query="")

    assert job.status == Status.DONE
    assert (job.done, job.total) == (3, 3)
    assert job.task_id  # the immediate backend's result id
    assert not DBTaskResult.objects.exists()
    assert len(read_zip(job).namelist()) == 4


def test_a_job_runs_once(auditor, records, media):
    job = jobs.export_job_start(user=auditor, query="")
    assert jobs.export_job_run(job_id=job.pk).status == Status.DONE

    assert jobs.export_job_run(job_id=job.pk) is None
    assert len(events("built")) == 1


# -- What the ZIP holds ---------------------------------------------------------------------


def test_the_zip_has_one_readable_pdf_per_record_and_a_manifest(auditor, records, media):
    from records.fingerprint import record_fingerprint

    job = jobs.export_job_start(user=auditor, query="")
    jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()

    archive = read_zip(job)
    names = [f"{record.reference}.pdf" for record in records]
    assert archive.namelist() == [*names, "manifest.csv"]
    assert archive.testzip() is None
    for record, name in zip(records, names, strict=True):
        reader = PdfReader(io.BytesIO(archive.read(name)))
        text = "".join(page.extract_text() for page in reader.pages)
        assert record.reference in text
    rows = manifest_rows(archive)
    assert rows[0] == ["reference", "outcome", "submitted_at", "fingerprint", "file"]
    assert rows[1:] == [
        [
            record.reference,
            record.outcome,
            timezone.localtime(record.submitted_at).isoformat(timespec="seconds"),
            record_fingerprint(record),
            f"{record.reference}.pdf",
        ]
        for record in records
    ]
    assert all(len(row[3]) == 64 for row in rows[1:])


def test_the_search_is_run_again_with_its_query(auditor, records, media, monkeypatch):
    from exports import pdf

    monkeypatch.setattr(pdf, "record_pdf", lambda record: b"%PDF-1.7 fake")
    job = jobs.export_job_start(user=auditor, query="q=DEMO-C-1002&page=9")
    jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()

    [row] = manifest_rows(read_zip(job))[1:]
    assert row[0] == records[1].reference
    assert job.total == job.done == 1


def test_the_lists_filters_and_order_are_kept(auditor, records, media, monkeypatch):
    from exports import pdf

    monkeypatch.setattr(pdf, "record_pdf", lambda record: b"%PDF-1.7 fake")
    by_outcome = jobs.export_job_start(user=auditor, query="outcome=share_with_consent")
    oldest_first = jobs.export_job_start(user=auditor, query="sort=oldest&cursor=abc")
    for job in (by_outcome, oldest_first):
        jobs.export_job_run(job_id=job.pk)
        job.refresh_from_db()

    assert [row[0] for row in manifest_rows(read_zip(by_outcome))[1:]] == [records[1].reference]
    assert oldest_first.query == "sort=oldest"
    assert [row[0] for row in manifest_rows(read_zip(oldest_first))[1:]] == [
        record.reference for record in reversed(records)
    ]


def test_a_search_the_list_would_refuse_fails_the_job_with_its_message(auditor, records, media):
    job = jobs.export_job_start(user=auditor, query="date_from=2026-02-31&q=DEMO")

    with pytest.raises(jobs.ExportFailed):
        jobs.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error.startswith("The export stopped after 0 of 0 records. The search is not valid:")
    assert "real date" in job.error


def test_an_empty_search_gives_a_zip_with_only_the_manifest(auditor, records, media):
    job = jobs.export_job_start(user=auditor, query="q=nothing-matches-this")
    jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()

    assert job.status == Status.DONE
    assert (job.done, job.total) == (0, 0)
    assert manifest_rows(read_zip(job)) == [list(jobs.MANIFEST_HEADER)]


def test_records_are_read_a_chunk_at_a_time(auditor, records, media, monkeypatch):
    from exports import pdf

    monkeypatch.setattr(pdf, "record_pdf", lambda record: b"%PDF-1.7 fake")
    monkeypatch.setattr(jobs, "CHUNK_SIZE", 2)
    job = jobs.export_job_start(user=auditor, query="")
    jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()

    refs = [row[0] for row in manifest_rows(read_zip(job))[1:]]
    assert refs == [record.reference for record in records]


# -- Failure ----------------------------------------------------------------------------------


def failing_on_second(monkeypatch):
    from exports import pdf

    calls = []

    def flaky(record):
        calls.append(record.reference)
        if len(calls) == 2:
            raise RuntimeError("the renderer ran out of fonts")
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(pdf, "record_pdf", flaky)


def test_a_failure_marks_the_job_failed_with_its_error(auditor, records, media, monkeypatch):
    failing_on_second(monkeypatch)
    job = jobs.export_job_start(user=auditor, query="")

    with pytest.raises(RuntimeError, match="ran out of fonts"):
        jobs.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == (
        "The export stopped after 1 of 3 records. RuntimeError: the renderer ran out of fonts"
    )
    assert job.finished_at is not None
    assert not job.file
    assert not (media / "exports").exists() or not any((media / "exports").iterdir())
    assert not events("built")


def test_a_failure_in_the_task_fails_the_task_result_too(
    auditor, records, media, settings, monkeypatch
):
    from exports.tasks import build_export

    job = jobs.export_job_start(user=auditor, query="")  # queued in the database
    failing_on_second(monkeypatch)
    settings.TASKS = IMMEDIATE

    result = build_export.enqueue(job_id=job.pk)

    assert result.status == TaskResultStatus.FAILED
    assert [error.exception_class for error in result.errors] == [RuntimeError]
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "ran out of fonts" in job.error


def test_starting_with_the_immediate_backend_shows_a_failure_on_the_job(
    auditor, records, media, immediate, monkeypatch
):
    failing_on_second(monkeypatch)

    job = jobs.export_job_start(user=auditor, query="")

    assert job.status == Status.FAILED
    assert job.done == 1
    assert "ran out of fonts" in job.error


def test_a_requester_who_is_no_longer_an_auditor_gets_nothing(auditor, records, media):
    job = jobs.export_job_start(user=auditor, query="")
    auditor.role = "practitioner"
    auditor.save()

    with pytest.raises(jobs.ExportFailed):
        jobs.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == (
        "The export stopped after 0 of 0 records. auditor may no longer export records in bulk."
    )


# -- A real worker ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_db_worker_builds_the_queued_job(auditor, records, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the worker is a second process: it needs a database server both can reach "
            "(SQLite's test database is in memory); run with scripts/with-postgres.sh"
        )
    job = jobs.export_job_start(user=auditor, query="")
    media = tmp_path / "worker-media"

    worker = run_worker_batch(media)

    assert worker.returncode == 0, worker.stdout + worker.stderr
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    assert (job.done, job.total) == (3, 3)
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.return_value == {
        "job": job.pk,
        "ran": True,
        "count": 3,
        "file": job.file.name,
    }
    with zipfile.ZipFile(media / job.file.name) as archive:
        assert len(archive.namelist()) == 4
        for name in archive.namelist()[:-1]:
            assert PdfReader(io.BytesIO(archive.read(name))).pages
