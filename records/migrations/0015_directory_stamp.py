"""records.DirectoryStamp and the triggers that change it: on PostgreSQL one statement-level
trigger a table, on SQLite one trigger a table and operation. Written by hand for both
databases (django-pgtrigger is PostgreSQL's only), and standing alone as a migration must.

The triggers only UPDATE the one row this migration inserts: with no row (a test database
flushed between tests) the stamp reads as NULL and nothing is kept. An UPSERT would not do
on SQLite, where the statement that fires a trigger imposes its own conflict handling on it."""

from django.db import migrations, models

STAMP = "records_directorystamp"
# Each table the filter's choices and a manager's scope are read from, and for the users the
# columns those reads use (a sign-in's last_login changes nothing they show).
WATCHED = {
    "records_user": "username, first_name, last_name, role, team_id, organisation_id, is_active",
    "records_team": None,
    "records_organisation": None,
    "records_user_managed_teams": None,
    "records_outcometitle": None,
}
FUNCTION = "records_directory_changed"


def _postgresql(create: bool) -> list[str]:
    if not create:
        return [f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}" for table in WATCHED] + [
            f"DROP FUNCTION IF EXISTS {FUNCTION}()"
        ]
    statements = [
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {STAMP} SET stamp = floor(random() * 9000000000000000000)::bigint
            WHERE id = 1;
            RETURN NULL;
        END $$"""
    ]
    for table, columns in WATCHED.items():
        update = f"UPDATE OF {columns}" if columns else "UPDATE"
        statements.append(
            f"CREATE TRIGGER {FUNCTION} AFTER INSERT OR DELETE OR {update} OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    return statements


def _sqlite(create: bool) -> list[str]:
    statements = []
    for table, columns in WATCHED.items():
        for operation in ("INSERT", "DELETE", "UPDATE"):
            name = f"{FUNCTION}_{table}_{operation.lower()}"
            if not create:
                statements.append(f"DROP TRIGGER IF EXISTS {name}")
                continue
            event = f"UPDATE OF {columns}" if operation == "UPDATE" and columns else operation
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                f"UPDATE {STAMP} SET stamp = random() WHERE id = 1; END"
            )
    return statements


def _run(create: bool):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in ("postgresql", "sqlite"):
            return  # no triggers: the stamp is never read, and nothing is kept
        for statement in (_postgresql if vendor == "postgresql" else _sqlite)(create):
            schema_editor.execute(statement)
        if create:
            schema_editor.execute(f"INSERT INTO {STAMP} (id, stamp) VALUES (1, 1)")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0014_user_session"),
    ]

    operations = [
        migrations.CreateModel(
            name="DirectoryStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stamp", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(_run(True), _run(False)),
    ]
