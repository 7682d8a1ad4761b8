"""The bulk export section of `make bench`: a ZIP of 1,000 records' PDFs built by a real worker.

Runs after the scale section, on its records: the bench auditor starts a bulk export of the
search `q=BENCH-C-0000` (the first 1,000 records' case references), then a real
`manage.py db_worker --batch` builds it in a child process. Prints the worker's wall time,
the job's own time (started to finished) per record, and the worker's peak memory (its
maximum resident set size, read from the kernel when the child is reaped), beside an idle
worker's peak so the export's share shows. The goal: under 300 MB, flat in the number of
records (one PDF at a time, written straight into the ZIP). Never asserts.

BENCH_BULK_RECORDS (default 1000; a power of ten, 0 to skip) sets how many records.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from exports.jobs import export_job_start
from exports.models import ExportJob
from records.models import DecisionRecord, User

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 300


def worker(media: Path) -> tuple[float, float, int, str]:
    """Run `db_worker --batch` until the queue is empty: (seconds, peak MB, exit code, output)."""
    env = {**os.environ, "MEDIA_ROOT": str(media)}
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--batch",
        "--no-reload",
        "--no-startup-delay",
        "--interval=0",
        "--verbosity=0",
    ]
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own manage.py, no shell
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = child.stdout.read().decode(errors="replace")
    # wait4 reports this child's own peak RSS (KiB on Linux), whatever ran before it.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, child.returncode, output


def run():
    wanted = int(os.environ.get("BENCH_BULK_RECORDS", "1000"))
    if wanted <= 0:
        return
    digits = round(math.log10(wanted))
    if 10**digits != wanted or digits > 7:
        print("bulk export: BENCH_BULK_RECORDS must be a power of ten up to 10,000,000")
        return
    # The scale section's case references are BENCH-C- and seven digits: this prefix picks
    # the first `wanted` of them.
    query = f"q=BENCH-C-{'0' * (7 - digits)}"
    auditor = User.objects.get(username="bench-auditor")
    media = Path(tempfile.mkdtemp(prefix="share-safely-bench-media-"))
    try:
        idle_seconds, idle_mb, _, _ = worker(media)  # an empty queue: the worker's own size
        job = export_job_start(user=auditor, query=query)
        seconds, peak_mb, code, output = worker(media)
        job.refresh_from_db()
        if code != 0 or job.status != ExportJob.Status.DONE:
            print(f"bulk export: the worker exited {code}, job {job.status}: {job.error}\n{output}")
            return
        size_mb = (media / job.file.name).stat().st_size / 1e6
        built = (job.finished_at - job.started_at).total_seconds()
        matching = DecisionRecord.objects.filter(subject_reference__startswith=query[2:]).count()
        print(
            f"bulk export: ZIP of {job.done:,} records' PDFs ({matching:,} match {query}) "
            f"by a real db_worker: {seconds:.1f} s in all, {built:.1f} s building "
            f"({built / max(job.done, 1) * 1e3:.0f} ms a record), ZIP {size_mb:.1f} MB; "
            f"worker peak memory {peak_mb:.0f} MB (goal < {GOAL_MB} MB; an idle worker "
            f"{idle_mb:.0f} MB, so {peak_mb - idle_mb:.0f} MB for the export)"
        )
    finally:
        shutil.rmtree(media, ignore_errors=True)
