"""The counts behind the management information always equal a recount of the records.

A Hypothesis state machine runs random sequences of the services (submit, resubmit after a
return, approve, return, reject, endorse, record a concern, confirm sharing, reconsider,
discard a draft, delete under retention, legal holds) by practitioners of two teams and one
in no team, with a clock that moves on by random minutes across month ends and the clock
changes, and after every step compares every kept count with a recount (records.insight_counts
.verify). Then: the rebuild command, and (PostgreSQL) counts added at once from many threads.
"""

from __future__ import annotations

import datetime
import threading
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from decisions import demo, wizard
from decisions.steps import make_plan
from records import insight_counts, services
from records.models import DecisionRecord, InsightCount, User
from tests.conftest import _user

State = DecisionRecord.State
LONDON = ZoneInfo("Europe/London")
OUTCOMES = list(demo.CASES)
# Weighted to the outcomes a manager acts on, so that sequences reach every state.
SUBMITTED = [*OUTCOMES, *["share_without_consent"] * 4, *["not_share_no_basis"] * 2]
REASONS = ["refused", "increase_risk", "undue_delay", "cannot_find"]


def _pick(records, index):
    records = list(records.order_by("pk"))
    return records[index % len(records)] if records else None


class ServicesKeepCounts(RuleBasedStateMachine):
    """Set up by the test below (users made once; each example rolled back)."""

    users: dict[str, User] = {}

    @initialize()
    def start(self):
        self.now = datetime.datetime(2025, 1, 30, 12, 0, tzinfo=LONDON)
        self.clock = mock.patch("django.utils.timezone.now", side_effect=lambda: self.now)
        self.clock.start()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.states = set()

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
            self.clock.stop()

    @invariant()
    def counts_equal_a_recount(self):
        if hasattr(self, "atomic"):
            assert insight_counts.verify() == []
            # What the rules below may act on next (so they act, rather than find nothing).
            self.states = set(DecisionRecord.objects.values_list("state", flat=True))

    def has(self, *states) -> bool:
        return bool(getattr(self, "states", set()) & set(states))

    @rule(minutes=st.integers(1, 60 * 24 * 45))
    def time_passes(self, minutes):
        self.now += datetime.timedelta(minutes=minutes)

    @rule(
        author=st.sampled_from(["practitioner", "practitioner2", "school", "teamless"]),
        outcome=st.sampled_from(SUBMITTED),
        urgent=st.booleans(),
        reason=st.sampled_from(REASONS),
        agency=st.sampled_from(["Agency A (fictional)", "Agency B (fictional)"]),
        review_in=st.integers(-40, 120),
    )
    def submit(self, author, outcome, urgent, reason, agency, review_in):
        overrides = {
            "review_date": (self.now.date() + datetime.timedelta(days=review_in)).isoformat()
        }
        if outcome == "share_without_consent":
            overrides.update(urgent="yes" if urgent else "no", consent_absent_reason=reason)
        if "other_agency" in demo.CASES[outcome]:
            overrides["other_agency"] = agency
        demo.create_submitted(
            author=self.users[author], answers=demo.finished_answers(outcome, **overrides)
        )

    @precondition(lambda self: self.has(State.AWAITING_APPROVAL))
    @rule(
        index=st.integers(0, 1000),
        kind=st.sampled_from(["approved", "approved", "returned", "rejected"]),
    )
    def manager_decides(self, index, kind):
        self._act(State.AWAITING_APPROVAL, index, kind)

    @precondition(lambda self: self.has(State.AWAITING_REVIEW))
    @rule(index=st.integers(0, 1000), kind=st.sampled_from(["endorsed", "concern"]))
    def manager_reviews(self, index, kind):
        self._act(State.AWAITING_REVIEW, index, kind)

    def _act(self, state, index, kind):
        record = _pick(DecisionRecord.objects.filter(state=state, team__isnull=False), index)
        if record is None:  # only the teamless practitioner's: nobody may act on it
            return
        manager = self.users["manager" if record.team.name.startswith("Family") else "manager2"]
        services.decision_act(record=record, manager=manager, kind=kind, comment="Fictional.")

    @precondition(lambda self: self.has(State.RETURNED))
    @rule(index=st.integers(0, 1000), outcome=st.sampled_from(OUTCOMES))
    def resubmit(self, index, outcome):
        """Answered again, perhaps to another outcome, and submitted as a new round."""
        record = _pick(DecisionRecord.objects.filter(state=State.RETURNED), index)
        if record is None:
            return
        answers = demo.finished_answers(outcome, review_date=self.now.date().isoformat())
        plan = make_plan({**record.answers, **answers}, [])
        services.decision_save_step(
            record=record,
            author=record.author,
            step="again",
            values=answers,
            completed_steps=plan.steps,
        )
        wizard.submit(record=record, author=record.author, ip=None)

    @precondition(lambda self: self.has(State.APPROVED))
    @rule(index=st.integers(0, 1000))
    def confirm_sharing(self, index):
        record = _pick(DecisionRecord.objects.filter(state=State.APPROVED), index)
        if record is not None:
            services.decision_confirm_sharing(
                record=record,
                author=record.author,
                shared_on=self.now.date(),
                means="Secure email",
                recipient="Duty officer (fictional)",
            )

    @precondition(lambda self: self.has(State.REJECTED, State.RECORDED))
    @rule(index=st.integers(0, 1000))
    def reconsider(self, index):
        records = DecisionRecord.objects.filter(
            state__in=[State.REJECTED, State.RECORDED], shares=False, direction="request"
        ) | DecisionRecord.objects.filter(state=State.REJECTED)
        record = _pick(records.distinct(), index)
        if record is not None:
            services.decision_reconsider(record=record, user=record.author)

    @precondition(lambda self: self.has(State.DRAFT))
    @rule(index=st.integers(0, 1000))
    def discard_draft(self, index):
        record = _pick(DecisionRecord.objects.filter(state=State.DRAFT), index)
        if record is not None:
            services.decision_discard(record=record, author=record.author)

    @precondition(lambda self: self.has(State.REJECTED, State.RECORDED))
    @rule(index=st.integers(0, 1000), hold=st.booleans())
    def delete_under_retention(self, index, hold):
        record = _pick(
            DecisionRecord.objects.filter(
                state__in=[State.RECORDED, State.REJECTED],
                reconsiderations__isnull=True,
                legal_hold=False,
            ),
            index,
        )
        if record is None:
            return
        if hold:  # held, it stays and is still counted
            services.legal_hold_set(record=record, auditor=self.users["auditor"], reason="Claim.")
            with pytest.raises(services.StaleState):
                services.record_delete_for_retention(
                    record=record, on=record.retain_until + datetime.timedelta(days=1)
                )
        else:
            services.record_delete_for_retention(
                record=record, on=record.retain_until + datetime.timedelta(days=1)
            )


