"""The snapshot's outcome title and grounds copied onto each record for the managers' queue
(records.models.queue_summary), filled for the records already submitted."""

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    # As records.models.queue_summary says it; a migration keeps its own copy of the rule.
    DecisionRecord = apps.get_model("records", "DecisionRecord")
    submitted = DecisionRecord.objects.exclude(submitted_at=None).order_by("pk")
    last = 0
    while True:
        batch = list(submitted.filter(pk__gt=last).only("pk", "snapshot")[:BATCH])
        if not batch:
            return
        for record in batch:
            snapshot = record.snapshot or {}
            record.outcome_title = str((snapshot.get("outcome") or {}).get("title") or "")
            record.grounds_summary = "; ".join(str(g) for g in snapshot.get("grounds") or [])
        DecisionRecord.objects.bulk_update(batch, ["outcome_title", "grounds_summary"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("records", "0012_audit_event_lock_cleared")]

    # Each column added by ALTER TABLE with a constant default, on SQLite too, where Django's
    # AddField of a NOT NULL column remakes the table and loses the indexes made in SQL
    # (0004, 0008).
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE records_decisionrecord ADD COLUMN {column} text NOT NULL "
                    "DEFAULT ''",
                    f"ALTER TABLE records_decisionrecord DROP COLUMN {column}",
                )
                for column in ("grounds_summary", "outcome_title")
            ],
            state_operations=[
                migrations.AddField(
                    model_name="decisionrecord",
                    name=name,
                    field=models.TextField(blank=True),
                )
                for name in ("grounds_summary", "outcome_title")
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
