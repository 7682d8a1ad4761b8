"""Indexes for the /records/ filters (records/filters.py), beside those of 0003.

- record_subject_ref_ci, record_agency_ci: the start of a case reference or of the other
  agency's name, whatever the case (Django's ``istartswith``). SQLite's LIKE is
  case-insensitive and uses an index only with NOCASE collation; PostgreSQL's ``istartswith``
  is ``UPPER(col::text) LIKE UPPER('x%')``, which needs that expression with a pattern
  operator class (whatever the collation).
- record_urgent_submitted: urgent records only, in date order (a partial index: urgent
  shares are few; "not urgent" is most of the table and walks the date index).
- SQLite: record_list_filters, the date order with the scope and filter columns beside it.
  A SQLite row stores the ~9 KB of JSON before these columns, so testing one means reading
  the row's overflow pages; walking this index, SQLite tests them in the index and reads only
  the rows it shows (a manager's list: 0.3 ms instead of 4 ms at 100,000 records). It also
  serves the lawful basis filter.
- PostgreSQL: record_basis_submitted, the lawful basis in date order (rows are cheap to read
  there, and its planner, with statistics, chooses between this and the team or date index).

They live in the database only (no model state), like 0003's record_reasons_fts, and are
written per database: nothing in DecisionRecord.Meta describes them, so no later migration
will try to alter them.
"""

from django.db import migrations, models

PORTABLE = [
    models.Index(
        fields=["-submitted_at", "-id"],
        name="record_urgent_submitted",
        condition=models.Q(urgent=True),
    ),
]
BY_DATABASE = {
    "sqlite": {
        "record_subject_ref_ci": "(subject_reference COLLATE NOCASE)",
        "record_agency_ci": "(other_agency COLLATE NOCASE)",
        "record_list_filters": (
            "(submitted_at DESC, id DESC, state, team_id, author_id, approval_scope, "
            "lawful_basis, urgent, outcome)"
        ),
    },
    "postgresql": {
        "record_subject_ref_ci": "(UPPER(subject_reference::text) text_pattern_ops)",
        "record_agency_ci": "(UPPER(other_agency::text) text_pattern_ops)",
        "record_basis_submitted": "(lawful_basis, submitted_at DESC, id DESC)",
    },
}


def add_search_indexes(apps, schema_editor):
    record = apps.get_model("records", "DecisionRecord")
    for index in PORTABLE:
        schema_editor.add_index(record, index)
    for name, columns in BY_DATABASE.get(schema_editor.connection.vendor, {}).items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON records_decisionrecord {columns}"
        )


def drop_search_indexes(apps, schema_editor):
    record = apps.get_model("records", "DecisionRecord")
    for index in PORTABLE:
        schema_editor.remove_index(record, index)
    for name in BY_DATABASE.get(schema_editor.connection.vendor, {}):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_audit_chain_addenda_search"),
    ]

    operations = [
        migrations.RunPython(add_search_indexes, drop_search_indexes),
    ]
