"""An audit event appended to the chain in one statement (``records.audit``), PostgreSQL only.

``records_audit_append`` takes the chain's lock, reads the latest row's hash, reads the
database's clock, hashes the row's canonical JSON and inserts the row, inside the database.
The app used to do the same in two round trips with the lock held between them, so every
audited request in the service waited on one network round trip of another's; now the lock
is held for the function's own few statements.

The app writes the canonical JSON (``records.audit.event_hash``) but for the two values only
the database knows once the lock is held, the time and the previous hash, and hands over the
three pieces around them. Each statement of a VOLATILE PL/pgSQL function reads with its own
snapshot, so the head is read after the lock is taken: the guarantee the app's two round
trips gave. The function is SECURITY INVOKER: the runtime role (README) needs no more than
the SELECT and INSERT it has on the table.
"""

from django.db import migrations

from records.migrations._postgresql import on_postgresql

CREATE = """
CREATE FUNCTION "records_audit_append"(
    "lock_key" bigint,
    "new_event" varchar,
    "new_actor_id" bigint,
    "new_actor_username" varchar,
    "new_actor_role" varchar,
    "new_record_id" bigint,
    "new_record_reference" varchar,
    "new_ip" inet,
    "new_details" jsonb,
    "json_before_at" text,
    "json_before_prev_hash" text,
    "json_after_prev_hash" text,
    OUT "event_id" bigint,
    OUT "event_at" timestamptz,
    OUT "event_prev_hash" varchar,
    OUT "event_hash" varchar
) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock("lock_key");
    SELECT e."hash" INTO "event_prev_hash"
        FROM "records_auditevent" e ORDER BY e."id" DESC LIMIT 1;
    "event_prev_hash" := COALESCE("event_prev_hash", repeat('0', 64));
    "event_at" := clock_timestamp();
    "event_hash" := encode(sha256(convert_to(
        "json_before_at"
        || to_char("event_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'
        || "json_before_prev_hash" || "event_prev_hash" || "json_after_prev_hash",
        'UTF8')), 'hex');
    INSERT INTO "records_auditevent" (
        "at", "actor_id", "actor_username", "actor_role", "event", "record_id",
        "record_reference", "ip", "details", "prev_hash", "hash"
    ) VALUES (
        "event_at", "new_actor_id", "new_actor_username", "new_actor_role", "new_event",
        "new_record_id", "new_record_reference", "new_ip", "new_details", "event_prev_hash",
        "event_hash"
    ) RETURNING "id" INTO "event_id";
END
$$
"""
DROP = 'DROP FUNCTION "records_audit_append"'


class Migration(migrations.Migration):
    dependencies = [("records", "0017_audit_author_trail_index")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
