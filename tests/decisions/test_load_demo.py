import io

import pytest
from django.core.management import CommandError, call_command

from decisions.flowchart import OUTCOMES
from records import insight_counts
from records.models import (
    AuditEvent,
    DecisionRecord,
    Disagreement,
    DisagreementStep,
    ManagerDecision,
    SharingConfirmation,
    Submission,
    User,
)
from records.selectors import earlier_decisions, overdue_everywhere

DEMO_USERS = {"practitioner", "practitioner2", "manager", "manager2", "auditor", "admin"}


def load_demo():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_it_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load_demo()
    assert not User.objects.exists()
    assert not DecisionRecord.objects.exists()


def test_it_creates_the_demo_users(db, settings):
    settings.DEBUG = True
    load_demo()

    assert set(User.objects.values_list("username", flat=True)) == DEMO_USERS
    practitioner = User.objects.get(username="practitioner")
    practitioner2 = User.objects.get(username="practitioner2")
    manager = User.objects.get(username="manager")
    manager2 = User.objects.get(username="manager2")
    assert practitioner.role == User.Role.PRACTITIONER
    assert practitioner2.team == practitioner.team
    assert manager.role == User.Role.MANAGER
    assert list(manager.managed_teams.all()) == [practitioner.team]
    assert manager2.team != practitioner.team
    assert list(manager2.managed_teams.all()) == [manager2.team]
    assert User.objects.get(username="auditor").role == User.Role.AUDITOR
    assert User.objects.get(username="admin").is_superuser
    assert practitioner.check_password("demo")


def test_it_creates_records_for_every_outcome_and_state(db, settings):
    settings.DEBUG = True
    load_demo()

    submitted = DecisionRecord.objects.exclude(state=DecisionRecord.State.DRAFT)
    assert set(submitted.values_list("outcome", flat=True)) == set(OUTCOMES)
    states = set(DecisionRecord.objects.values_list("state", flat=True))
    assert states == {state.value for state in DecisionRecord.State}
    kinds = set(ManagerDecision.objects.values_list("kind", flat=True))
    assert kinds == {kind.value for kind in ManagerDecision.Kind}
    assert SharingConfirmation.objects.exists()
    assert Submission.objects.filter(number=2).exists()
    assert DecisionRecord.objects.filter(reconsiders__isnull=False).exists()
    assert overdue_everywhere()
    assert all(record.snapshot["steps"] for record in submitted)
    # A case decided twice: consent with limits, then a decision shown the first.
    first, second = submitted.filter(subject_reference="DEMO-C-0500").order_by("submitted_at", "id")
    assert first.snapshot["consent_limits"]["information"]
    assert second.snapshot["earlier_decisions_shown"] == [first.reference]
    assert [row["reference"] for row in earlier_decisions(second.author, "DEMO-C-0500")] == [
        second.reference,
        first.reference,
    ]
    # Disagreements: one resolved, one open with its steps.
    assert set(Disagreement.objects.values_list("status", flat=True)) == {"open", "resolved"}
    assert Disagreement.objects.get(status="open").record == second
    assert DisagreementStep.objects.filter(disagreement__record=second).count() == 2
    # Fictional case references only.
    assert all(r.startswith("DEMO-") for r in submitted.values_list("subject_reference", flat=True))


def test_it_does_not_duplicate_when_run_twice(db, settings):
    settings.DEBUG = True
    load_demo()
    counts = (User.objects.count(), DecisionRecord.objects.count(), AuditEvent.objects.count())

    output = load_demo()

    assert "already loaded" in output
    assert (
        User.objects.count(),
        DecisionRecord.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_it_leaves_a_demo_that_verify_audit_and_the_insight_counts_accept(db, settings):
    # The overdue item is submitted with the clock a week back, never backdated afterwards.
    settings.DEBUG = True
    load_demo()
    out = io.StringIO()

    call_command("verify_audit", stdout=out)  # raises SystemExit on a mismatch

    assert "records match their fingerprints" in out.getvalue()
    assert insight_counts.verify() == []
    assert overdue_everywhere()
