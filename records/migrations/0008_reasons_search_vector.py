"""Full text over the reasons from a stored column (PostgreSQL only).

0003's record_reasons_fts indexed the expression ``to_tsvector('english', reasons_text)``:
the index finds the matching rows, but every row the plan then reads (the newest first,
until a page is full, or the bitmap's recheck) computes the vector again, and a common word
("neglect", a fifth of the records) cost 11 times the sign-in page at 100,000 records. Here
the vector is a stored generated column, ``reasons_search``, written once when a record is
saved (the reasons never change after submission), and record_reasons_fts indexes that
column instead. records.search.ReasonsMatch queries it.

The column lives in the database only (no model field): SQLite has no tsvector, and its
search stays a substring match. Nothing in the model describes it, so no later migration
alters it; Django never selects or writes it (a generated column cannot be written).
"""

from django.db import migrations

from records.migrations._postgresql import on_postgresql

COLUMN = "reasons_search"
ADD = [
    f"ALTER TABLE records_decisionrecord ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, reasons_text)) STORED",
    "DROP INDEX IF EXISTS record_reasons_fts",
    f"CREATE INDEX record_reasons_fts ON records_decisionrecord USING GIN ({COLUMN})",
]
# Back to 0003's expression index.
REMOVE = [
    "DROP INDEX IF EXISTS record_reasons_fts",
    f"ALTER TABLE records_decisionrecord DROP COLUMN IF EXISTS {COLUMN}",
    "CREATE INDEX record_reasons_fts ON records_decisionrecord "
    "USING GIN (to_tsvector('english'::regconfig, reasons_text))",
]


class Migration(migrations.Migration):
    dependencies = [("records", "0007_audit_event_types_security")]

    operations = [migrations.RunPython(on_postgresql(*ADD), on_postgresql(*REMOVE))]
