"""Each outcome's latest title, kept for the records filter (records.models.OutcomeTitle),
filled from the records already submitted."""

from django.db import migrations, models


def fill(apps, schema_editor):
    DecisionRecord = apps.get_model("records", "DecisionRecord")
    OutcomeTitle = apps.get_model("records", "OutcomeTitle")
    outcomes = (
        DecisionRecord.objects.exclude(outcome="")
        .exclude(submitted_at=None)
        .order_by()
        .values_list("outcome", flat=True)
        .distinct()
    )
    for outcome in list(outcomes):
        latest = (
            DecisionRecord.objects.filter(outcome=outcome)
            .exclude(submitted_at=None)
            .order_by("-submitted_at", "-id")
            .values_list("snapshot", flat=True)
            .first()
        )
        title = ((latest or {}).get("outcome") or {}).get("title") or ""
        OutcomeTitle.objects.create(outcome=outcome, title=title)


class Migration(migrations.Migration):
    dependencies = [("records", "0009_insight_counts")]

    operations = [
        migrations.CreateModel(
            name="OutcomeTitle",
            fields=[
                ("outcome", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=300)),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
