import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.audit import VERIFY_BATCH_SIZE, verify_chain
from records.fingerprint import verify_fingerprints


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain: every event's hash and its link to the one "
        "before. Exits 0 when the chain is whole, non-zero naming the first broken event. "
        "Run it from cron, e.g. nightly, and keep its output: the head hash it prints lets a "
        "later run show that no events were removed from the end."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=VERIFY_BATCH_SIZE,
            help=f"Events read per query (default {VERIFY_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--anchor",
            metavar="HASH",
            help=(
                "A head printed by an earlier run: fail unless the chain still holds it "
                "(shows that no events were removed from the end, and that the chain was not "
                "recomputed)."
            ),
        )
        parser.add_argument(
            "--head-file",
            metavar="PATH",
            type=Path,
            help=(
                "Keep the head here between runs (for cron): its hash is the anchor when the "
                "file exists, and a whole chain's new head replaces it."
            ),
        )
        parser.add_argument("--database", default=None, help="Database alias to check.")

    def handle(self, *args, **options):
        head_file = options["head_file"]
        anchor = options["anchor"]
        if head_file is not None and anchor:
            raise CommandError("Give --anchor or --head-file, not both.")
        if head_file is not None and head_file.exists():
            anchor = head_file.read_text().strip() or None
        started = time.monotonic()
        result = verify_chain(
            using=options["database"],
            batch_size=options["batch_size"],
            anchor=anchor,
        )
        seconds = time.monotonic() - started
        if result.broken is not None:
            raise CommandError(
                f"Audit chain broken after {result.events} good events: {result.describe()}"
            )
        if not result.ok:
            raise CommandError(f"Audit chain cut short or rewritten: {result.describe()}")
        head = f"Head {result.head}" + (
            f" (event id {result.last_id})." if result.last_id is not None else " (empty)."
        )
        lines = [f"{result.events} events, chain whole.", head]
        if result.anchor_found:
            lines.append("Contains the anchor.")
        # The chain holds each record's fingerprint: a record changed behind the app's back
        # (its answers, snapshot or outcome) no longer matches it.
        prints = verify_fingerprints(using=options["database"])
        if not prints.ok:
            raise CommandError(
                f"{len(prints.mismatched)} record(s) no longer match the fingerprint their "
                f"submitted event holds: {', '.join(prints.mismatched[:20])}"
            )
        lines.append(
            f"{prints.checked} records match their fingerprints"
            + (
                f" ({prints.without_fingerprint} submitted before fingerprints were kept)."
                if prints.without_fingerprint
                else "."
            )
        )
        lines.append(f"Checked in {seconds:.1f} s.")
        self.stdout.write(" ".join(lines))
        if head_file is not None:
            written = head_file.with_name(head_file.name + ".new")
            written.write_text(result.head + "\n")
            os.replace(written, head_file)
