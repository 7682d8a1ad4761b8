"""The renderer fetches nothing: hostile text in every free-text field prints as text, and
the fetcher refuses anything but data: URLs and the app's own static files.

Hostile text points at /etc/hostname (as the issue asks) and at a file of our own holding a
random token, so "its contents are not in the PDF" means something even when the host's
name is two letters long.
"""

import contextlib
import io
import secrets
import zlib
from dataclasses import dataclass

import pytest
from django import forms
from django.db import connection, transaction
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import IndirectObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from decisions import demo
from decisions.forms import STEP_FORMS
from exports import fetcher as fetcher_module
from exports.fetcher import ORIGIN, AppStaticFetcher, FetchRefused, static_url
from exports.pdf import record_pdf, render_pdf
from records.models import Addendum, ManagerDecision, Organisation, Team
from records.services import decision_act

RLO, PDF_MARK, RLM, LRI, PDI = "\u202e", "\u202c", "\u200f", "\u2066", "\u2069"

# Each free-text field with the most its form takes (the copied-out columns are that long).
FREE_TEXT = {
    key: field.max_length
    for form in STEP_FORMS.values()
    for key, field in form.base_fields.items()
    if isinstance(field, forms.CharField)
}
FREE_TEXT_KEYS = sorted(FREE_TEXT)


@pytest.fixture
def secret_file(tmp_path):
    token = f"SECRET-{secrets.token_hex(12)}"
    path = tmp_path / "secret.txt"
    path.write_text(token)
    return path, token


def hostile_text(secret_path, *, label: str) -> str:
    target = f"file://{secret_path}"
    return (
        f'{label} <img src="file:///etc/hostname"> <img src="{target}">\n'
        f'<link rel=attachment href="file:///etc/hostname">'
        f'<link rel="attachment" href="{target}">\n'
        f"<style>body {{ background: url(file:///etc/hostname) }}"
        f' p {{ background: url("{target}") }}</style>\n'
        f"<div style=\"background-image: url('{target}')\">css</div>\n"
        f'<script>document.write("x")</script> <a href="http://127.0.0.1:9/">link</a>\n'
        f"{RLM}{RLO}reversed?{PDF_MARK} {LRI}isolated{PDI}"
    )


def _hostile_answers(secret_path) -> dict:
    answers = demo.finished_answers(
        "share_without_consent",
        repeat_request="yes",
        told="no",
        advice_sought="yes",
        legal_grounds=["reasonable_cause"],
    )
    for key, max_length in FREE_TEXT.items():
        answers[key] = hostile_text(secret_path, label=key)[:max_length]
    # One field of 5,000 characters, as the longest a textarea takes.
    long = hostile_text(secret_path, label="long")
    answers["shared_what"] = (long + " " + "x" * 5000)[:5000]
    return answers


def _hostile_record(practitioner, manager, secret_path):
    record = demo.create_submitted(author=practitioner, answers=_hostile_answers(secret_path))
    text = hostile_text(secret_path, label="manager")
    decision_act(record=record, manager=manager, kind=ManagerDecision.Kind.APPROVED, comment=text)
    record.refresh_from_db()
    demo.confirm_sharing(record=record, author=practitioner)
    record.sharing_confirmation.means = hostile_text(secret_path, label="means")[:200]
    record.sharing_confirmation.recipient = hostile_text(secret_path, label="recipient")[:300]
    record.sharing_confirmation.save()
    Addendum.objects.create(
        record=record,
        author=practitioner,
        at=timezone.now(),
        kind=Addendum.Kind.CORRECTION,
        text=hostile_text(secret_path, label="addendum"),
    )
    record.refresh_from_db()
    return record


def _all_bytes(pdf: bytes) -> bytes:
    """The raw file and every stream in it decompressed (object streams hide objects)."""
    reader = PdfReader(io.BytesIO(pdf))
    chunks = [pdf]
    numbers = {(number, gen) for gen, table in reader.xref.items() for number in table}
    numbers |= {(number, 0) for number in reader.xref_objStm}
    for number, generation in sorted(numbers):
        obj = reader.get_object(IndirectObject(number, generation, reader))
        if obj is None:
            continue
        chunks.append(repr(obj).encode())
        if hasattr(obj, "get_data"):
            try:
                chunks.append(obj.get_data())
            except Exception:  # noqa: S112
                continue
    # And a brute pass over every zlib stream, in case pypdf skipped one.
    for start in range(len(pdf)):
        if pdf.startswith(b"stream", start):
            body = pdf[start + 6 :].lstrip(b"\r\n")
            with contextlib.suppress(zlib.error):
                chunks.append(zlib.decompressobj().decompress(body))
    return b"\n".join(chunks)


