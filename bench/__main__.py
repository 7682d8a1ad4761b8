"""Benchmarks: ratios measured in one run, printed, never asserted.

    make bench

Runs against a throwaway SQLite file so it never touches the demo database.
- engine: evaluate() calls per second (the engine is on every wizard request);
- wizard step: time to save a late page with many answers over an early page with few
  (about 1.0 means a step costs the same wherever it is in the journey);
- record page: time to render a record with every page answered over one with few pages.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{_db}"
os.environ.setdefault("DEBUG", "true")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

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


def main():
    call_command("migrate", verbosity=0)
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


if __name__ == "__main__":
    main()
