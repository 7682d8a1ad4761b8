import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError

from decisions import demo, wizard
from records.models import AuditEvent, DecisionRecord
from records.services import (
    StaleState,
    audit_log,
    decision_save_step,
    decision_start,
    decision_submit,
)


def test_decision_start_refuses_an_auditor(auditor):
    with pytest.raises(PermissionDenied):
        decision_start(author=auditor)
    assert not DecisionRecord.objects.exists()
    assert not AuditEvent.objects.exists()


def test_decision_start_creates_a_draft_in_the_authors_team(practitioner):
    record = decision_start(author=practitioner, ip="192.0.2.1")
    record.refresh_from_db()
    assert record.state == DecisionRecord.State.DRAFT
    assert record.team == practitioner.team
    assert record.reference == f"ISD-{record.created_at:%Y}-{record.pk:05d}"
    event = AuditEvent.objects.get()
    assert (event.event, event.record, event.ip) == ("record_created", record, "192.0.2.1")


def test_decision_save_step_merges_the_answers(practitioner):
    record = decision_start(author=practitioner)
    decision_save_step(
        record=record,
        author=practitioner,
        step="urgent",
        values={"urgent": "no"},
        completed_steps=["urgent"],
    )
    decision_save_step(
        record=record,
        author=practitioner,
        step="direction",
        values={"direction": "request"},
        completed_steps=["urgent", "direction"],
    )
    record.refresh_from_db()
    assert record.answers == {"urgent": "no", "direction": "request"}
    assert record.completed_steps == ["urgent", "direction"]
    steps = AuditEvent.objects.filter(record=record, event="step_answered")
    assert [e.details for e in steps] == [{"step": "urgent"}, {"step": "direction"}]


def test_decision_save_step_refuses_a_submitted_record(practitioner):
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    events = AuditEvent.objects.count()

    with pytest.raises(StaleState):
        decision_save_step(
            record=record,
            author=practitioner,
            step="consent",
            values={"consent": "no"},
            completed_steps=record.completed_steps,
        )

    record.refresh_from_db()
    assert record.answers["consent"] == "yes"
    assert AuditEvent.objects.count() == events


def test_decision_save_step_refuses_another_users_draft(practitioner, practitioner2):
    record = decision_start(author=practitioner)
    with pytest.raises(StaleState):
        decision_save_step(
            record=record,
            author=practitioner2,
            step="urgent",
            values={"urgent": "no"},
            completed_steps=["urgent"],
        )
    record.refresh_from_db()
    assert record.answers == {}


def test_decision_submit_wins_once(practitioner):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    # A second tab still holds the draft as it was before the first submit.
    other_tab = DecisionRecord.objects.get(pk=draft.pk)
    plan = wizard.plan_for(other_tab)
    answers = wizard.answers_on_path(plan, other_tab.answers)

    wizard.submit(record=draft, author=practitioner, ip=None)
    with pytest.raises(StaleState):
        decision_submit(
            record=other_tab,
            author=practitioner,
            answers=answers,
            path=plan.decision.path,
            outcome="share_with_consent",
            shares=True,
            requires_approval=False,
            approval_timing=None,
            flowchart_version="2018.1",
            snapshot={"tampered": True},
            summary={},
        )

    draft.refresh_from_db()
    assert draft.state == DecisionRecord.State.AWAITING_APPROVAL
    assert draft.outcome == "share_without_consent"
    assert "tampered" not in draft.snapshot
    assert AuditEvent.objects.filter(record=draft, event="submitted").count() == 1


def test_decision_submit_twice_raises_stale_state(practitioner):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    wizard.submit(record=draft, author=practitioner, ip=None)
    with pytest.raises(StaleState):
        wizard.submit(record=draft, author=practitioner, ip=None)
    assert AuditEvent.objects.filter(record=draft, event="submitted").count() == 1


def test_audit_log_stores_who_what_where(manager):
    record = decision_start(author=manager)

    event = audit_log(
        event=AuditEvent.Event.VIEWED,
        actor=manager,
        record=record,
        ip="2001:db8::5",
        details={"note": "fictional", "count": 2},
    )

    event = AuditEvent.objects.get(pk=event.pk)
    assert event.event == "viewed"
    assert event.actor == manager
    assert event.actor_username == "manager"
    assert event.actor_role == "manager"
    assert event.record == record
    assert event.record_reference == record.reference
    assert event.ip == "2001:db8::5"
    assert event.details == {"note": "fictional", "count": 2}
    assert event.at is not None


def test_audit_log_refuses_to_lose_its_actor(practitioner):
    """A user with audit events is deactivated, never deleted: deleting would rewrite rows."""
    event = audit_log(event=AuditEvent.Event.LOGIN, actor=practitioner, ip="192.0.2.9")
    with pytest.raises(ProtectedError):
        practitioner.delete()
    event.refresh_from_db()
    assert event.actor == practitioner
    assert event.actor_username == "practitioner"
    assert event.actor_role == "practitioner"


def test_audit_log_without_an_actor(db):
    event = audit_log(event=AuditEvent.Event.LOGIN_FAILED, details={"username": "nobody"})
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_username == ""
    assert event.actor_role == ""
    assert event.record is None
    assert event.record_reference == ""
    assert event.ip is None
    assert event.details == {"username": "nobody"}


def test_decision_submit_copies_the_outcome_title_and_grounds_for_the_queue(practitioner):
    answers = demo.finished_answers(
        "share_without_consent", purpose_grounds=["protect_from_harm", "address_risk"]
    )
    record = demo.create_submitted(author=practitioner, answers=answers)

    stored = DecisionRecord.objects.get(pk=record.pk)
    assert stored.outcome_title == stored.snapshot["outcome"]["title"] != ""
    assert stored.grounds_summary == "; ".join(stored.snapshot["grounds"])
    assert "To understand and address a risk" in stored.grounds_summary


def test_the_migration_copies_the_queue_summary_of_the_records_already_there(practitioner):
    from importlib import import_module

    from django.apps import apps

    fill = import_module("records.migrations.0013_queue_summary").fill
    made = [
        demo.create_submitted(author=practitioner, answers=demo.finished_answers(outcome))
        for outcome in ("share_with_consent", "not_share_no_purpose", "share_without_consent")
    ]
    draft = demo.create_draft(author=practitioner, answers={**demo.CONTEXT}, complete=False)
    copied = "outcome_title", "grounds_summary"
    kept = list(DecisionRecord.objects.order_by("pk").values_list(*copied))
    DecisionRecord.objects.update(outcome_title="", grounds_summary="")

    fill(apps, None)

    assert list(DecisionRecord.objects.order_by("pk").values_list(*copied)) == kept
    assert all(title for title, _ in kept[: len(made)])
    assert DecisionRecord.objects.get(pk=draft.pk).outcome_title == ""