def _embedded_files(pdf: bytes) -> list:
    reader = PdfReader(io.BytesIO(pdf))
    found = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                found.append(annotation)
    names = reader.trailer["/Root"].get("/Names")
    if names and "/EmbeddedFiles" in names.get_object():
        found.append("/EmbeddedFiles")
    return found


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _hostname() -> str:
    try:
        with open("/etc/hostname") as handle:
            return handle.read().strip()
    except OSError:
        return ""


# --- The record's PDF with hostile text in every free-text field -------------------------


@dataclass
class Rendered:
    answers: dict
    reference: str
    pdf: bytes
    text: str
    everything: bytes
    token: str
    fetched: list


@pytest.fixture(scope="module")
def hostile(django_db_setup, django_db_blocker, tmp_path_factory):
    """Rendered once for the module (16 pages take a while), in a transaction rolled back.
    Its tests are marked django_db: without one, pytest-django sets up no test database."""
    from tests.conftest import _user

    path = tmp_path_factory.mktemp("hostile") / "secret.txt"
    token = f"SECRET-{secrets.token_hex(12)}"
    path.write_text(token)
    fetched = []
    original = AppStaticFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    AppStaticFetcher.fetch = spy
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            name = str(connection.settings_dict["NAME"])
            assert "test" in name or "memory" in name, f"not a test database: {name}"
            council = Organisation.objects.create(name="Hostile Council")
            team = Team.objects.create(organisation=council, name="Hostile team")
            practitioner = _user("hostile_practitioner", "practitioner", team)
            manager = _user("hostile_manager", "manager", team, [team])
            record = _hostile_record(practitioner, manager, path)
            pdf = record_pdf(record)
            rendered = Rendered(
                answers=record.answers,
                reference=record.reference,
                pdf=pdf,
                text=_text(pdf),
                everything=_all_bytes(pdf),
                token=token,
                fetched=fetched,
            )
            transaction.set_rollback(True)
    finally:
        AppStaticFetcher.fetch = original
    return rendered


@pytest.mark.django_db  # so the test database is set up for the module's fixture
def test_every_free_text_field_is_on_the_path(hostile):
    assert set(FREE_TEXT_KEYS) <= set(hostile.answers)
    assert len(FREE_TEXT_KEYS) >= 15


@pytest.mark.django_db
def test_no_embedded_file(hostile):
    assert _embedded_files(hostile.pdf) == []
    assert b"/EmbeddedFile" not in hostile.everything
    assert b"/FileAttachment" not in hostile.everything


@pytest.mark.django_db
def test_no_file_contents(hostile):
    assert hostile.token.encode() not in hostile.everything
    assert hostile.token not in hostile.text
    hostname = _hostname()
    if len(hostname) >= 8:  # shorter names turn up by chance in any file
        assert hostname.encode() not in hostile.everything


@pytest.mark.django_db
def test_nothing_is_fetched(hostile):
    assert hostile.fetched == []


@pytest.mark.django_db
def test_the_text_shows_as_text(hostile):
    text = hostile.text
    assert "<img src=" in text
    assert 'src="file:///etc/hostname">' in text
    assert "<link rel=attachment" in text
    assert "url(file:///etc/hostname)" in text
    assert "<script>" in text
    assert hostile.reference in text
    for label in ("purpose_text", "proportionality", "told_why_not", "manager", "addendum"):
        assert f"{label} <img src=" in text, label


@pytest.mark.django_db
def test_five_thousand_characters_are_all_there(hostile):
    assert len(hostile.answers["shared_what"]) == 5000
    # The run of x's crosses a page break (a page's header and footer come between): count
    # them rather than look for one unbroken run.
    padding = hostile.answers["shared_what"].count("x")
    assert padding > 4000
    assert hostile.text.count("x") >= padding


@pytest.mark.django_db
def test_right_to_left_marks_do_not_break_the_render(hostile):
    assert len(PdfReader(io.BytesIO(hostile.pdf)).pages) >= 2
    assert "reversed?" in hostile.text or "?desrever" in hostile.text
    assert "isolated" in hostile.text


# --- The fetcher under WeasyPrint, with the markup unescaped -----------------------------


