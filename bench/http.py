"""The HTTP section of `make bench`: pages served by gunicorn as in production, against a bare
signed-in page served by the same gunicorn in the same run.

gunicorn runs with 2 sync workers, DEBUG off and the production settings as the README's
"Trying production settings on your own machine" sets them (INSECURE_LOCAL_HTTP, ALLOWED_HOSTS
127.0.0.1, static files collected into a temporary STATIC_ROOT), through
config.settings_bench, which adds one bare page: a signed-in view rendering base.html with
nothing in it (config/bench_urls.py). It serves the database the bench has filled (after the
scale section: BENCH_RECORDS records), so the lists are timed at that size.

wrk drives each page for BENCH_HTTP_SECONDS (default 5) with the signed-in user's session
cookie (and a CSRF cookie and token for the wizard's POST), right after and right before the
bare page, so each page's ratio is to the bare page measured on either side of it: a machine
busy with something else for part of the run moves both. Prints requests a second and p95
with their ratios to the bare page, and the workers' CPU time a request (read from /proc
around each run: what a page costs the server, steadier than throughput when other work
shares the machine) with the bare page's over the page's; writes them under "http" in
bench/results.json. Never asserts a time; any error or unexpected answer (a 4xx or 5xx, a
redirect to the sign-in page, a socket error or timeout) is counted and shown.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"  # the production access log
WORKERS = 2
CONNECTIONS = 4  # two per worker: one waits while the other is served
WIZARD_STEP = "consent"  # a flowchart question page, half way through the journey

# Each thread's Lua state counts the answers that are not what a browser would want: a 4xx
# or 5xx, or a redirect to the sign-in page (a session that did not work).
LUA = r"""
local path = os.getenv("BENCH_PATH")
local cookie = os.getenv("BENCH_COOKIE")
local body = os.getenv("BENCH_BODY")
local mode = os.getenv("BENCH_MODE")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  sent = 0
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  get_request = wrk.format("GET", path, headers)
  if body ~= "" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    post_request = wrk.format("POST", path, headers, body)
  end
end

function request()
  sent = sent + 1
  if mode == "post" or (mode == "step" and sent % 2 == 0) then
    return post_request
  end
  return get_request
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status >= 400 or string.find(location, "/accounts/", 1, true) then
    unexpected = unexpected + 1
    last_unexpected = status .. " " .. location
  end
end

