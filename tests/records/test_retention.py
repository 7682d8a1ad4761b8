"""Retention: retain-until set at submission; apply_retention lists (--dry-run) and deletes
expired records that are not on legal hold and await nobody, each deletion leaving an audit
event with the reference; the record's own audit events stay."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError
from django.utils import timezone

from decisions import demo
from records.audit import verify_chain
from records.models import (
    Addendum,
    AuditEvent,
    DecisionRecord,
    ManagerDecision,
    ReminderSent,
    SharingConfirmation,
    Submission,
)
from records.selectors import retention_due
from records.services import (
    RetentionBlocked,
    StaleState,
    addendum_add,
    decision_act,
    decision_reconsider,
    legal_hold_lift,
    legal_hold_set,
    record_delete_for_retention,
    retain_until_for,
)

TODAY = timezone.localdate()
LONG_AGO = TODAY - datetime.timedelta(days=1)


def recorded(author, outcome="share_with_consent"):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome))


def awaiting(author):
    return demo.create_submitted(
        author=author, answers=demo.finished_answers("share_without_consent")
    )


def expire(record, on=LONG_AGO):
    DecisionRecord.objects.filter(pk=record.pk).update(retain_until=on)
    record.refresh_from_db()
    return record


def run(*args):
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


# --- retain-until ---------------------------------------------------------------------------


def test_retain_until_is_six_years_after_the_decision_by_default(practitioner):
    record = recorded(practitioner)
    assert record.retain_until == TODAY.replace(year=TODAY.year + 6)
    record.refresh_from_db()
    assert record.retain_until == TODAY.replace(year=TODAY.year + 6)


def test_retain_until_follows_the_setting(practitioner, settings):
    settings.RETENTION_YEARS = 2
    assert recorded(practitioner).retain_until == TODAY.replace(year=TODAY.year + 2)


def test_a_decision_on_29_february_is_kept_to_28_february(settings):
    settings.RETENTION_YEARS = 6
    assert retain_until_for(datetime.date(2028, 2, 29)) == datetime.date(2034, 2, 28)
    settings.RETENTION_YEARS = 4
    assert retain_until_for(datetime.date(2028, 2, 29)) == datetime.date(2032, 2, 29)


def test_a_draft_has_no_retain_until(practitioner):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    draft.refresh_from_db()
    assert draft.retain_until is None


# --- what is due ----------------------------------------------------------------------------


def test_only_expired_final_records_not_on_hold_are_due(practitioner, manager, auditor):
    due_recorded = expire(recorded(practitioner))
    rejected = awaiting(practitioner)
    decision_act(record=rejected, manager=manager, kind="rejected", comment="No basis.")
    due_rejected = expire(rejected)
    held = expire(recorded(practitioner))
    legal_hold_set(record=held, auditor=auditor, reason="Litigation hold, case 123 (fictional).")
    expire(awaiting(practitioner))  # awaiting approval: somebody must still act on it
    approved = awaiting(practitioner)
    decision_act(record=approved, manager=manager, kind="approved")
    expire(approved)  # approved, the sharing not yet confirmed
    expire(recorded(practitioner), on=TODAY)  # kept to the end of its last day
    recorded(practitioner)  # years to go
    draft = demo.create_draft(author=practitioner, answers={})
    expire(draft)

    assert set(retention_due()) == {due_recorded, due_rejected}


def test_the_dry_run_lists_reference_and_date_and_deletes_nothing(practitioner):
    first = expire(recorded(practitioner), on=datetime.date(2019, 5, 1))
    second = expire(recorded(practitioner), on=datetime.date(2020, 1, 31))
    recorded(practitioner)
    events = AuditEvent.objects.count()

    out = run("--dry-run")

    assert f"{first.reference}\t2019-05-01" in out
    assert f"{second.reference}\t2020-01-31" in out
    assert "2 record(s) due for deletion" in out
    assert "nothing deleted" in out
    assert DecisionRecord.objects.count() == 3
    assert AuditEvent.objects.count() == events


def test_with_nothing_due_it_says_so(practitioner):
    recorded(practitioner)
    assert "0 record(s) deleted, 0 kept." in run()


# --- deleting ---------------------------------------------------------------------------------


def test_it_deletes_a_record_with_everything_it_holds_and_keeps_its_audit_events(
    practitioner, manager, auditor
):
    record = awaiting(practitioner)
    decision_act(record=record, manager=manager, kind="approved")
    demo.confirm_sharing(record=record, author=practitioner)
    addendum_add(record=record, author=practitioner, kind="correction", text="A fictional fix.")
    ReminderSent.objects.create(record=record, sent_on=TODAY)
    legal_hold_set(record=record, auditor=auditor, reason="Held for a while.")
    legal_hold_lift(record=record, auditor=auditor, reason="The complaint is closed.")
    expire(record)
    other = recorded(practitioner)
    own_events = set(AuditEvent.objects.filter(record=record).values_list("pk", flat=True))
    assert own_events

    out = run()

    assert f"Deleted {record.reference}\t{LONG_AGO.isoformat()}" in out
    assert "1 record(s) deleted, 0 kept." in out
    assert not DecisionRecord.objects.filter(pk=record.pk).exists()
    for model in (Submission, ManagerDecision, SharingConfirmation, Addendum, ReminderSent):
        assert not model.objects.filter(record_id=record.pk).exists(), model
    # Every event about it is still there, unchanged, and one more says it was deleted.
    assert own_events < set(
        AuditEvent.objects.filter(record_id=record.pk).values_list("pk", flat=True)
    )
    deletion = AuditEvent.objects.get(event=AuditEvent.Event.RETENTION_DELETION)
    assert deletion.record_reference == record.reference
    assert deletion.record_id == record.pk
    assert deletion.actor is None
    assert deletion.details["reference"] == record.reference
    assert deletion.details["retain_until"] == LONG_AGO.isoformat()
    assert DecisionRecord.objects.filter(pk=other.pk).exists()
    assert other.submissions.exists()
    assert verify_chain().ok


def test_a_record_on_legal_hold_is_kept_until_the_hold_is_lifted(practitioner, auditor):
    record = expire(recorded(practitioner))
    legal_hold_set(record=record, auditor=auditor, reason="Inquiry (fictional).")

    assert record.reference not in run("--dry-run")
    assert "0 record(s) deleted" in run()
    assert DecisionRecord.objects.filter(pk=record.pk).exists()

    legal_hold_lift(record=record, auditor=auditor, reason="Inquiry closed.")
    assert f"Deleted {record.reference}" in run()
    assert not DecisionRecord.objects.filter(pk=record.pk).exists()


def test_a_record_a_later_decision_reconsiders_is_kept_and_said_so(practitioner, manager):
    rejected = awaiting(practitioner)
    decision_act(record=rejected, manager=manager, kind="rejected", comment="No basis.")
    later = decision_reconsider(record=rejected, user=practitioner)
    expire(rejected)

    dry = run("--dry-run")
    out = run()

    assert f"Kept {rejected.reference}" in dry
    assert "0 record(s) due for deletion, 1 kept" in dry
    assert f"Kept {rejected.reference}" in out
    assert "0 record(s) deleted, 1 kept." in out
    assert DecisionRecord.objects.filter(pk=rejected.pk).exists()
    with pytest.raises(RetentionBlocked, match=later.reference):
        record_delete_for_retention(record=rejected)


def test_the_service_checks_again_on_the_row_a_hold_set_since_listing_keeps_it(
    practitioner, auditor
):
    record = expire(recorded(practitioner))
    listed = list(retention_due())
    legal_hold_set(record=record, auditor=auditor, reason="Just in time (fictional).")

    with pytest.raises(StaleState, match="not due"):
        record_delete_for_retention(record=listed[0])
    assert DecisionRecord.objects.filter(pk=record.pk).exists()
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.RETENTION_DELETION).exists()


def test_the_service_refuses_a_record_not_yet_expired(practitioner):
    record = recorded(practitioner)
    with pytest.raises(StaleState):
        record_delete_for_retention(record=record)
    assert DecisionRecord.objects.filter(pk=record.pk).exists()


def test_a_record_already_gone_is_reported_not_an_error(practitioner):
    record = expire(recorded(practitioner))
    record_delete_for_retention(record=record)
    with pytest.raises(StaleState, match="no longer exists"):
        record_delete_for_retention(record=record)


def test_the_deletion_and_its_event_are_one_transaction(practitioner, monkeypatch):
    """If the event cannot be written, the record is not deleted."""
    from records import services

    record = expire(recorded(practitioner))

    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "audit_log", broken)
    with pytest.raises(RuntimeError):
        record_delete_for_retention(record=record)
    assert DecisionRecord.objects.filter(pk=record.pk).exists()
    assert record.submissions.exists()


def test_many_records_are_deleted_in_batches(practitioner, monkeypatch):
    from records.management.commands import apply_retention

    monkeypatch.setattr(apply_retention, "BATCH", 2)
    records = [expire(recorded(practitioner)) for _ in range(5)]

    out = run()

    assert "5 record(s) deleted, 0 kept." in out
    assert not DecisionRecord.objects.filter(pk__in=[r.pk for r in records]).exists()
    assert AuditEvent.objects.filter(event=AuditEvent.Event.RETENTION_DELETION).count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the audit trigger is PostgreSQL's")
def test_on_postgresql_the_delete_runs_beside_the_append_only_trigger(practitioner, manager):
    """The trigger refuses UPDATE and DELETE of audit rows; deleting a record (cascading to
    its rounds, decisions and addenda) never touches them, so it goes through."""
    record = awaiting(practitioner)
    decision_act(record=record, manager=manager, kind="approved")
    demo.confirm_sharing(record=record, author=practitioner)
    addendum_add(record=record, author=manager, kind="further_information", text="Later fact.")
    expire(record)
    with pytest.raises((InternalError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(record=record).delete()  # the trigger is there

    record_delete_for_retention(record=record)

    assert not DecisionRecord.objects.filter(pk=record.pk).exists()
    assert AuditEvent.objects.filter(record_id=record.pk).count() > 5
    assert verify_chain().ok
