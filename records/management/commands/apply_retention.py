from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef
from django.utils import timezone

from records.models import DecisionRecord
from records.selectors import draft_kept_until, drafts_due, retention_due
from records.services import (
    RetentionBlocked,
    StaleState,
    draft_delete_for_retention,
    record_delete_for_retention,
)

BATCH = 500


def _in_batches(due):
    """Keyset batches by id: a long list is never held in memory, and a record that must stay
    is not read again."""
    last = 0
    while batch := list(due.filter(pk__gt=last)[:BATCH]):
        yield from batch
        last = batch[-1].pk


class Command(BaseCommand):
    help = (
        "Delete records past their retain-until date that are not on legal hold and await "
        "nobody (recorded or rejected), and drafts nobody has changed for DRAFT_KEEP_DAYS days, "
        "each leaving a retention deletion audit event with its reference. With --dry-run, "
        "list them (reference, the last day kept) and delete nothing. "
        "Run it from cron, e.g. nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        today = timezone.localdate()
        self._records(today, dry_run)
        self._drafts(today, dry_run)

    def _records(self, today, dry_run):
        due = (
            retention_due(on=today)
            .order_by("pk")
            .only("pk", "reference", "retain_until")
            .annotate(
                reconsidered=Exists(DecisionRecord.objects.filter(reconsiders=OuterRef("pk")))
            )
        )
        done, kept = self._apply(
            due,
            line=lambda record: f"{record.reference}\t{record.retain_until.isoformat()}",
            # The service refuses it too (ProtectedError otherwise): said here first.
            kept_because=lambda record: record.reconsidered and "a later decision reconsiders it",
            delete=lambda record: record_delete_for_retention(record=record, on=today),
            dry_run=dry_run,
        )
        if dry_run:
            self.stdout.write(
                f"{done} record(s) due for deletion, {kept} kept (dry run: nothing deleted)."
            )
        else:
            self.stdout.write(f"{done} record(s) deleted, {kept} kept.")

    def _drafts(self, today, dry_run):
        if not settings.DRAFT_KEEP_DAYS:
            self.stdout.write("Drafts are kept until submitted or discarded (DRAFT_KEEP_DAYS=0).")
            return
        done, kept = self._apply(
            drafts_due(on=today).only("pk", "reference", "updated_at"),
            line=lambda draft: (
                f"{draft.reference}\tdraft kept until {draft_kept_until(draft.updated_at)}"
            ),
            delete=lambda draft: draft_delete_for_retention(record=draft, on=today),
            dry_run=dry_run,
        )
        if dry_run:
            self.stdout.write(f"{done} draft(s) due for deletion (dry run: nothing deleted).")
        else:
            self.stdout.write(f"{done} draft(s) deleted, {kept} kept.")

    def _apply(self, due, *, line, delete, dry_run, kept_because=lambda item: None):
        """List (dry run) or delete each of ``due``, a line each; how many were listed or
        deleted, and how many kept (said so before, or refused by the service)."""
        done = kept = 0
        for item in _in_batches(due):
            shown = line(item)
            if reason := kept_because(item):
                kept += 1
                self.stdout.write(f"Kept {shown}\t({reason})")
            elif dry_run:
                done += 1
                self.stdout.write(shown)
            else:
                try:
                    delete(item)
                except (RetentionBlocked, StaleState) as refused:
                    kept += 1
                    self.stdout.write(f"Kept {refused}")
                else:
                    done += 1
                    self.stdout.write(f"Deleted {shown}")
        return done, kept