def _attack_html(secret_path) -> str:
    target = f"file://{secret_path}"
    return f"""<!DOCTYPE html><html lang="en"><head><title>t</title>
    <link rel="stylesheet" href="{target}">
    <link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
    <style>@import url("{target}"); body {{ background: url("{target}") }}</style>
    <link rel="attachment" href="{target}" title="leak">
    <link rel="attachment" href="file:///etc/hostname">
    </head><body><p>body text</p>
    <img src="{target}" alt="x"><img src="file:///etc/hostname" alt="y">
    <img src="https://example.com/pixel.png" alt="z">
    <a rel="attachment" href="{target}">attached</a>
    <object data="{target}"></object><embed src="{target}">
    <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="{target}"/></svg>
    </body></html>"""


def test_unescaped_attack_is_refused_by_the_fetcher(secret_file):
    path, token = secret_file
    pdf = render_pdf(_attack_html(path))
    assert _embedded_files(pdf) == []
    assert token.encode() not in _all_bytes(pdf)
    assert "body text" in _text(pdf)


def test_the_same_attack_succeeds_with_weasyprints_own_fetcher(secret_file):
    """The check above would notice: WeasyPrint's default fetcher embeds the file."""
    path, token = secret_file
    pdf = HTML(string=_attack_html(path), url_fetcher=URLFetcher()).write_pdf()
    assert _embedded_files(pdf) != []
    assert token.encode() in _all_bytes(pdf)


DOT = "%3Csvg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/%3E"


def test_static_files_and_data_urls_still_load():
    html = f"""<!DOCTYPE html><html lang="en"><head><title>t</title>
    <link rel="stylesheet" href="{static_url("app/app.css")}"></head><body>
    <img alt="icon" src="{static_url("app/favicon.svg")}">
    <img alt="dot" src="data:image/svg+xml,{DOT}">
    </body></html>"""
    fetcher = AppStaticFetcher()
    HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).write_pdf()
    assert fetcher.refused == []


# --- The fetcher on its own ----------------------------------------------------------------


@pytest.fixture
def fetcher():
    return AppStaticFetcher()


def test_serves_a_static_file(fetcher, settings):
    response = fetcher.fetch(static_url("app/app.css"))
    assert response.content_type == "text/css"
    assert response.read()
    response.close()


def test_serves_a_data_url(fetcher):
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def test_relative_static_path_resolves_against_the_base(fetcher, settings):
    from urllib.parse import urljoin

    url = urljoin(fetcher.base_url, f"{settings.STATIC_URL}app/app.css")
    assert fetcher.fetch(url).read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "FILE:///etc/hostname",
        "file://localhost/etc/passwd",
        "http://127.0.0.1:9/",
        "https://example.com/static/app/app.css",
        "https://export.invalid.example.com/static/app/app.css",
        "http://export.invalid/static/app/app.css",
        "https://export.invalid:8443/static/app/app.css",
        "https://user@export.invalid/static/app/app.css",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "about:blank",
        "jar:file:///x.zip!/y",
        f"{ORIGIN}/etc/hostname",
        f"{ORIGIN}/static/",
        f"{ORIGIN}/static/../../../../etc/hostname",
        f"{ORIGIN}/static/app/../../../etc/hostname",
        f"{ORIGIN}/static/%2e%2e/%2e%2e/etc/hostname",
        f"{ORIGIN}/static/app/%2e%2e%2f%2e%2e%2fetc/hostname",
        f"{ORIGIN}/static//etc/hostname",
        f"{ORIGIN}/static/app\\..\\..\\etc\\hostname",
        f"{ORIGIN}/static/app/app.css%00.png",
        f"{ORIGIN}/static/app/missing.css",
        f"{ORIGIN}/static/app",
    ],
)
def test_refuses(fetcher, url):
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused


def test_follows_no_redirect(fetcher):
    from urllib.request import HTTPRedirectHandler

    assert not any(isinstance(handler, HTTPRedirectHandler) for handler in fetcher.handlers)


def test_reads_static_root_when_the_finders_do_not_have_it(fetcher, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_DIRS = []
    (tmp_path / "collected.css").write_text("p { color: red }")
    assert fetcher.fetch(static_url("collected.css")).read() == b"p { color: red }"


def test_refuses_a_link_out_of_the_static_folder(fetcher, settings, tmp_path, secret_file):
    path, _ = secret_file
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.css").write_text("p { color: red }")
    (static / "leak.css").symlink_to(path)
    settings.STATICFILES_DIRS = [static]
    assert fetcher.fetch(static_url("app.css")).read() == b"p { color: red }"
    with pytest.raises(FetchRefused):
        fetcher.fetch(static_url("leak.css"))


def test_refuses_a_file_too_large(fetcher, monkeypatch):
    monkeypatch.setattr(fetcher_module, "MAX_STATIC_BYTES", 10)
    with pytest.raises(FetchRefused):
        fetcher.fetch(static_url("app/app.css"))
