"""The fault section of `make bench` (PostgreSQL leg, after the load; BENCH_LOAD_SECONDS=0
skips both): PostgreSQL stopped and started again under load.

The load section's gunicorn and locust scenario run for BENCH_FAULT_SECONDS (default 40);
10 s in, the server is stopped (`pg_ctl stop -m fast`, through the data directory and command
scripts/with-postgres.sh exports) for BENCH_FAULT_OUTAGE_SECONDS (default 10), then started.
A probe signed in as a practitioner asks for two pages every 0.2 s throughout. Findings, each
printed OK or FAILED:

- before the outage every probe answers 200;
- while the server is down every probe gets the service's own error page (500 or 503, the
  words of templates/500.html) and no traceback or database error text;
- after it returns the app recovers by itself (CONN_HEALTH_CHECKS): how long the first 200
  took, and no failure after it, from the probe or from locust;
- no half-written record: every submitted record has its "submitted" audit event and a
  submission round, every manager's decision its audit event;
- `manage.py verify_audit` exits 0 on the database afterwards.

Writes the figures under "faults" in bench/results.json.
"""

from __future__ import annotations

import datetime
import json
import os
import shlex
import subprocess
import sys
import threading
import time

import requests

from bench import load

SECONDS = int(os.environ.get("BENCH_FAULT_SECONDS", "40"))
OUTAGE = int(os.environ.get("BENCH_FAULT_OUTAGE_SECONDS", "10"))
BEFORE = 10
OWN_ERROR_PAGE = "Sorry, there is a problem with the service"
LEAKS = ("Traceback", "OperationalError", "psycopg2", 'File "', "connection refused")
PROBED = ("/", "/records/")

INTEGRITY = """
import json
import django
django.setup()
from django.db.models import Count, Q
from records.audit import verify_chain
from records.fingerprint import verify_fingerprints
from records.models import AuditEvent, DecisionRecord, ManagerDecision
submitted = DecisionRecord.objects.exclude(state=DecisionRecord.State.DRAFT)
no_event = submitted.annotate(
    n=Count("events", filter=Q(events__event=AuditEvent.Event.SUBMITTED))
).filter(n=0)
no_round = submitted.annotate(n=Count("submissions")).filter(n=0)
missing = 0
for row in ManagerDecision.objects.values("record_id", "kind").annotate(n=Count("id")):
    audited = AuditEvent.objects.filter(
        record_id=row["record_id"], details__action=row["kind"]
    ).count()
    missing += max(0, row["n"] - audited)
chain = verify_chain()
prints = verify_fingerprints()
print(json.dumps({
    "submitted_records": submitted.count(),
    "without_submitted_event": no_event.count(),
    "without_submission_round": no_round.count(),
    "manager_decisions": ManagerDecision.objects.count(),
    "manager_decisions_without_event": missing,
    "audit_events": chain.events,
    "chain_whole": chain.ok,
    "fingerprints_checked": prints.checked,
    "fingerprints_mismatched": prints.mismatched,
}))
"""


class Probe(threading.Thread):
    """A signed-in practitioner asking for pages every 0.2 s, each answer kept as (time,
    path, status, whether it is the service's own error page, any leaked error text)."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base = base
        self.answers: list = []
        self.stopping = threading.Event()
        self.session = requests.Session()

    def sign_in(self) -> None:
        self.session.get(self.base + "/accounts/login/", timeout=30)
        response = self.session.post(
            self.base + "/accounts/login/",
            data={"username": "practitioner", "password": "demo"},
            headers={"X-CSRFToken": self.session.cookies.get("csrftoken", "")},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302:
            raise SystemExit(f"bench faults: the probe could not sign in ({response.status_code})")

    def run(self):
        turn = 0
        while not self.stopping.is_set():
            path = PROBED[turn % len(PROBED)]
            turn += 1
            try:
                response = self.session.get(self.base + path, allow_redirects=False, timeout=30)
                status, body = response.status_code, response.text
            except requests.RequestException as error:
                status, body = 0, str(error)
            self.answers.append(
                (
                    time.monotonic(),
                    path,
                    status,
                    OWN_ERROR_PAGE in body,
                    [leak for leak in LEAKS if leak.lower() in body.lower()],
                )
            )
            self.stopping.wait(0.2)


def pg_ctl(*args: str) -> None:
    command = [*shlex.split(os.environ.get("PG_AS_USER", "")), "pg_ctl"]
    command += ["-D", os.environ["PGDATA_DIR"], *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - pg_ctl


def failures_started_after(prefix, moment_unix: float) -> list[dict]:
    """locust's failed requests that started after a moment (locustfile logs each one)."""
    try:
        lines = open(f"{prefix}_failures.jsonl").read().splitlines()  # noqa: SIM115
    except FileNotFoundError:
        return []
    failures = [json.loads(line) for line in lines if line.strip()]
    return [failure for failure in failures if failure["started"] >= moment_unix]


