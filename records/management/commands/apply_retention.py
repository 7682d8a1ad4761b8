from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef
from django.utils import timezone

from records.models import DecisionRecord
from records.selectors import retention_due
from records.services import RetentionBlocked, StaleState, record_delete_for_retention

BATCH = 500


class Command(BaseCommand):
    help = (
        "Delete records past their retain-until date that are not on legal hold and await "
        "nobody (recorded or rejected), each leaving a retention deletion audit event with its "
        "reference. With --dry-run, list them (reference, retain-until) and delete nothing. "
        "Run it from cron, e.g. nightly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        today = timezone.localdate()
        due = (
            retention_due(on=today)
            .order_by("pk")
            .only("pk", "reference", "retain_until")
            .annotate(
                reconsidered=Exists(DecisionRecord.objects.filter(reconsiders=OuterRef("pk")))
            )
        )
        deleted = kept = listed = 0
        last = 0
        # Keyset batches by id: a long list is never held in memory, and a record that must
        # stay is not read again.
        while batch := list(due.filter(pk__gt=last)[:BATCH]):
            for record in batch:
                last = record.pk
                line = f"{record.reference}\t{record.retain_until.isoformat()}"
                if record.reconsidered:
                    # The service refuses it too (ProtectedError otherwise): said here first.
                    kept += 1
                    self.stdout.write(f"Kept {line}\t(a later decision reconsiders it)")
                    continue
                if dry_run:
                    listed += 1
                    self.stdout.write(line)
                    continue
                try:
                    record_delete_for_retention(record=record, on=today)
                except (RetentionBlocked, StaleState) as reason:
                    kept += 1
                    self.stdout.write(f"Kept {reason}")
                else:
                    deleted += 1
                    self.stdout.write(f"Deleted {line}")
        if dry_run:
            self.stdout.write(
                f"{listed} record(s) due for deletion, {kept} kept (dry run: nothing deleted)."
            )
        else:
            self.stdout.write(f"{deleted} record(s) deleted, {kept} kept.")
