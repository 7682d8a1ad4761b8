"""One winner: two managers acting on the same decision at the same moment.

Each manager runs in a thread of their own, with a database connection of their own, as
two requests would. A barrier holds both until each has loaded the record and passed the
permission checks, so both reach the conditional UPDATE together: exactly one transition,
one audit event and one manager's decision; the other manager gets ``StaleState`` naming
who acted first. Runs on PostgreSQL under ``scripts/with-postgres.sh`` (``make test``).
"""

import threading

import pytest
from django.db import connection

from decisions import demo
from records import services
from records.models import AuditEvent, DecisionRecord, ManagerDecision, User
from records.services import StaleState, decision_act

State = DecisionRecord.State

ROUNDS = 3  # a few races per test, each on a fresh record

pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason=(
        "SQLite's shared-cache in-memory test database answers a second concurrent writer "
        "with 'database table is locked' instead of waiting, so the threads cannot race "
        "there. The conditional UPDATE under test is the same code on every database; "
        "test_approval_services covers acting second from a stale page on SQLite, and this "
        "race runs on PostgreSQL (scripts/with-postgres.sh)."
    ),
)


@pytest.fixture
def deputy(family_team):
    user = User.objects.create_user(
        username="deputy",
        role=User.Role.MANAGER,
        team=family_team,
        organisation=family_team.organisation,
        first_name="Deputy",
        last_name="Testuser",
    )
    user.managed_teams.set([family_team])
    return user


@pytest.fixture
def both_pass_the_checks_together(monkeypatch):
    """Hold each manager after the permission checks until the other has passed them too."""
    barrier = threading.Barrier(2, timeout=30)
    checks = services._ensure_may_act

    def checked_then_wait(manager, record):
        checks(manager, record)
        barrier.wait()

    monkeypatch.setattr(services, "_ensure_may_act", checked_then_wait)
    return barrier


def _race(record, actions):
    """Run each (manager, kind) in its own thread at once; return what each got."""
    results: dict[str, object] = {}
    start = threading.Barrier(len(actions), timeout=30)

    def act(manager, kind):
        try:
            page = DecisionRecord.objects.get(pk=record.pk)  # each manager's own page
            start.wait()
            results[manager.username] = decision_act(
                record=page, manager=manager, kind=kind, comment="Decided in a race."
            )
        except Exception as error:  # noqa: BLE001  (reported to the test below)
            results[manager.username] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=action) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


def _submitted(author, outcome, **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("outcome", "overrides", "first", "second", "expected_state", "event"),
    [
        ("share_without_consent", {}, "approved", "approved", State.APPROVED, "approved"),
        ("share_without_consent", {}, "approved", "rejected", None, None),
        ("not_share_no_basis", {}, "approved", "returned", None, None),
        ("share_without_consent", {"urgent": "yes"}, "endorsed", "concern", State.RECORDED, None),
    ],
)
def test_two_managers_acting_at_once_one_wins(
    practitioner,
    manager,
    deputy,
    both_pass_the_checks_together,
    outcome,
    overrides,
    first,
    second,
    expected_state,
    event,
):
    assert not connection.in_atomic_block  # real transactions, as in production
    names = {"Manager Testuser": manager, "Deputy Testuser": deputy}
    for _ in range(ROUNDS):
        record = _submitted(practitioner, outcome, **overrides)
        events_before = AuditEvent.objects.filter(record=record).count()

        results = _race(record, [(manager, first), (deputy, second)])

        winners = {name: r for name, r in results.items() if isinstance(r, ManagerDecision)}
        losers = {name: r for name, r in results.items() if isinstance(r, StaleState)}
        assert len(winners) == 1, results
        assert len(losers) == 1, results
        [(winner_name, decision)] = winners.items()
        [(loser_name, stale)] = losers.items()
        winner = decision.by
        assert winner.username == winner_name != loser_name

        record.refresh_from_db()
        if expected_state is not None:
            assert record.state == expected_state
        assert ManagerDecision.objects.filter(record=record).count() == 1
        assert ManagerDecision.objects.get(record=record).by == winner
        new_events = AuditEvent.objects.filter(record=record).order_by("pk")[events_before:]
        assert len(new_events) == 1
        assert new_events[0].actor == winner
        if event is not None:
            assert new_events[0].event == event

        # The other manager is told it was already dealt with, and by whom.
        message = str(stale)
        assert "already been dealt with" in message
        [named] = [name for name in names if name in message]
        assert names[named] == winner


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_one_approval(
    practitioner, manager, deputy, both_pass_the_checks_together
):
    """The brief's case on its own: the same decision, two managers, approve at once."""
    record = _submitted(practitioner, "share_without_consent")

    results = _race(record, [(manager, "approved"), (deputy, "approved")])

    outcomes = sorted(type(result).__name__ for result in results.values())
    assert outcomes == ["ManagerDecision", "StaleState"], results
    record.refresh_from_db()
    assert record.state == State.APPROVED
    assert AuditEvent.objects.filter(record=record, event="approved").count() == 1
    assert ManagerDecision.objects.filter(record=record).count() == 1
