"""Real processes beside a test: `db_worker`s and app servers on the test's PostgreSQL database.

The suite's test database is named by pytest-django at run time, so each process is given it
in DATABASE_URL; with SQLite (an in-memory test database) no other process can see it, so the
tests that need these skip there.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
NEEDS_POSTGRES = (
    "needs a database server a second process can reach (SQLite's test database is in "
    "memory): run with scripts/with-postgres.sh"
)


def skip_unless_postgres(reason: str = NEEDS_POSTGRES):
    if connection.vendor != "postgresql":
        pytest.skip(reason)


def database_url(name: str | None = None) -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/"
        f"{name or db['NAME']}"
    )


def environment(media: Path, **extra: str) -> dict:
    """The environment for a process on the test database, with MEDIA_ROOT ``media``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url(),
        "TEST_MEDIA_ROOT": str(media),
        "DEBUG": "false",
        **extra,
    }
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def run_worker_batch(media: Path) -> subprocess.CompletedProcess:
    """A `db_worker` that builds what is queued, then exits."""
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval=0",
        ],
        cwd=ROOT,
        env=environment(media),
        capture_output=True,
        text=True,
        timeout=180,
    )


def start_worker(media: Path, log: Path, worker_id: str = "") -> subprocess.Popen:
    """A `db_worker` that keeps polling the queue (stop it with ``stop``)."""
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval=0.2",
    ]
    if worker_id:
        command.append(f"--worker-id={worker_id}")
    handle = log.open("w")
    return subprocess.Popen(
        command, cwd=ROOT, env=environment(media), stdout=handle, stderr=subprocess.STDOUT
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(media: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """A gunicorn serving the app on a free port of 127.0.0.1; returns it and its base URL."""
    port = free_port()
    env = environment(media, ALLOWED_HOSTS="127.0.0.1", CONN_MAX_AGE="0")
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers=1",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(base + "/healthz"), what=f"gunicorn on {base}", process=process)
    return process, base


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def wait_for(check, *, what: str, timeout: float = 120, process=None, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended ({process.returncode})")
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout} s")


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
