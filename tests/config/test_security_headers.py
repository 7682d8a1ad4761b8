"""Every page has the Content-Security-Policy; every response to a signed-in user, page or
download, has Cache-Control: no-store; the page templates hold nothing the policy blocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from decisions import demo
from exports.models import ExportJob
from tests.exports.test_job_views import zip_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def directives(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


@pytest.fixture
def record(practitioner):
    return demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )


@pytest.fixture
def zip_job(auditor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = ExportJob.objects.create(
        requested_by=auditor, status=ExportJob.Status.DONE, done=1, total=1
    )
    job.file.save(job.download_name, ContentFile(zip_bytes()))
    return job


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/guidance/", "/guidance/faq/", "/no-such-page/", "/healthz"],
)
def test_it_sends_the_policy_to_strangers(client, path):
    response = client.get(path)
    assert directives(response) == POLICY
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_it_sends_the_policy_on_signed_in_pages(client, practitioner, manager, auditor, record):
    for user, path in [
        (practitioner, "/"),
        (practitioner, f"/records/{record.reference}/"),
        (practitioner, "/decisions/new/"),
        (manager, "/approvals/"),
        (auditor, "/audit/"),
        (auditor, "/insight/"),
        (auditor, "/records/"),
    ]:
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, path
        assert directives(response) == POLICY, path


def test_a_chart_keeps_its_own_stricter_policy(client, auditor):
    client.force_login(auditor)
    response = client.get("/insight/outcomes.svg")
    assert response.status_code == 200
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_every_response_to_a_signed_in_user_is_no_store(
    client, practitioner, manager, auditor, record, zip_job
):
    reference = record.reference
    cases = [
        (practitioner, "/"),
        (practitioner, "/records/"),
        (practitioner, f"/records/{reference}/"),
        (practitioner, f"/records/{reference}/pdf/"),
        (practitioner, "/decisions/new/"),
        (practitioner, "/guidance/"),
        (manager, "/approvals/"),
        (auditor, "/records/"),
        (auditor, "/records/export.csv"),
        (auditor, "/audit/"),
        (auditor, "/insight/"),
        (auditor, "/insight/outcomes.csv"),
        (auditor, "/exports/"),
        (auditor, f"/exports/{zip_job.pk}/"),
        (auditor, f"/exports/{zip_job.pk}/download/"),
        (auditor, f"/records/{reference}/"),
    ]
    for user, path in cases:
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
    # A refusal shows nothing, but it is still a signed-in response: never kept either.
    client.force_login(practitioner)
    assert "no-store" in client.get("/records/NO-SUCH-REF/")["Cache-Control"]


def test_a_downloads_own_header_is_left_as_it_was(client, auditor, zip_job):
    client.force_login(auditor)
    response = client.get(f"/exports/{zip_job.pk}/download/")
    assert response["Cache-Control"] == "no-store"


def test_the_page_that_signs_someone_in_is_no_store(client, practitioner):
    from tests.conftest import PASSWORD

    response = client.post(
        "/accounts/login/", {"username": practitioner.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_a_strangers_guidance_page_may_be_kept(client):
    # Public text, nobody's data: the rule is for signed-in responses.
    response = client.get("/guidance/")
    assert "no-store" not in response.get("Cache-Control", "")


# Page templates (not the PDFs', which WeasyPrint renders and no browser sees).
PDF_TEMPLATES = {"exports/record_pdf.html", "insight/report_pdf.html"}
INLINE = [
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    re.compile(r"<style", re.I),
    re.compile(r"javascript:", re.I),
]


def page_templates():
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            name = path.relative_to(folder).as_posix()
            if name not in PDF_TEMPLATES:
                yield name, path.read_text()


def test_page_templates_have_no_inline_script_style_or_handler():
    found = [
        f"{name}: {match.group(0)!r}"
        for name, text in page_templates()
        for pattern in INLINE
        for match in pattern.finditer(text)
    ]
    assert list(page_templates()), "no templates found"
    assert found == []
