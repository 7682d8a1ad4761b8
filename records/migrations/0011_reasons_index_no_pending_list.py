"""record_reasons_fts without GIN's pending list (PostgreSQL only).

With ``fastupdate`` on (PostgreSQL's default), a GIN index queues new entries in a pending
list that every search reads in full until VACUUM merges it. After 100,000 records were
added, the list held 326 pages, and a search for a rare word ("trafficking", 0.5% of the
records) spent 1.2 ms of its 2.6 ms reading it; merged, the index scan took 0.08 ms.
Records are added one submission at a time, so each pays its few index entries at once,
and a search never waits on a list autovacuum has not reached yet.
"""

from django.db import migrations

from records.migrations._postgresql import on_postgresql

FORWARD = [
    "ALTER INDEX record_reasons_fts SET (fastupdate = off)",
    # What is queued already is merged now.
    "SELECT gin_clean_pending_list('record_reasons_fts'::regclass)",
]
BACKWARD = ["ALTER INDEX record_reasons_fts RESET (fastupdate)"]


class Migration(migrations.Migration):
    dependencies = [("records", "0010_outcome_titles")]

    operations = [migrations.RunPython(on_postgresql(*FORWARD), on_postgresql(*BACKWARD))]
