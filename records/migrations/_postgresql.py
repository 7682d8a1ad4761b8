"""The runner of the migrations that change something on PostgreSQL only (an index SQLite
cannot make, a PL/pgSQL function): ``migrations.RunPython(on_postgresql(...), ...)``.

Its name starts with an underscore, so Django's migration loader does not take it for a
migration."""


def on_postgresql(*statements: str):
    """A RunPython function that executes ``statements`` in order on PostgreSQL, each as
    written (no parameters: a ``%`` in a PL/pgSQL body is its own), and does nothing on any
    other database."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run