function done(summary, latency, requests)
  local strange, example = 0, ""
  for _, thread in ipairs(threads) do
    strange = strange + thread:get("unexpected")
    example = thread:get("last_unexpected") or example
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "unexpected": %d, "example": "%s"}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write, e.timeout, strange, example))
end
"""


@dataclass
class Page:
    label: str
    path: str
    user: str | None  # whose session: "practitioner", "manager", "auditor", or anonymous
    mode: str = "get"  # "post", or "step": a GET and a POST of its form, in turns
    body: dict | None = None


@dataclass
class Measured:
    rps: float
    p50_ms: float
    p95_ms: float
    requests: int
    errors: int
    cpu_ms: (
        float  # the gunicorn workers' CPU time per request: steadier than req/s on a busy machine
    )
    note: str = ""


def seconds() -> float:
    return float(os.environ.get("BENCH_HTTP_SECONDS", "5"))


# --- Who signs in, and what they open -------------------------------------------------------


def people() -> dict:
    """The scale section's practitioner, manager and auditor (so the homes and lists hold its
    records), or new ones when it did not run."""
    from records.models import Organisation, Team, User

    found = {
        "practitioner": User.objects.filter(username="bench-practitioner-0-0").first(),
        "manager": User.objects.filter(username="bench-manager-0").first(),
        "auditor": User.objects.filter(username="bench-auditor").first(),
    }
    if all(found.values()):
        return found
    organisation = Organisation.objects.create(name="Bench HTTP organisation", kind="council")
    team = Team.objects.create(organisation=organisation, name="Bench HTTP team")
    common = {"organisation": organisation, "team": team, "password": None}
    manager = User.objects.create_user("bench-http-manager", role=User.Role.MANAGER, **common)
    manager.managed_teams.add(team)
    return {
        "practitioner": User.objects.create_user("bench-http-practitioner", **common),
        "manager": manager,
        "auditor": User.objects.create_user("bench-http-auditor", role=User.Role.AUDITOR),
    }


def session_cookies(users: dict, secret_key: str) -> dict[str | None, str]:
    """A signed-in session for each, in the database gunicorn reads (as signing in would
    leave it), and one CSRF secret in a cookie the wizard's POST repeats as its token."""
    cookies = {None: ""}
    with override_settings(SECRET_KEY=secret_key):  # the session's hash uses gunicorn's key
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            verify_second_factor(client, user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies[role] = f"{settings.SESSION_COOKIE_NAME}={session}"
    return cookies


def verify_second_factor(client: Client, user) -> None:
    """Where two-factor authentication is installed, a verified session for those who need
    it (a confirmed TOTP device named in the session, as django-otp's login() leaves it)."""
    if "django_otp" not in settings.INSTALLED_APPS:
        return
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # The scale section may have given this user devices already (one per size it measured).
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def pages(users: dict) -> tuple[list[Page], dict]:
    """The pages measured, and what they were measured on."""
    from decisions import demo
    from records.models import DecisionRecord
    from tests.decisions.walk import post_data_for

    practitioner = users["practitioner"]
    answers = demo.finished_answers("share_without_consent", urgent="yes")
    draft = demo.create_draft(author=practitioner, answers=answers, complete=True)
    record = demo.create_submitted(author=practitioner, answers=answers)
    body = post_data_for(WIZARD_STEP, answers)
    step = f"/decisions/{draft.reference}/{WIZARD_STEP}/"
    listed = [
        Page("home, manager", "/", "manager"),
        Page("/records/, auditor", "/records/", "auditor"),
        Page("/records/, manager", "/records/", "manager"),
        Page("/records/, practitioner", "/records/", "practitioner"),
        Page("/approvals/, manager", "/approvals/", "manager"),
        Page("/audit/, auditor", "/audit/", "auditor"),
    ]
    measured = [
        Page("sign-in page", "/accounts/login/", None),
        Page(f"wizard question page ({WIZARD_STEP}), GET", step, "practitioner"),
        Page(f"wizard question page ({WIZARD_STEP}), POST", step, "practitioner", "post", body),
        Page("wizard step (GET then POST)", step, "practitioner", "step", body),
        # Free text on the page: its form is rendered afresh every time (decisions.views).
        Page(
            "wizard page with free text (how), GET",
            f"/decisions/{draft.reference}/how/",
            "practitioner",
        ),
        Page(
            f"record page ({len(record.snapshot['steps'])} answered pages)",
            f"/records/{record.reference}/",
            "practitioner",
        ),
        # Not a page of the service: the record page's reads and audit write alone.
        Page(
            "record page's data alone (diagnostic)",
            f"/bench/record-data/{record.reference}/",
            "practitioner",
        ),
        # Nor this: the record's read and its viewed event alone, the least a view of it does.
        Page(
            "record read and viewed event alone (diagnostic)",
            f"/bench/record-opened/{record.reference}/",
            "practitioner",
        ),
        Page("home, practitioner", "/", "practitioner"),
        *listed,
    ]
    about = {
        "records": DecisionRecord.objects.exclude(state=DecisionRecord.State.DRAFT).count(),
        "lists": [page.label for page in listed],
    }
    return measured, about


# --- gunicorn and wrk ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(static_root: Path, secret_key: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        INSECURE_LOCAL_HTTP="true",
        REQUIRE_MFA="true",  # as in production: the sessions carry a verified device
        DATABASE_URL=os.environ["DATABASE_URL"],
        BENCH_STATIC_ROOT=str(static_root),
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
    )
    return env


