"""The latest events of a record, in the chain's order, on an index of (record, id): a record's
full trail (auditors, the managers answering for it) without sorting every view of it.

PostgreSQL only: on SQLite the record's own index (``record_id``) holds each row's id after
it, in order, already."""

from django.db import migrations

from records.migrations._postgresql import on_postgresql

CREATE = 'CREATE INDEX "audit_record_id" ON "records_auditevent" ("record_id", "id")'
DROP = 'DROP INDEX "audit_record_id"'


class Migration(migrations.Migration):
    dependencies = [("records", "0015_directory_stamp")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
