"""Bulk export pages: auditors start one from the search, watch its progress (a page that
works without JavaScript, and a JSON status for the script), and download the ZIP; the
requester and any auditor may, nobody else."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from decisions import demo
from exports import jobs
from exports.models import ExportJob
from records.models import AuditEvent

Status = ExportJob.Status
MOMENT = (2026, 1, 1, 12, 0, 0)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def auditor2(family_team):
    from tests.conftest import _user

    return _user("auditor2", "auditor", None)


@pytest.fixture
def fake_pdfs(monkeypatch):
    from exports import pdf

    monkeypatch.setattr(pdf, "record_pdf", lambda record: b"%PDF-1.7 " + record.reference.encode())


def zip_bytes(names=("ISD-2026-00001.pdf",)):
    """A small ZIP, the same bytes every time (its entries' times are fixed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name, date_time=MOMENT), b"%PDF-1.7")
        archive.writestr(zipfile.ZipInfo("manifest.csv", date_time=MOMENT), "reference\n")
    return buffer.getvalue()


def make_job(user, status=Status.QUEUED, **fields):
    job = ExportJob.objects.create(requested_by=user, status=status, **fields)
    if status == Status.DONE:
        job.file.save(job.download_name, ContentFile(zip_bytes()))
    return job


def downloads():
    return AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED, details__stage="downloaded")


# -- Starting from the search ------------------------------------------------------------------