@contextlib.contextmanager
def gunicorn(env: dict[str, str]):
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed when the server has stopped
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, no shell
        [
            str(Path(sys.executable).with_name("gunicorn")),
            *(["--config", str(GUNICORN_CONF)] if GUNICORN_CONF.exists() else []),
            "config.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:  # not listening yet, or a worker still starting
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"bench: gunicorn did not start:\n{log.read().decode()}")
            time.sleep(0.2)
        yield Server(base=base, pid=server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.seek(0)
        logged = log.read().decode(errors="replace")
        if "Traceback" in logged:  # the first one, whole: what a 500 was
            start = logged.index("Traceback")
            end = logged.find("\n127.0.0.1 ", start)
            first = logged[start : end if end > 0 else None][-4000:]
            print("http: gunicorn logged errors; the first:\n" + first)
        log.close()


def check_page(server: Server, page: Page, cookie: str) -> None:
    """One request as wrk will send it: the page must answer as it does to a person."""
    data = urlencode(page.body or {}, doseq=True).encode() if page.mode == "post" else None
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        server.base + page.path, data=data, headers={"Cookie": cookie}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as answer:
            status, location = answer.status, ""
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    expected = 302 if page.mode == "post" else 200
    if status != expected or "/accounts/" in location:
        raise SystemExit(f"bench: {page.label} answered {status} {location}, not {expected}")


@dataclass
class Server:
    base: str
    pid: int  # gunicorn's master: its children are the workers

    def workers_cpu(self) -> float:
        """Seconds of CPU the workers have used (user and system), from /proc."""
        total = 0
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        for child in children:
            with contextlib.suppress(OSError):  # a worker restarted between the two reads
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")


def run_wrk(server: Server, page: Page, cookie: str, script: Path, duration: float) -> Measured:
    body = ""
    if page.body is not None:
        body = urlencode(page.body, doseq=True)
    env = {
        **os.environ,
        "BENCH_PATH": page.path,
        "BENCH_COOKIE": cookie,
        "BENCH_BODY": body,
        "BENCH_MODE": page.mode,
    }
    cpu_before = server.workers_cpu()
    done = subprocess.run(  # noqa: S603 - wrk from PATH (make bench installs it), no shell
        [  # noqa: S607
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(CONNECTIONS),
            "--duration",
            f"{max(1, round(duration))}s",
            "--timeout",
            "30s",
            "--script",
            str(script),
            server.base + page.path,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = server.workers_cpu() - cpu_before
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line.removeprefix("BENCH "))
    requests = max(1, figures["requests"])
    notes = []
    if figures["unexpected"]:
        notes.append(f"{figures['unexpected']} unexpected, e.g. {figures['example']}")
    if figures["socket_errors"] or figures["timeouts"]:
        notes.append(f"{figures['socket_errors']} socket errors, {figures['timeouts']} timeouts")
    return Measured(
        rps=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1e3,
        p95_ms=figures["p95_us"] / 1e3,
        requests=figures["requests"],
        errors=figures["unexpected"] + figures["socket_errors"] + figures["timeouts"],
        cpu_ms=cpu / requests * 1e3,
        note="; ".join(notes),
    )


def with_csrf(page: Page, cookie: str) -> tuple[Page, str]:
    """A POST carries a CSRF cookie and the same secret as its form token."""
    if page.body is None:
        return page, cookie
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    body = {**page.body, "csrfmiddlewaretoken": token}
    page = Page(page.label, page.path, page.user, page.mode, body)
    return page, f"{cookie}; {settings.CSRF_COOKIE_NAME}={token}"


# --- The run --------------------------------------------------------------------------------


def require_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    print("http: skipped: wrk is not installed (`apt-get install wrk`, as `make bench` does)")
    return False


def run() -> dict | None:
    if not require_wrk():
        return None
    users = people()
    to_measure, about = pages(users)
    secret_key = secrets.token_urlsafe(50)
    cookies = session_cookies(users, secret_key)
    bare = Page("bare signed-in page (base.html)", "/bench/bare/", "practitioner")
    duration = seconds()
    connection.close()  # SQLite: nothing of ours open while gunicorn writes
    with tempfile.TemporaryDirectory(prefix="share-safely-bench-http-") as tmp:
        tmp = Path(tmp)
        script = tmp / "bench.lua"
        script.write_text(LUA)
        env = server_environment(tmp / "static", secret_key)
        print(
            f"http: gunicorn, {WORKERS} sync workers, DEBUG off; wrk, {CONNECTIONS} "
            f"connections, {duration:.0f} s a page, the bare page before and after each"
        )
        with gunicorn(env) as server:
            prepared = [(page, *with_csrf(page, cookies[page.user])) for page in to_measure]
            check_page(server, bare, cookies["practitioner"])
            for _page, sent, cookie in prepared:
                check_page(server, sent, cookie)
            for _ in range(2):  # warm both workers: templates, connections, the first queries
                run_wrk(server, bare, cookies["practitioner"], script, 1)
                for page, sent, cookie in prepared:
                    if page.mode == "get":
                        run_wrk(server, sent, cookie, script, 1)
            results = {}
            before = run_wrk(server, bare, cookies["practitioner"], script, duration)
            bares = [before]
            for page, sent, cookie in prepared:
                measured = run_wrk(server, sent, cookie, script, duration)
                after = run_wrk(server, bare, cookies["practitioner"], script, duration)
                bares.append(after)
                results[page.label] = (measured, before, after)
                before = after
    connection.close()
    return report(results, bares, about)


def report(results: dict, bares: list[Measured], about: dict) -> dict:
    """Each page against the mean of the bare page's runs on either side of it: requests a
    second (higher is better), p95 and the workers' CPU time a request (lower is better)."""
    rows, figures, notes = [], {}, []
    for label, (page, before, after) in results.items():
        bare = {
            "rps": (before.rps + after.rps) / 2,
            "p95_ms": (before.p95_ms + after.p95_ms) / 2,
            "cpu_ms": (before.cpu_ms + after.cpu_ms) / 2,
        }
        figures[label] = {
            "rps": round(page.rps, 1),
            "p50_ms": round(page.p50_ms, 2),
            "p95_ms": round(page.p95_ms, 2),
            "cpu_ms": round(page.cpu_ms, 2),
            "requests": page.requests,
            "errors": page.errors,
            "bare_rps": round(bare["rps"], 1),
            "bare_p95_ms": round(bare["p95_ms"], 2),
            "bare_cpu_ms": round(bare["cpu_ms"], 2),
            "rps_ratio": round(page.rps / bare["rps"], 2),
            "p95_ratio": round(page.p95_ms / bare["p95_ms"], 2),
            "cpu_ratio": round(bare["cpu_ms"] / page.cpu_ms, 2) if page.cpu_ms else None,
        }
        rows.append(
            [
                label,
                f"{page.rps:,.0f}",
                f"{page.rps / bare['rps']:.2f}",
                f"{page.p95_ms:.1f}",
                f"{page.p95_ms / bare['p95_ms']:.2f}",
                f"{page.cpu_ms:.1f}",
                f"{bare['cpu_ms'] / page.cpu_ms:.2f}" if page.cpu_ms else "-",
                str(page.errors),
            ]
        )
        if page.note:
            notes.append(f"{label}: {page.note}")
    mean = {
        "rps": sum(b.rps for b in bares) / len(bares),
        "p95_ms": sum(b.p95_ms for b in bares) / len(bares),
        "cpu_ms": sum(b.cpu_ms for b in bares) / len(bares),
        "errors": sum(b.errors for b in bares),
    }
    notes += [f"bare page: {b.note}" for b in bares if b.note]
    headers = ["page", "req/s", "÷ bare", "p95 ms", "÷ bare", "CPU ms", "bare ÷", "errors"]
    rows.insert(
        0,
        [
            "bare signed-in page (mean of its runs)",
            f"{mean['rps']:,.0f}",
            "1.00",
            f"{mean['p95_ms']:.1f}",
            "1.00",
            f"{mean['cpu_ms']:.1f}",
            "1.00",
            str(mean["errors"]),
        ],
    )
    widths = [max(len(row[c]) for row in [headers, *rows]) for c in range(len(headers))]
    for row in [headers, *rows]:
        print(
            "  "
            + row[0].ljust(widths[0])
            + "".join("  " + cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))
        )
    errors = sum(f["errors"] for f in figures.values()) + mean["errors"]
    if errors:
        print(f"http: {errors} ERRORS or unexpected answers:")
        for note in notes:
            print(f"  {note}")
    else:
        print("http: no errors, every answer as expected")
    leg = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.display_name,
        "records": about["records"],
        "seconds_per_page": seconds(),
        "gunicorn_workers": WORKERS,
        "wrk_connections": CONNECTIONS,
        "machine": machine(),
        "bare": {key: round(value, 2) for key, value in mean.items()},
        "pages": figures,
        "lists": about["lists"],
        "errors": errors,
        "notes": notes,
    }
    save(connection.vendor, leg)
    return leg


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model or platform.processor() or 'unknown CPU'}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def save(vendor: str, leg: dict) -> None:
    """Read, change, write: other sections keep their own keys in the same file."""
    try:
        results = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        results = {}
    results.setdefault("http", {})[vendor] = leg
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def main():
    """Only this section, on BENCH_RECORDS records seeded as the scale section seeds them:
    `.venv/bin/python -m bench.http` (a throwaway SQLite file), or on the throwaway
    PostgreSQL: `scripts/with-postgres.sh sh -c 'BENCH_DATABASE_URL="$DATABASE_URL"
    .venv/bin/python -m bench.http'`."""
    import bench.__main__ as setup  # noqa: I001 - first: the environment, django.setup()
    from bench import scale
    from django.core.management import call_command

    if setup._given_url:
        setup.refuse_non_empty_database()
    print(f"== bench (HTTP only) on {setup.describe_database()}")
    call_command("migrate", verbosity=0)
    total = max(1, int(os.environ.get("BENCH_RECORDS", "100000")))
    started = time.perf_counter()
    seeder = scale.Seeder(scale.seed_people(), scale.make_templates())
    seeder.seed(0, total)
    seeder.seed_drafts(total)
    scale.analyse()
    print(f"http: seeded {total:,} records in {time.perf_counter() - started:.0f} s")
    run()


if __name__ == "__main__":
    main()
