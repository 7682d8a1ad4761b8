"""Benchmarks: ratios measured in one run, printed, never asserted.

    make bench     # once on a throwaway SQLite file, once on a throwaway PostgreSQL

By default it runs on a throwaway SQLite file (removed afterwards), whatever DATABASE_URL
says, so it never touches the demo database. BENCH_DATABASE_URL runs it on that database
instead: it must be empty (the bench refuses a database that has tables), as the one
`scripts/with-postgres.sh` starts is.

- engine: evaluate() calls per second (the engine is on every wizard request);
- wizard step: time to save a late page with many answers over an early page with few
  (about 1.0 means a step costs the same wherever it is in the journey);
- record page: time to render a record with every page answered over one with few pages;
- PDF: the record's PDF download over a bare WeasyPrint render of the same HTML (goal at most
  1.3), and its absolute median;
- scale (bench/scale.py): the lists, queue and search pages at 1,000 records and at
  BENCH_RECORDS (default 100,000) records of about 7 KB of JSON each, as ratios to the
  sign-in page and to themselves at 1,000 records, with the SQL queries each issues;
- HTTP (bench/http.py): pages served by gunicorn (2 sync workers, DEBUG off, production
  settings) and driven by wrk, on the database the scale section filled, as requests a
  second and p95 over a bare signed-in page served alongside; written to bench/results.json;
- bulk export (bench/bulk.py): a ZIP of 1,000 records' PDFs built by a real `db_worker`,
  its time and the worker's peak memory;
- load and faults (bench/load.py, bench/faults.py; PostgreSQL only, BENCH_LOAD_SECONDS=0
  skips): a mixed locust scenario against gunicorn for BENCH_LOAD_SECONDS (default 60), zero
  errors allowed; then PostgreSQL stopped and started under load, with its findings.
"""

import atexit
import io
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_given_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
if _given_url:
    os.environ["DATABASE_URL"] = _given_url
else:
    _tmpdir = Path(tempfile.mkdtemp(prefix="share-safely-bench-"))
    atexit.register(shutil.rmtree, _tmpdir, ignore_errors=True)  # about 1 GB at 100,000
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmpdir / 'bench.sqlite3'}"
# Production-like: DEBUG off (no query log, manifest static files, secure cookies), as
# issue 9 measures; SQL queries are still counted (CaptureQueriesContext).
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["EMAIL_URL"] = "dummymail://"  # the notifications it triggers go nowhere
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

# With DEBUG off, static files come from collectstatic's manifest: collected into a
# temporary folder (main() runs collectstatic), as the README's deployment does.
_static_root = Path(tempfile.mkdtemp(prefix="share-safely-bench-static-"))
atexit.register(shutil.rmtree, _static_root, ignore_errors=True)
override_settings(STATIC_ROOT=str(_static_root)).enable()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench import bulk, faults, http, load, scale  # noqa: E402
from decisions import demo  # noqa: E402
from decisions.flowchart import evaluate  # noqa: E402
from records.models import User  # noqa: E402
from tests.decisions.walk import post_data_for  # noqa: E402


def per_call(fn, repeat=200) -> float:
    for _ in range(5):  # warm caches (templates, query plans) before measuring
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def describe_database() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} (throwaway file {settings['NAME']})"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    where = f"{settings['HOST'] or 'local socket'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    return f"{connection.display_name} {version} ({where})"


def refuse_non_empty_database():
    tables = connection.introspection.table_names()
    if tables:
        sys.exit(
            f"bench: {connection.settings_dict['NAME']} already has {len(tables)} tables; "
            "BENCH_DATABASE_URL must name an empty, throwaway database."
        )


def small_benchmarks():
    user = User.objects.create_user("bench-practitioner", password="x")
    client = Client()
    client.force_login(user)

    answers = demo.finished_answers("share_without_consent", urgent="yes")
    engine = per_call(lambda: evaluate(answers), repeat=20000)
    print(f"engine: {1 / engine:,.0f} evaluate() calls a second ({engine * 1e6:.1f} µs each)")

    few = demo.create_draft(author=user, answers={"urgent": "no"}, complete=False)
    many = demo.create_draft(author=user, answers=answers, complete=True)
    early = per_call(lambda: client.post(f"/decisions/{few.reference}/urgent/", {"urgent": "no"}))
    late = per_call(
        lambda: client.post(
            f"/decisions/{many.reference}/follow_up/", post_data_for("follow_up", answers)
        )
    )
    print(
        f"wizard step: late page / early page = {late / early:.2f} "
        f"({late * 1e3:.1f} ms / {early * 1e3:.1f} ms)"
    )

    small = demo.create_submitted(
        author=user, answers=demo.finished_answers("not_share_no_purpose")
    )
    large = demo.create_submitted(author=user, answers=answers)
    small_t = per_call(lambda: client.get(f"/records/{small.reference}/"), repeat=100)
    large_t = per_call(lambda: client.get(f"/records/{large.reference}/"), repeat=100)
    print(
        f"record page: {len(large.snapshot['steps'])} pages / "
        f"{len(small.snapshot['steps'])} pages = {large_t / small_t:.2f} "
        f"({large_t * 1e3:.1f} ms / {small_t * 1e3:.1f} ms)"
    )
    pdf_benchmark(client, large)


def pdf_benchmark(client, record, repeat=15):
    """The PDF download against a bare WeasyPrint render of the same HTML (same options, its
    default fetcher), taken in turns so both see the same machine."""
    from pypdf import PdfReader
    from weasyprint import HTML

    from exports.pdf import PDF_OPTIONS, record_html

    html = record_html(record)
    url = f"/records/{record.reference}/pdf/"
    for _ in range(2):  # warm: fonts, templates
        client.get(url)
        HTML(string=html).write_pdf(**PDF_OPTIONS)
    view, bare = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        view.append(time.perf_counter() - start)
        start = time.perf_counter()
        HTML(string=html).write_pdf(**PDF_OPTIONS)
        bare.append(time.perf_counter() - start)
    view_t, bare_t = statistics.median(view), statistics.median(bare)
    pages = len(PdfReader(io.BytesIO(response.content)).pages)
    print(
        f"PDF: download / bare WeasyPrint render of the same HTML = {view_t / bare_t:.2f} "
        f"({view_t * 1e3:.0f} ms / {bare_t * 1e3:.0f} ms median of {repeat}; "
        f"{pages} pages, {len(record.snapshot['steps'])} answered pages, tagged PDF/UA-1)"
    )


def main():
    started = time.perf_counter()
    try:
        if _given_url:
            refuse_non_empty_database()
        print(f"== bench on {describe_database()}")
        call_command("migrate", verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        small_benchmarks()
        scale.run()
        http.run()  # on the records the scale section left
        bulk.run()
        if connection.vendor == "postgresql" and load.SECONDS > 0:
            prepared = load.run()  # a database of its own on this server, gunicorn, locust
            try:
                faults.run(prepared)  # then PostgreSQL stopped and started under that load
            finally:
                load.cleanup(prepared)
    finally:
        connection.close()
    print(f"== {connection.display_name} bench done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
