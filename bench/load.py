"""The load section of `make bench` (PostgreSQL leg only; BENCH_LOAD_SECONDS=0 skips it).

gunicorn (2 sync workers, DEBUG off, production settings as the README's "Trying production
settings on your own machine" has them: INSECURE_LOCAL_HTTP, ALLOWED_HOSTS 127.0.0.1, static
files collected into a temporary STATIC_ROOT with the manifest storage) serves a database of
its own on the bench's throwaway PostgreSQL server (share_safely_load: migrated, load_demo, and
BENCH_LOAD_RECORDS extra submitted records). locust drives the mixed scenario of
bench/locustfile.py headless for BENCH_LOAD_SECONDS (default 60) with BENCH_LOAD_USERS
(default 8) users: sign in, walk the wizard, submit, approve as the team's manager, search,
open a record's PDF. REQUIRE_MFA is off for it (locust holds no authenticator).

Zero errors allowed: any failure is printed first, as a failed bench line. Prints requests a
second and p95 per request type and overall; writes them under "load" in bench/results.json.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "8"))
EXTRA_RECORDS = int(os.environ.get("BENCH_LOAD_RECORDS", "200"))
WORKERS = 2
DATABASE = "share_safely_load"
OUTCOMES = ["share_without_consent", "share_with_consent"]

SEED = f"""
import django
django.setup()
from decisions import demo
from records.models import User
authors = list(User.objects.filter(username__in=["practitioner", "practitioner2"]))
outcomes = ["share_without_consent", "share_with_consent", "not_share_no_purpose"]
for n in range({EXTRA_RECORDS}):
    demo.create_submitted(
        author=authors[n % len(authors)],
        answers=demo.finished_answers(
            outcomes[n % 3], subject_reference=f"DEMO-C-{{n + 1000:04d}}"
        ),
    )
"""


@dataclass
class Setup:
    """What the load section prepared, for the fault section to reuse."""

    database_url: str
    static_root: Path
    plan: Path
    workdir: Path


def database_url(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(base_url: str, name: str) -> str:
    import psycopg2

    with contextlib.closing(psycopg2.connect(base_url)) as db:
        db.autocommit = True
        with db.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    return database_url(base_url, name)


def environment(url: str, static_root: Path, **extra: str) -> dict:
    """Production-like settings for the processes serving the load database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "INSECURE_LOCAL_HTTP": "true",
        "REQUIRE_MFA": "false",
        "EMAIL_URL": "dummymail://",
        "BENCH_STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own commands, no shell
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"bench load: manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def write_plan(path: Path) -> None:
    """Each outcome's answers as each wizard page's form data (locust has no Django)."""
    from decisions import demo
    from decisions.flowchart import evaluate
    from decisions.forms import STEP_FORMS
    from tests.decisions.walk import post_data_for

    steps = {}
    for outcome in OUTCOMES:
        answers = demo.finished_answers(outcome)
        steps[outcome] = {step: post_data_for(step, answers) for step in STEP_FORMS}
    plan = {
        "password": "demo",
        "practitioners": ["practitioner", "practitioner2"],
        "manager": "manager",
        "auditor": "auditor",
        "outcomes": OUTCOMES,
        "needs_approval": [
            o for o in OUTCOMES if evaluate(demo.finished_answers(o)).requires_approval
        ],
        "steps": steps,
        "search_terms": ["DEMO-C", "DEMO-L", ""],
    }
    path.write_text(json.dumps(plan))


