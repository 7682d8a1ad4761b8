"""The date index (``record_submitted_desc``) also carries the columns a list reads, so a
list walked in date order reads no table row it does not show (an index-only scan).

PostgreSQL only. A search for the start of an agency's name (``/records/?q=Eastmoor NHS``)
walks the date index and tests each record against the search: about 1,100 records to fill
a page of 26 where one record in 40 names that agency. Each test read the record's row, a
page of its own (the rows hold kilobytes of JSON): 2.2 ms at 100,000 records. With the
columns in the index it reads none of them: 0.7 ms, for an index of 14 MB where it was 4 MB.

The columns are those of ``selectors.LIST_VALUES`` and of the searches and scopes tested on
the walk (state, case reference, agency, the author's team and approval scope). A test
compares them with what the list's query reads, so a list that reads a new column without a
migration for it fails. An index-only scan skips the table only for pages the visibility
map marks all-visible, which autovacuum keeps up to date; a page written since is read as
before.

SQLite has no INCLUDE; its lists are unchanged."""

from django.db import migrations

from records.migrations._postgresql import on_postgresql

COLUMNS = (
    "state",
    "reference",
    "subject_reference",
    "other_agency",
    "updated_at",
    "author_id",
    "team_id",
    "approval_scope",
)
KEY = '("submitted_at" DESC, "id" DESC)'
TABLE = '"records_decisionrecord"'
INCLUDE = ", ".join(f'"{column}"' for column in COLUMNS)
COVERING = (
    'DROP INDEX "record_submitted_desc"',
    f'CREATE INDEX "record_submitted_desc" ON {TABLE} {KEY} INCLUDE ({INCLUDE})',
)
PLAIN = (
    'DROP INDEX "record_submitted_desc"',
    f'CREATE INDEX "record_submitted_desc" ON {TABLE} {KEY}',
)


class Migration(migrations.Migration):
    dependencies = [("records", "0018_audit_append_function")]

    operations = [migrations.RunPython(on_postgresql(*COVERING), on_postgresql(*PLAIN))]