@pytest.mark.django_db
def test_the_counts_equal_a_recount_after_every_step_of_any_sequence_of_services(
    practitioner, practitioner2, manager, manager2, auditor, school_team, mailoutbox
):
    ServicesKeepCounts.users = {
        "practitioner": practitioner,
        "practitioner2": practitioner2,
        "school": _user("schoolpractitioner", "practitioner", school_team),
        "teamless": _user("teamless", "practitioner", None),
        "manager": manager,
        "manager2": manager2,
        "auditor": auditor,
    }
    runner = ServicesKeepCounts.TestCase
    runner.settings = settings(
        max_examples=25,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    runner().runTest()


@pytest.mark.django_db
def test_a_sequence_of_services_moves_the_counts_as_expected(practitioner, manager):
    """One path by hand: submitted awaiting approval, returned, resubmitted as a share with
    consent (recorded): the awaiting cell goes 1, 0; returned 1, 0; recorded 1."""

    def cells():
        kept = InsightCount.objects.exclude(n=0).exclude(team_key=insight_counts.ALL_TEAMS)
        return {(row.outcome, row.state): row.n for row in kept}

    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    assert cells() == {("share_without_consent", State.AWAITING_APPROVAL): 1}
    services.decision_act(record=record, manager=manager, kind="returned", comment="Fictional.")
    assert cells() == {("share_without_consent", State.RETURNED): 1}
    demo.resubmit(
        record=record, author=practitioner, values=demo.finished_answers("share_with_consent")
    )
    assert cells() == {("share_with_consent", State.RECORDED): 1}
    assert insight_counts.verify() == []


@pytest.mark.django_db
def test_rebuild_restores_counts_and_check_reports_differences(practitioner, capsys):
    demo.create_submitted(author=practitioner, answers=demo.finished_answers("share_with_consent"))
    call_command("rebuild_insight_counts", "--check")
    # As if records had been loaded some other way (the cell, and its sum over all teams).
    InsightCount.objects.update(n=7)
    with pytest.raises(CommandError, match="2 counts differ"):
        call_command("rebuild_insight_counts", "--check")
    assert "kept 7, recounted 1" in capsys.readouterr().out
    call_command("rebuild_insight_counts")
    assert insight_counts.verify() == []
    assert list(InsightCount.objects.values_list("n", flat=True)) == [1, 1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database refuses a second concurrent writer (see "
    "test_approval_race); PostgreSQL runs it under scripts/with-postgres.sh.",
)
def test_counts_added_at_once_from_many_transactions_all_land(practitioner):
    """8 threads, each 10 transactions adding 1 to the same new cell at the same moment:
    every one of the 80 lands (no lost update, no duplicate row)."""
    record = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    values = {**insight_counts.values_of(record.pk), "outcome": "race"}
    barrier = threading.Barrier(8, timeout=30)
    errors = []

    def add():
        try:
            for _ in range(10):
                with transaction.atomic():
                    barrier.wait()
                    insight_counts.change(before=None, after=values)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # One row for the team and one for all teams, each counted 80 times.
    race = InsightCount.objects.filter(outcome="race").order_by("team_key")
    assert list(race.values_list("team_key", "n")) == [
        (practitioner.team_id, 80),
        (insight_counts.ALL_TEAMS, 80),
    ]
