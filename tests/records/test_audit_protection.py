"""What keeps the audit table append-only besides the chain.

On PostgreSQL: the ``audit_append_only`` trigger refuses UPDATE and DELETE, through the ORM
and through raw SQL; the runtime role the README gives the app (SELECT and INSERT only on the
audit table) is refused TRUNCATE, UPDATE, DELETE and switching the trigger off, and can still
write events. Everywhere: a user with audit events is deactivated, never deleted.
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from records.audit import verify_chain
from records.models import AuditEvent, User
from records.services import audit_log

TABLE = AuditEvent._meta.db_table
ROLE = "app_runtime_test"

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "The append-only trigger and database roles exist on PostgreSQL only; on SQLite the "
        "hash chain is what catches a change (test_verify_audit). Runs under "
        "scripts/with-postgres.sh (make test)."
    ),
)


@pytest.fixture
def event(practitioner):
    audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner, ip="192.0.2.1")
    return audit_log(event=AuditEvent.Event.VIEWED, actor=practitioner, record_reference="ISD-1")


def refused_by_trigger(action):
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        action()
    assert "Cannot update or delete rows from records_auditevent" in str(error.value)


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- The trigger --------------------------------------------------------------------------


@postgres_only
def test_the_orm_cannot_update_an_event(event):
    refused_by_trigger(lambda: AuditEvent.objects.filter(pk=event.pk).update(event="login"))
    event.actor_username = "someone-else"
    refused_by_trigger(lambda: event.save(update_fields=["actor_username"]))

    assert AuditEvent.objects.get(pk=event.pk).actor_username == "practitioner"
    assert verify_chain().ok


@postgres_only
def test_the_orm_cannot_delete_an_event(event):
    refused_by_trigger(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    refused_by_trigger(event.delete)
    refused_by_trigger(lambda: AuditEvent.objects.all().delete())

    assert AuditEvent.objects.count() == 2
    assert verify_chain().ok


@postgres_only
def test_raw_sql_cannot_update_or_delete_an_event(event):
    refused_by_trigger(
        lambda: raw(f"UPDATE {TABLE} SET details = '{{}}'::jsonb WHERE id = %s", [event.pk])
    )
    refused_by_trigger(lambda: raw(f"UPDATE {TABLE} SET hash = ''"))
    refused_by_trigger(lambda: raw(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk]))
    refused_by_trigger(lambda: raw(f"DELETE FROM {TABLE}"))

    assert AuditEvent.objects.count() == 2
    assert verify_chain().ok


# --- The runtime role (README, "Audit trail") ----------------------------------------------


@pytest.fixture
def runtime_role(db):
    """The README's runtime role, created inside the test's transaction (rolled back with
    it, role included)."""
    raw(f"CREATE ROLE {ROLE} LOGIN")
    raw(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    raw(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    raw(f"REVOKE ALL ON {TABLE} FROM {ROLE}")
    raw(f"GRANT SELECT, INSERT ON {TABLE} TO {ROLE}")
    raw(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    return ROLE


def as_runtime_role(action):
    """Run ``action`` as the runtime role, in a savepoint: rolled back on error, the role
    with it; otherwise the role is reset by hand."""
    with transaction.atomic():
        raw(f"SET LOCAL ROLE {ROLE}")
        result = action()
        raw("RESET ROLE")
    return result


def refused_to_runtime_role(sql, message="permission denied"):
    with pytest.raises(DatabaseError) as error:
        as_runtime_role(lambda: raw(sql))
    assert message in str(error.value)


@postgres_only
def test_the_runtime_role_is_refused_truncate(event, runtime_role):
    refused_to_runtime_role(f"TRUNCATE {TABLE}")
    refused_to_runtime_role(f"TRUNCATE {TABLE} CASCADE")

    assert AuditEvent.objects.count() == 2


@postgres_only
def test_the_runtime_role_is_refused_update_and_delete_by_its_privileges(event, runtime_role):
    refused_to_runtime_role(f"UPDATE {TABLE} SET hash = ''")
    refused_to_runtime_role(f"DELETE FROM {TABLE}")


@postgres_only
def test_the_runtime_role_cannot_switch_the_trigger_off(event, runtime_role):
    refused_to_runtime_role(
        f"ALTER TABLE {TABLE} DISABLE TRIGGER USER", message="must be owner of table"
    )


@postgres_only
def test_the_runtime_role_still_writes_events_and_works_on_other_tables(
    event, runtime_role, practitioner
):
    def work():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == ROLE
        User.objects.filter(pk=practitioner.pk).update(first_name="Renamed")
        return audit_log(event=AuditEvent.Event.LOGOUT, actor=practitioner, ip="192.0.2.2")

    written = as_runtime_role(work)

    assert written.prev_hash == event.hash
    assert User.objects.get(pk=practitioner.pk).first_name == "Renamed"
    result = verify_chain()
    assert result.ok
    assert result.events == 3


# --- Users are deactivated, never deleted --------------------------------------------------


def test_a_user_with_audit_events_cannot_be_deleted(event, practitioner):
    with pytest.raises(ProtectedError), transaction.atomic():
        practitioner.delete()

    assert User.objects.filter(pk=practitioner.pk).exists()


def test_the_admin_refuses_to_delete_a_user_with_events_and_says_deactivate(
    admin_client, event, practitioner
):
    url = f"/admin/records/user/{practitioner.pk}/delete/"

    response = admin_client.post(url, {"post": "yes"}, follow=True)

    assert response.redirect_chain[0] == (f"/admin/records/user/{practitioner.pk}/change/", 302)
    html = response.content.decode()
    assert "Not deleted: practitioner has audit events" in html
    assert "Deactivate instead" in html
    assert User.objects.filter(pk=practitioner.pk).exists()
    assert admin_client.get(url).status_code == 302


def test_the_admin_user_page_explains_deactivation_and_has_no_delete_link(
    admin_client, event, practitioner
):
    html = admin_client.get(f"/admin/records/user/{practitioner.pk}/change/").content.decode()

    assert "Users who have audit events are never deleted" in html
    assert "untick \u201cActive\u201d" in html
    assert f"/admin/records/user/{practitioner.pk}/delete/" not in html


def test_the_admin_bulk_delete_keeps_users_with_events(
    admin_client, event, practitioner, practitioner2
):
    response = admin_client.post(
        "/admin/records/user/",
        {"action": "delete_selected", "_selected_action": [practitioner.pk, practitioner2.pk]},
        follow=True,
    )

    assert "Not deleted: practitioner has audit events" in response.content.decode()
    assert User.objects.filter(pk__in=[practitioner.pk, practitioner2.pk]).count() == 2


def test_the_admin_still_deletes_a_user_without_events(admin_client, practitioner2):
    url = f"/admin/records/user/{practitioner2.pk}/delete/"
    assert admin_client.get(url).status_code == 200

    admin_client.post(url, {"post": "yes"})

    assert not User.objects.filter(pk=practitioner2.pk).exists()


def test_the_admin_bulk_delete_removes_users_without_events(admin_client, practitioner2):
    admin_client.post(
        "/admin/records/user/",
        {"action": "delete_selected", "_selected_action": [practitioner2.pk], "post": "yes"},
    )

    assert not User.objects.filter(pk=practitioner2.pk).exists()
