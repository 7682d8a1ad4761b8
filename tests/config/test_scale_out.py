"""Scale-out: two app instances (gunicorn, on two ports) and two `db_worker`s on one PostgreSQL
database and one shared MEDIA_ROOT. One person's requests alternate between the instances and
nothing differs (the session, the draft, the export's job and file live in the database or the
shared storage, never in one process); and two workers never take the same job."""

import re
import signal

import pytest
import requests
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from decisions import demo
from exports import jobs
from exports.models import ExportJob
from records.models import AuditEvent, DecisionRecord
from tests.config import processes
from tests.conftest import PASSWORD
from tests.decisions.walk import post_data_for

JOBS = 6
# Per-response values that differ by design: CSRF tokens (masked afresh each time) and CSP nonces.
_PER_RESPONSE = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"')


@pytest.fixture
def instances(tmp_path, settings):
    """Two app instances and two workers sharing the test database and one MEDIA_ROOT."""
    processes.skip_unless_postgres()
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media  # this process reads the files the workers write, too
    started = []
    try:
        apps = []
        for name in ("a", "b"):
            process, base = processes.start_app(media, tmp_path / f"app-{name}.log")
            started.append(process)
            apps.append(base)
        for name in ("one", "two"):
            started.append(
                processes.start_worker(media, tmp_path / f"worker-{name}.log", f"worker-{name}")
            )
        yield apps
    finally:
        for process in started:
            processes.stop(process, signal.SIGTERM)


class Person:
    """One browser: one cookie jar, whichever instance it talks to (cookies ignore the port)."""

    def __init__(self):
        self.session = requests.Session()

    def get(self, base: str, path: str) -> requests.Response:
        response = self.session.get(base + path, allow_redirects=False, timeout=120)
        assert response.status_code in (200, 302), (base, path, response.status_code)
        return response

    def post(self, base: str, path: str, data: dict | None = None) -> requests.Response:
        response = self.session.post(
            base + path,
            data=data or {},
            headers={"X-CSRFToken": self.session.cookies.get("csrftoken", "")},
            allow_redirects=False,
            timeout=120,
        )
        assert response.status_code == 302, (base, path, response.status_code, response.text)
        return response

    def sign_in(self, base: str, username: str) -> None:
        self.get(base, "/accounts/login/")  # its CSRF cookie
        response = self.post(base, "/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.headers["Location"] == "/"


def same_page(person: Person, apps: list[str], path: str) -> str:
    pages = [_PER_RESPONSE.sub(r"\1", person.get(base, path).text) for base in apps]
    assert pages[0] == pages[1], path
    return pages[0]


@pytest.mark.django_db(transaction=True)
def test_it_serves_one_person_from_either_instance_with_no_difference(
    instances, practitioner, auditor
):
    a, b = instances
    person = Person()
    person.sign_in(a, "practitioner")
    assert "Sign out" in same_page(person, instances, "/")  # the session from A, seen by B

    url = person.post(b, "/decisions/new/").headers["Location"]
    answers = demo.finished_answers("share_with_consent")
    pages = []
    for turn in range(40):
        if url.endswith("/check/"):
            break
        base = (a, b)[turn % 2]
        step_id = url.rstrip("/").rsplit("/", 1)[-1]
        pages.append(step_id)
        url = person.post(base, url, post_data_for(step_id, answers)).headers["Location"]
    else:
        raise AssertionError(f"no check page: {pages}")
    record = DecisionRecord.objects.get(author=practitioner)
    assert record.state == "draft" and len(pages) > 5
    check = same_page(person, instances, url)  # the same draft, every answer, on both
    assert record.reference in check

    confirmation = person.post(b if len(pages) % 2 else a, url).headers["Location"]
    same_page(person, instances, confirmation)
    record.refresh_from_db()
    assert record.outcome == "share_with_consent" and record.state == "recorded"
    assert AuditEvent.objects.filter(record=record, event="submitted").count() == 1
    same_page(person, instances, f"/records/{record.reference}/")

    # An auditor queues a bulk export on A; a worker builds it; B serves the file.
    reader = Person()
    reader.sign_in(a, "auditor")
    job_url = reader.post(a, "/exports/bulk/", {"query": ""}).headers["Location"]
    job = ExportJob.objects.get()
    assert job_url == f"/exports/{job.pk}/"
    processes.wait_for(
        lambda: ExportJob.objects.filter(pk=job.pk, status__in=["done", "failed"]).exists(),
        what="a worker building the export",
    )
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert reader.get(b, f"/exports/{job.pk}/status.json").json()["download_url"]
    download = reader.get(b, f"/exports/{job.pk}/download/")
    with job.file.open("rb") as stored:
        assert download.content == stored.read()
    assert download.content[:2] == b"PK"


@pytest.mark.django_db(transaction=True)
def test_it_never_gives_one_job_to_two_workers(instances, practitioner, auditor):
    references = [
        demo.create_submitted(
            author=practitioner, answers=demo.finished_answers("not_share_no_purpose")
        ).reference
        for _ in range(JOBS)
    ]
    queued = [jobs.export_job_start(user=auditor, query=f"q={ref}") for ref in references]

    processes.wait_for(
        lambda: not ExportJob.objects.exclude(status__in=["done", "failed"]).exists(),
        what=f"the workers building {JOBS} exports",
        timeout=300,
    )
    tasks = DBTaskResult.objects.filter(id__in=[job.task_id for job in queued])
    assert tasks.count() == JOBS
    for task in tasks:
        assert task.status == TaskResultStatus.SUCCESSFUL
        assert len(task.worker_ids) == 1, task.worker_ids  # claimed once
        assert task.return_value["ran"] is True  # and the job ran in it, not skipped
    assert {worker for task in tasks for worker in task.worker_ids} <= {"worker-one", "worker-two"}
    for job, reference in zip(queued, references, strict=True):
        job.refresh_from_db()
        assert (job.status, job.done, job.total, job.query) == ("done", 1, 1, f"q={reference}")
    built = AuditEvent.objects.filter(event=AuditEvent.Event.EXPORTED, details__stage="built")
    assert sorted(event.details["job"] for event in built) == sorted(job.pk for job in queued)