def prepare() -> Setup:
    base_url = os.environ["DATABASE_URL"]
    workdir = Path(tempfile.mkdtemp(prefix="share-safely-load-"))
    url = create_database(base_url, DATABASE)
    static_root = workdir / "static"
    env = environment(url, static_root)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    demo_env = {**env, "DEBUG": "true"}  # load_demo refuses without DEBUG (known passwords)
    manage(demo_env, "load_demo")
    done = subprocess.run(  # noqa: S603 - our own commands, no shell
        [sys.executable, "-c", SEED], cwd=ROOT, env=demo_env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"bench load: seeding records failed:\n{done.stderr}")
    plan = workdir / "plan.json"
    write_plan(plan)
    return Setup(database_url=url, static_root=static_root, plan=plan, workdir=workdir)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(setup: Setup, log: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as handle:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, no shell
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                f"--workers={WORKERS}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=60",
            ],
            cwd=ROOT,
            env=environment(setup.database_url, setup.static_root),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not _healthy(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"bench load: gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def start_locust(setup: Setup, base: str, seconds: int, prefix: Path) -> subprocess.Popen:
    log = prefix.with_suffix(".log").open("w")
    return subprocess.Popen(  # noqa: S603 - our own locust, no shell
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            f"--users={USERS}",
            f"--spawn-rate={USERS}",
            f"--run-time={seconds}s",
            f"--host={base}",
            f"--csv={prefix}",
            "--csv-full-history",
            "--only-summary",
            "--exit-code-on-error=0",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "BENCH_LOAD_PLAN": str(setup.plan),
            "BENCH_LOAD_FAILURE_LOG": f"{prefix}_failures.jsonl",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def read_stats(prefix: Path) -> dict:
    """locust's CSV: per request type and overall, requests a second, p95 and failures."""
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            name = "overall" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
            rows[name] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
            }
    failures = []
    with open(f"{prefix}_failures.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            failures.append(f"{row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error']}")
    exceptions = []
    with contextlib.suppress(FileNotFoundError), open(f"{prefix}_exceptions.csv") as handle:
        for row in csv.DictReader(handle):
            exceptions.append(f"{row['Count']} x {row['Message']}")
    return {"requests": rows, "failures": failures, "exceptions": exceptions}


def _number(text: str):
    return None if text in ("", "N/A") else round(float(text), 1)


def print_table(stats: dict) -> None:
    print(
        f"  {'request':<36} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
    )
    rows = stats["requests"]
    for name in [*sorted(n for n in rows if n != "overall"), "overall"]:
        row = rows[name]
        print(
            f"  {name[:36]:<36} {row['requests']:>8} {row['errors']:>6} {row['rps']:>7} "
            f"{row['p50_ms'] or '-':>7} {row['p95_ms'] or '-':>7}"
        )


def save(key: str, figures: dict) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[key] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run() -> Setup:
    started = time.perf_counter()
    setup = prepare()
    print(
        f"load: gunicorn ({WORKERS} sync workers, DEBUG off) on PostgreSQL {DATABASE} "
        f"(demo data and {EXTRA_RECORDS} records), locust {USERS} users for {SECONDS} s "
        f"(set up in {time.perf_counter() - started:.0f} s)"
    )
    prefix = setup.workdir / "load"
    with gunicorn(setup, setup.workdir / "gunicorn-load.log") as base:
        locust = start_locust(setup, base, SECONDS, prefix)
        locust.wait(timeout=SECONDS + 120)
    stats = read_stats(prefix)
    overall = stats["requests"].get("overall", {"requests": 0, "errors": 0, "rps": 0})
    errors = overall["errors"] + len(stats["exceptions"])
    verdict = "OK" if errors == 0 and overall["requests"] else "FAILED"
    print(f"load: ERRORS {errors} ({verdict}: zero allowed), {overall['requests']} requests")
    for line in stats["failures"] + stats["exceptions"]:
        print(f"  failure: {line}")
    if overall["requests"] == 0:
        print(f"  locust said:\n{prefix.with_suffix('.log').read_text()[-3000:]}")
    print_table(stats)
    save(
        "load",
        {
            "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "seconds": SECONDS,
            "users": USERS,
            "gunicorn_workers": WORKERS,
            "records": EXTRA_RECORDS,
            "errors": errors,
            "verdict": verdict,
            "failures": stats["failures"] + stats["exceptions"],
            "requests": stats["requests"],
        },
    )
    return setup


def cleanup(setup: Setup) -> None:
    shutil.rmtree(setup.workdir, ignore_errors=True)


if __name__ == "__main__":
    # Alone, for trying it: .venv/bin/python -m bench.load on a throwaway PostgreSQL
    # (scripts/with-postgres.sh), the load and then the fault section.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    from bench import faults

    prepared = run()
    try:
        faults.run(prepared)
    finally:
        cleanup(prepared)