def integrity(setup: load.Setup) -> dict:
    """The database's state, from a process of its own: records, audit events, the chain."""
    env = load.environment(setup.database_url, setup.static_root)
    done = subprocess.run(  # noqa: S603 - our own script, no shell
        [sys.executable, "-c", INTEGRITY], cwd=load.ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"bench faults: the integrity check failed to run:\n{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    verified = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "verify_audit"],
        cwd=load.ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    found["verify_audit_exit"] = verified.returncode
    found["verify_audit_said"] = (verified.stdout + verified.stderr).strip().splitlines()[-1]
    return found


def run(setup: load.Setup) -> dict:
    if not os.environ.get("PGDATA_DIR"):
        print("faults: skipped (needs scripts/with-postgres.sh's PGDATA_DIR to stop the server)")
        return {}
    prefix = setup.workdir / "faults"
    print(
        f"faults: PostgreSQL stopped {BEFORE} s into {SECONDS} s of load, for {OUTAGE} s, "
        "then started again"
    )
    baseline = integrity(setup)
    with load.gunicorn(setup, setup.workdir / "gunicorn-faults.log") as base:
        probe = Probe(base)
        probe.sign_in()
        locust = load.start_locust(setup, base, SECONDS, prefix)
        probe.start()
        time.sleep(BEFORE)
        stopping = time.monotonic()
        pg_ctl("-m", "fast", "-w", "stop")
        down = time.monotonic()
        time.sleep(OUTAGE)
        starting = time.monotonic()
        pg_ctl("-w", "-l", os.environ["PG_LOG"], "-o", os.environ["PG_OPTIONS"], "start")
        up = time.monotonic()
        up_unix = time.time()
        locust.wait(timeout=SECONDS + 120)
        probe.stopping.set()
        probe.join()

    answers = probe.answers
    before = [a for a in answers if a[0] < stopping]
    during = [a for a in answers if down <= a[0] < starting]
    after = [a for a in answers if a[0] >= up]
    first_ok = next((a for a in after if a[2] == 200), None)
    after_ok = [a for a in after if first_ok and a[0] > first_ok[0]]
    recovered_in = round(first_ok[0] - up, 2) if first_ok else None
    # Failures of requests sent once the probe had seen the app answer again: there should be
    # none (a request sent while it was down may finish after).
    recovered_unix = up_unix + (recovered_in or 0)
    late = failures_started_after(prefix, recovered_unix)
    locust_after = len(late)
    locust_stats = load.read_stats(prefix)
    stats = locust_stats["requests"].get("overall", {})
    checks = integrity(setup)

    findings = [
        (
            f"before the outage: {len(before)} probes, all 200",
            bool(before) and all(a[2] == 200 for a in before),
        ),
        (
            f"while down: {len(during)} probes, statuses {sorted({a[2] for a in during})}, "
            "each the service's own error page",
            bool(during) and all(a[2] in (500, 503) and a[3] for a in during),
        ),
        (
            "while down: no traceback or database error text in any answer"
            + (
                ""
                if not any(a[4] for a in during)
                else f" (found {sorted({x for a in during for x in a[4]})})"
            ),
            not any(a[4] for a in answers),
        ),
        (
            f"recovered by itself: first 200 {recovered_in} s after the server was back",
            first_ok is not None,
        ),
        (
            f"after recovery: {len(after_ok)} probes, {sum(a[2] != 200 for a in after_ok)} not 200",
            bool(after_ok) and all(a[2] == 200 for a in after_ok),
        ),
        (
            f"locust: {stats.get('requests', 0)} requests, {stats.get('errors', 0)} failed "
            f"(expected while down), {locust_after} failed of those sent after recovery",
            locust_after == 0,
        ),
        (
            f"no half-written record: {checks['submitted_records']} submitted, "
            f"{checks['without_submitted_event']} without their submitted event, "
            f"{checks['without_submission_round']} without a submission round; "
            f"{checks['manager_decisions']} manager's decisions, "
            f"{checks['manager_decisions_without_event']} without their event",
            checks["without_submitted_event"] == 0
            and checks["without_submission_round"] == 0
            and checks["manager_decisions_without_event"] == 0,
        ),
        (
            f"audit chain whole: {checks['audit_events']} events "
            f"({checks['audit_events'] - baseline['audit_events']} written during the run)",
            checks["chain_whole"],
        ),
        (
            f"verify_audit exit {checks['verify_audit_exit']}: {checks['verify_audit_said']}",
            checks["verify_audit_exit"] == 0 or _known(checks, baseline),
        ),
    ]
    if checks["verify_audit_exit"] and _known(checks, baseline):
        findings[-1] = (
            findings[-1][0] + " (KNOWN: the same records failed before the outage, "
            "so not the faults' doing)",
            True,
        )
    failed = sum(not ok for _, ok in findings)
    for failure in late[:10]:
        print(f"  after recovery: {failure['name']}: {failure['error']}")
    print(f"faults: {'OK' if not failed else f'FAILED ({failed} findings)'}")
    for text, ok in findings:
        label = ("KNOWN " if "(KNOWN:" in text else "OK    ") if ok else "FAILED"
        print(f"  {label} {text}")
    figures = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": load.machine(),
        "seconds": SECONDS,
        "outage_seconds": OUTAGE,
        "stop_took_s": round(down - stopping, 2),
        "start_took_s": round(up - starting, 2),
        "recovered_after_s": recovered_in,
        "probes": {"before": len(before), "during": len(during), "after": len(after)},
        "locust": {
            "requests": stats.get("requests", 0),
            "errors": stats.get("errors", 0),
            "errors_after_recovery": locust_after,
            "failures_by_request": locust_stats["failures"],
        },
        "integrity": checks,
        "integrity_before": baseline,
        "findings": [{"finding": text, "ok": ok} for text, ok in findings],
        "failed_findings": failed,
        "verdict": "OK" if not failed else "FAILED",
    }
    load.save("faults", figures)
    return figures


def _known(after: dict, before: dict) -> bool:
    """verify_audit fails only on fingerprints that failed before the outage, the chain whole."""
    return (
        after["chain_whole"]
        and before["chain_whole"]
        and set(after["fingerprints_mismatched"]) == set(before["fingerprints_mismatched"])
        and before["verify_audit_exit"] != 0
    )