def test_an_auditor_starts_a_job_from_the_search(client, auditor):
    client.force_login(auditor)

    response = client.post("/exports/bulk/", {"query": "q=DEMO-C&page=4"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == f"/exports/{job.pk}/"
    assert (job.requested_by, job.query, job.status) == (auditor, "q=DEMO-C", Status.QUEUED)
    assert DBTaskResult.objects.filter(id=job.task_id).exists()  # waiting for a worker


@pytest.mark.parametrize("who", ["practitioner", "manager"])
def test_others_may_not_start_one(request, client, who):
    client.force_login(request.getfixturevalue(who))

    assert client.post("/exports/bulk/", {"query": ""}).status_code == 403
    assert not ExportJob.objects.exists()


def test_starting_needs_sign_in_and_a_post(client, auditor):
    response = client.post("/exports/bulk/", {"query": ""})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    client.force_login(auditor)
    assert client.get("/exports/bulk/").status_code == 405
    assert not ExportJob.objects.exists()


def test_a_search_too_long_is_refused(client, auditor):
    client.force_login(auditor)

    assert client.post("/exports/bulk/", {"query": "q=" + "x" * 4000}).status_code == 400
    assert not ExportJob.objects.exists()


def test_the_button_posts_the_lists_query_string_for_auditors_only(auditor, practitioner):
    request = RequestFactory().get("/records/", {"q": "DEMO-C", "page": "2"})
    request.user = auditor

    html = render_to_string("exports/_bulk_button.html", {"user": auditor}, request=request)

    assert 'action="/exports/bulk/"' in html
    assert 'name="query" value="q=DEMO-C&amp;page=2"' in html
    assert "csrfmiddlewaretoken" in html
    request.user = practitioner
    assert "<form" not in render_to_string(
        "exports/_bulk_button.html", {"user": practitioner}, request=request
    )


def test_from_the_button_to_the_zip_with_the_immediate_backend(
    client, auditor, practitioner, settings, fake_pdfs
):
    settings.TASKS = IMMEDIATE
    records = [
        demo.create_submitted(
            author=practitioner, answers=demo.finished_answers("share_with_consent")
        )
        for _ in range(2)
    ]
    client.force_login(auditor)

    page = client.post("/exports/bulk/", {"query": ""}, follow=True)

    job = ExportJob.objects.get()
    assert job.status == Status.DONE
    assert "Done: 2 records exported." in page.content.decode()
    response = client.get(f"/exports/{job.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted(
        [f"{record.reference}.pdf" for record in records] + ["manifest.csv"]
    )


# -- The job page and its status ---------------------------------------------------------------


def test_a_queued_job_page_shows_progress_a_refresh_link_and_no_inline_script(client, auditor):
    job = make_job(auditor, query="q=DEMO-C")
    client.force_login(auditor)

    response = client.get(f"/exports/{job.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Waiting to start." in html
    assert f'data-export-status-url="/exports/{job.pk}/status.json"' in html
    assert '<progress class="app-export-progress"' in html
    assert f'<a class="govuk-link" href="/exports/{job.pk}/">Refresh</a>' in html
    assert "/static/app/export-progress.js" in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert "q: DEMO-C" in html
    # The download and the error are there for the script to show, hidden for now.
    assert re.search(r"<div data-export-done hidden>", html)
    assert re.search(r"data-export-failed hidden>", html)


def test_a_running_job_shows_how_far_it_has_got(client, auditor):
    job = make_job(auditor, status=Status.RUNNING, done=40, total=160)
    client.force_login(auditor)

    html = client.get(f"/exports/{job.pk}/").content.decode()

    assert 'max="160" value="40"' in html
    assert "40 of 160 records done." in html


def test_a_done_job_offers_its_download(client, auditor):
    job = make_job(auditor, status=Status.DONE, done=1, total=1)
    client.force_login(auditor)

    html = client.get(f"/exports/{job.pk}/").content.decode()

    assert "Done: 1 record exported." in html
    assert f'href="/exports/{job.pk}/download/"' in html
    assert "<div data-export-done>" in html
    assert "Refresh</a>" in html and "data-export-refresh hidden" in html


def test_a_failed_job_shows_its_error(client, auditor):
    job = make_job(
        auditor,
        status=Status.FAILED,
        done=3,
        total=10,
        error="The export stopped after 3 of 10 records. RuntimeError: <b>no fonts</b>",
    )
    client.force_login(auditor)

    html = client.get(f"/exports/{job.pk}/").content.decode()

    assert "The export failed" in html
    assert "RuntimeError: &lt;b&gt;no fonts&lt;/b&gt;" in html
    assert "Stopped after 3 of 10 records." in html
    assert re.search(r"data-export-failed>", html)


def test_a_failed_or_stalled_job_may_be_started_again_with_its_search(client, auditor):
    job = make_job(auditor, status=Status.FAILED, error="It broke.", query="q=DEMO-C")
    client.force_login(auditor)

    html = client.get(f"/exports/{job.pk}/").content.decode()

    assert html.count('<form method="post" action="/exports/bulk/"') == 2  # failed, stalled
    assert html.count('name="query" value="q=DEMO-C"') == 2
    client.post("/exports/bulk/", {"query": "q=DEMO-C"})
    assert ExportJob.objects.latest("pk").query == "q=DEMO-C"


def test_a_job_that_stops_moving_is_said_to_have_stalled(client, auditor):
    now = timezone.now()
    queued_long = make_job(auditor)
    ExportJob.objects.filter(pk=queued_long.pk).update(created_at=now - timedelta(minutes=3))
    queued_now = make_job(auditor)
    moving = make_job(
        auditor,
        status=Status.RUNNING,
        started_at=now - timedelta(hours=1),
        progress_at=now - timedelta(seconds=5),
    )
    stuck = make_job(
        auditor,
        status=Status.RUNNING,
        started_at=now - timedelta(hours=1),
        progress_at=now - timedelta(minutes=3),
    )
    client.force_login(auditor)

    statuses = {
        job.pk: client.get(f"/exports/{job.pk}/status.json").json()
        for job in (queued_long, queued_now, moving, stuck)
    }
    # Queued with no worker taking it: stalled, still waiting. Running with no progress: its
    # worker died, so it has failed.
    assert {pk: (s["status"], s["stalled"]) for pk, s in statuses.items()} == {
        queued_long.pk: ("queued", True),
        queued_now.pk: ("queued", False),
        moving.pk: ("running", False),
        stuck.pk: ("failed", False),
    }
    assert "stopped after" in statuses[stuck.pk]["error"]
    assert "<div data-export-stalled>" in client.get(f"/exports/{queued_long.pk}/").content.decode()
    assert (
        "<div data-export-stalled hidden>" in client.get(f"/exports/{moving.pk}/").content.decode()
    )


def test_the_list_fails_a_running_job_whose_worker_died(client, auditor):
    stuck = make_job(
        auditor,
        status=Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
        progress_at=timezone.now() - timedelta(minutes=3),
    )
    client.force_login(auditor)

    client.get("/exports/")

    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED


def test_a_worker_that_finishes_after_its_job_was_failed_leaves_it_failed(
    auditor, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    job = make_job(
        auditor,
        status=Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
        progress_at=timezone.now() - timedelta(minutes=3),
    )
    jobs.export_job_fail_stalled(job=job)
    job.file.save(job.download_name, ContentFile(b"PK fictional zip"), save=False)
    assert job.file.storage.exists(job.file.name)

    assert jobs.export_job_finish(job=job, file_name=job.file.name, count=3) is False

    job.refresh_from_db()
    assert job.status == Status.FAILED and not job.file
    assert not job.file.storage.exists(job.download_name)


def test_the_status_is_json_never_cached(client, auditor):
    job = make_job(auditor, status=Status.RUNNING, done=1, total=4)
    client.force_login(auditor)

    response = client.get(f"/exports/{job.pk}/status.json")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "id": job.pk,
        "status": "running",
        "status_label": "Running",
        "tag_class": "govuk-tag--blue",
        "text": "1 of 4 records done.",
        "done": 1,
        "total": 4,
        "percent": 25,
        "finished": False,
        "stalled": False,
        "error": "",
        "download_url": "",
    }


def test_the_status_of_a_done_and_a_failed_job(client, auditor):
    done = make_job(auditor, status=Status.DONE, done=1, total=1)
    failed = make_job(auditor, status=Status.FAILED, error="It broke.")
    client.force_login(auditor)

    done_status = client.get(f"/exports/{done.pk}/status.json").json()
    failed_status = client.get(f"/exports/{failed.pk}/status.json").json()

    assert (done_status["finished"], done_status["percent"]) == (True, 100)
    assert done_status["download_url"] == f"/exports/{done.pk}/download/"
    assert (failed_status["finished"], failed_status["error"]) == (True, "It broke.")
    assert failed_status["download_url"] == ""


def test_the_list_of_jobs_is_for_auditors(client, auditor, practitioner):
    job = make_job(auditor, status=Status.RUNNING, done=2, total=5)
    client.force_login(auditor)
    html = client.get("/exports/").content.decode()
    assert f'href="/exports/{job.pk}/"' in html
    assert "2 of 5" in html

    client.force_login(practitioner)
    assert client.get("/exports/").status_code == 403


# -- Downloading -------------------------------------------------------------------------------


def test_the_requester_downloads_the_zip_as_an_attachment_never_cached(client, auditor):
    job = make_job(auditor, status=Status.DONE, done=1, total=1)
    client.force_login(auditor)

    response = client.get(f"/exports/{job.pk}/download/", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="records-export-{job.pk}.zip"'
    )
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == zip_bytes()
    [event] = downloads()
    assert (event.actor, event.ip) == (auditor, "10.1.2.3")
    assert event.details == {"format": "zip", "job": job.pk, "count": 1, "stage": "downloaded"}


def test_another_auditor_may_see_and_download_it(client, auditor, auditor2):
    job = make_job(auditor, status=Status.DONE, done=1, total=1)
    client.force_login(auditor2)

    assert client.get(f"/exports/{job.pk}/").status_code == 200
    assert client.get(f"/exports/{job.pk}/status.json").status_code == 200
    response = client.get(f"/exports/{job.pk}/download/")
    assert response.status_code == 200
    assert downloads().get().actor == auditor2


@pytest.mark.parametrize("who", ["practitioner", "manager"])
@pytest.mark.parametrize("what", ["", "status.json", "download/"])
def test_others_are_refused(request, client, auditor, who, what):
    job = make_job(auditor, status=Status.DONE, done=1, total=1)
    client.force_login(request.getfixturevalue(who))

    assert client.get(f"/exports/{job.pk}/{what}").status_code == 403
    assert not downloads().exists()


@pytest.mark.parametrize("what", ["", "status.json", "download/"])
def test_anonymous_is_sent_to_sign_in(client, auditor, what):
    job = make_job(auditor, status=Status.DONE, done=1, total=1)

    response = client.get(f"/exports/{job.pk}/{what}")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("status", [Status.QUEUED, Status.RUNNING, Status.FAILED])
def test_nothing_to_download_before_it_is_done(client, auditor, status):
    job = make_job(auditor, status=status)
    client.force_login(auditor)

    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert not downloads().exists()


def test_a_missing_file_or_job_is_not_found(client, auditor, media):
    job = make_job(auditor, status=Status.DONE, done=1, total=1)
    (media / job.file.name).unlink()
    client.force_login(auditor)

    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert client.get(f"/exports/{job.pk + 1}/").status_code == 404
    assert not downloads().exists()
