"""A `db_worker` killed (SIGKILL) in the middle of a bulk export: no download is ever offered
for the half-built ZIP, the job is failed once it stops moving, saying why and offering to
start again, and starting again builds the whole export."""

import io
import signal
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from decisions import demo
from exports import jobs
from exports.models import STALLED_AFTER, ExportJob
from tests.config import processes

Status = ExportJob.Status
RECORDS = 15


def no_download_offered(client: Client, job: ExportJob) -> None:
    status = client.get(f"/exports/{job.pk}/status.json").json()
    assert status["download_url"] == ""
    assert status["status"] != Status.DONE
    html = client.get(f"/exports/{job.pk}/").content.decode()
    assert "<div data-export-done hidden>" in html
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_it_never_offers_a_partial_zip_when_the_worker_is_killed_mid_export(
    auditor, practitioner, tmp_path, settings, monkeypatch
):
    processes.skip_unless_postgres()
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media  # the web side (this process) and the worker share it
    for number in range(RECORDS):
        demo.create_submitted(
            author=practitioner,
            answers=demo.finished_answers(
                "share_without_consent", subject_reference=f"DEMO-K-{number:04}"
            ),
        )
    client = Client()
    client.force_login(auditor)
    client.post("/exports/bulk/", {"query": ""})
    job = ExportJob.objects.get()

    worker = processes.start_worker(media, tmp_path / "worker.log")
    try:
        processes.wait_for(
            lambda: ExportJob.objects.filter(pk=job.pk, done__gte=2).exists(),
            what="the worker building the export",
            process=worker,
            every=0.02,
        )
        no_download_offered(client, job)  # while it runs
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        processes.stop(worker, signal.SIGKILL)

    job.refresh_from_db()
    assert job.status == Status.RUNNING, (tmp_path / "worker.log").read_text()
    assert 2 <= job.done < job.total == RECORDS
    assert not job.file
    no_download_offered(client, job)  # just after

    # Two minutes later (the job's last progress moved back rather than waiting): failed, with
    # why and the offer to start it again, and still nothing to download.
    ExportJob.objects.filter(pk=job.pk).update(
        progress_at=timezone.now() - STALLED_AFTER - timedelta(seconds=1)
    )
    status = client.get(f"/exports/{job.pk}/status.json").json()
    assert (status["status"], status["stalled"]) == (Status.FAILED, False)
    assert status["error"] == (
        f"The worker building this export stopped after {job.done} of {RECORDS} records: "
        "nothing moved for 2 minutes."
    )
    html = client.get(f"/exports/{job.pk}/").content.decode()
    assert "data-export-failed>" in html  # the error summary, shown
    assert "Start this export again" in html
    no_download_offered(client, job)

    # Started again: a new job, built whole (here in this process), the killed one untouched.
    from exports import pdf

    monkeypatch.setattr(pdf, "record_pdf", lambda record: b"%PDF-1.7 " + record.reference.encode())
    client.post("/exports/bulk/", {"query": ""})
    again = ExportJob.objects.exclude(pk=job.pk).get()
    jobs.export_job_run(job_id=again.pk)
    again.refresh_from_db()
    assert (again.status, again.done, again.total) == (Status.DONE, RECORDS, RECORDS)
    response = client.get(f"/exports/{again.pk}/download/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == RECORDS + 1
    assert archive.testzip() is None
    job.refresh_from_db()
    assert job.status == Status.FAILED and not job.file
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
