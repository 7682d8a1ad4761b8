"""Issue 7 at the service layer: every transition of a record awaiting a manager, every
refusal, separation of duties, and one audit event per change in the same transaction."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from decisions import demo, wizard
from records import selectors, services
from records.models import (
    AuditEvent,
    DecisionRecord,
    ManagerDecision,
    SharingConfirmation,
    Submission,
    Team,
    User,
)
from records.services import (
    OwnDecision,
    StaleState,
    decision_act,
    decision_confirm_sharing,
    decision_reconsider,
    decision_save_step,
)

State = DecisionRecord.State
Event = AuditEvent.Event


def _manager(username, team, manages):
    user = User.objects.create_user(
        username=username,
        password="not-used-here",
        role=User.Role.MANAGER,
        team=team,
        organisation=team.organisation,
        first_name=username.title(),
        last_name="Testuser",
    )
    user.managed_teams.set(manages)
    return user


@pytest.fixture
def deputy(family_team):
    """A second manager of the family team."""
    return _manager("deputy", family_team, [family_team])


@pytest.fixture
def youth_team(family_team):
    return Team.objects.create(organisation=family_team.organisation, name="Youth justice")


@pytest.fixture
def council_manager(youth_team):
    """A manager of another team in the same organisation as the family team."""
    return _manager("councilmanager", youth_team, [youth_team])


def _share(author, **overrides):
    """A share without consent: awaits prior approval."""
    return demo.create_submitted(
        author=author, answers=demo.finished_answers("share_without_consent", **overrides)
    )


def _urgent_share(author):
    """An urgent share without consent, already made: awaits review."""
    return _share(author, urgent="yes")


def _refusal(author):
    """A refusal of another agency's request: awaits prior approval."""
    return demo.create_submitted(author=author, answers=demo.finished_answers("not_share_no_basis"))


def _recorded_share(author):
    return demo.create_submitted(author=author, answers=demo.finished_answers("share_with_consent"))


class EventCounter:
    """Audit events written since it was made."""

    def __init__(self):
        self.start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def new(self):
        return list(AuditEvent.objects.filter(pk__gt=self.start).order_by("pk"))


def _snapshot_of(record):
    """Everything about a record a refused action must leave as it was."""
    fresh = DecisionRecord.objects.get(pk=record.pk)
    return (
        fresh.state,
        fresh.updated_at,
        fresh.answers,
        list(fresh.manager_decisions.values_list("kind", "by", "comment")),
        list(fresh.submissions.values_list("number", "answers")),
        SharingConfirmation.objects.filter(record=record).exists(),
    )


# --- Submission -------------------------------------------------------------------------


def test_a_share_without_consent_awaits_approval_in_round_one(practitioner, manager):
    record = _share(practitioner)

    record.refresh_from_db()
    assert record.state == State.AWAITING_APPROVAL
    assert record.approval_scope == selectors.TEAM
    submission = Submission.objects.get(record=record)
    assert submission.number == 1
    assert submission.submitted_by == practitioner
    assert submission.state_after == State.AWAITING_APPROVAL
    assert submission.answers == record.answers
    assert submission.snapshot == record.snapshot


def test_an_urgent_share_without_consent_awaits_review(practitioner, manager):
    record = _urgent_share(practitioner)
    record.refresh_from_db()
    assert record.state == State.AWAITING_REVIEW
    assert record.approval_timing == "retrospective"


# --- The manager's transitions ------------------------------------------------------------


def test_approving_a_share_makes_it_approved(practitioner, manager):
    record = _share(practitioner)
    events = EventCounter()

    decision = decision_act(record=record, manager=manager, kind="approved", ip="192.0.2.7")

    record.refresh_from_db()
    assert record.state == State.APPROVED
    assert (decision.kind, decision.by, decision.round, decision.comment) == (
        "approved",
        manager,
        1,
        "",
    )
    [event] = events.new()
    assert (event.event, event.actor, event.record, event.ip) == (
        Event.APPROVED,
        manager,
        record,
        "192.0.2.7",
    )
    assert event.details == {"action": "approved", "state": "approved", "round": 1}


def test_approving_a_refusal_records_it_at_once(practitioner, manager):
    record = _refusal(practitioner)
    events = EventCounter()

    decision_act(record=record, manager=manager, kind="approved")

    record.refresh_from_db()
    assert record.state == State.RECORDED
    assert record.is_approved_refusal
    assert [e.event for e in events.new()] == [Event.APPROVED]


def test_returning_keeps_the_managers_comment(practitioner, manager):
    record = _share(practitioner)
    events = EventCounter()

    decision_act(
        record=record, manager=manager, kind="returned", comment="  Say why consent would harm.  "
    )

    record.refresh_from_db()
    assert record.state == State.RETURNED
    assert record.is_editable
    returned = selectors.latest_return(record)
    assert (returned.by, returned.comment, returned.round) == (
        manager,
        "Say why consent would harm.",
        1,
    )
    assert [e.event for e in events.new()] == [Event.RETURNED]


def test_rejecting_keeps_the_reason(practitioner, manager):
    record = _share(practitioner)
    events = EventCounter()

    decision_act(record=record, manager=manager, kind="rejected", comment="Seek consent first.")

    record.refresh_from_db()
    assert record.state == State.REJECTED
    assert record.manager_decisions.get().comment == "Seek consent first."
    assert record.can_be_reconsidered
    assert [e.event for e in events.new()] == [Event.REJECTED]


def test_endorsing_an_urgent_share_records_it(practitioner, manager):
    record = _urgent_share(practitioner)
    events = EventCounter()

    decision_act(record=record, manager=manager, kind="endorsed")

    record.refresh_from_db()
    assert record.state == State.RECORDED
    assert record.manager_decisions.get().kind == ManagerDecision.Kind.ENDORSED
    [event] = events.new()
    assert event.event == Event.REVIEWED
    assert event.details["action"] == "endorsed"


def test_a_concern_is_recorded_and_stays_on_the_record(practitioner, manager):
    record = _urgent_share(practitioner)
    events = EventCounter()

    decision_act(
        record=record, manager=manager, kind="concern", comment="Ring the duty desk first."
    )

    record.refresh_from_db()
    assert record.state == State.RECORDED
    [concern] = selectors.concerns_for(record)
    assert (concern.by, concern.comment) == (manager, "Ring the duty desk first.")
    timeline = selectors.record_timeline(record)
    assert [entry.title for entry in timeline] == ["Submitted", "Concern recorded"]
    assert timeline[-1].comment == "Ring the duty desk first."
    [event] = events.new()
    assert (event.event, event.details["action"]) == (Event.REVIEWED, "concern")


def test_confirming_the_sharing_completes_an_approved_share(practitioner, manager):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="approved")
    events = EventCounter()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    confirmation = decision_confirm_sharing(
        record=record,
        author=practitioner,
        shared_on=yesterday,
        means="Secure email",
        recipient="Duty sergeant",
    )

    record.refresh_from_db()
    assert record.state == State.RECORDED
    assert (confirmation.shared_on, confirmation.means, confirmation.recipient) == (
        yesterday,
        "Secure email",
        "Duty sergeant",
    )
    assert confirmation.confirmed_by == practitioner
    [event] = events.new()
    assert (event.event, event.actor, event.details) == (
        Event.SHARING_CONFIRMED,
        practitioner,
        {"shared_on": yesterday.isoformat()},
    )
    titles = [entry.title for entry in selectors.record_timeline(record)]
    assert titles == ["Submitted", "Approved", "Sharing confirmed"]


def test_the_sharing_date_cannot_be_in_the_future(practitioner, manager):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="approved")
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(ValidationError):
        decision_confirm_sharing(
            record=record,
            author=practitioner,
            shared_on=timezone.localdate() + datetime.timedelta(days=1),
            means="Secure email",
            recipient="Duty sergeant",
        )

    assert _snapshot_of(record) == before
    assert events.new() == []


# --- Returned, changed, resubmitted ---------------------------------------------------------


def test_a_returned_decision_is_resubmitted_as_round_two(practitioner, manager):
    record = _share(practitioner)
    round_one = Submission.objects.get(record=record)
    answers_one, snapshot_one = round_one.answers, round_one.snapshot
    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    record.refresh_from_db()

    decision_save_step(
        record=record,
        author=practitioner,
        step="proportionality",
        values={"proportionality": "Fictional example: a fuller weighing of the harm."},
        completed_steps=record.completed_steps,
    )
    events = EventCounter()
    wizard.submit(record=record, author=practitioner, ip=None)

    record.refresh_from_db()
    assert record.state == State.AWAITING_APPROVAL
    assert record.answers["proportionality"] == "Fictional example: a fuller weighing of the harm."
    one, two = Submission.objects.filter(record=record).order_by("number")
    assert (one.number, two.number) == (1, 2)
    assert (one.answers, one.snapshot) == (answers_one, snapshot_one)
    assert one.answers["proportionality"] == demo.WITH_REASON["proportionality"]
    assert two.answers["proportionality"].endswith("a fuller weighing of the harm.")
    assert two.snapshot == record.snapshot != one.snapshot
    assert two.state_after == State.AWAITING_APPROVAL
    [event] = events.new()
    assert (event.event, event.details["round"]) == (Event.SUBMITTED, 2)

    # The manager now acts on round 2; round 1's comment stays with round 1.
    decision_act(record=record, manager=manager, kind="approved")
    rounds = selectors.rounds_for(record)
    assert [(s.number, [d.kind for d in ds]) for s, ds in rounds] == [
        (1, ["returned"]),
        (2, ["approved"]),
    ]
    titles = [entry.title for entry in selectors.record_timeline(record)]
    assert titles == ["Submitted", "Returned for changes", "Resubmitted", "Approved"]


def test_a_decision_cannot_be_resubmitted_while_awaiting_approval(practitioner, manager):
    record = _share(practitioner)
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(StaleState):
        wizard.submit(record=record, author=practitioner, ip=None)

    assert _snapshot_of(record) == before
    assert events.new() == []


def test_a_returned_decision_cannot_be_changed_by_anyone_else(practitioner, practitioner2, manager):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    with pytest.raises(StaleState):
        decision_save_step(
            record=record,
            author=practitioner2,
            step="proportionality",
            values={"proportionality": "Not theirs to change."},
            completed_steps=[],
        )
    with pytest.raises(StaleState):
        wizard.submit(record=record, author=practitioner2, ip=None)
    record.refresh_from_db()
    assert record.state == State.RETURNED
    assert record.submissions.count() == 1


# --- Reconsideration ---------------------------------------------------------------------


def test_reconsidering_a_rejected_decision_starts_a_linked_draft(practitioner, manager):
    old = _share(practitioner)
    decision_act(record=old, manager=manager, kind="rejected", comment="Seek consent first.")
    before = _snapshot_of(old)
    events = EventCounter()

    new = decision_reconsider(record=old, user=practitioner, ip="192.0.2.8")

    new.refresh_from_db()
    assert new.state == State.DRAFT
    assert new.author == practitioner
    assert new.reconsiders == old
    assert new.answers == DecisionRecord.objects.get(pk=old.pk).answers
    assert new.reference != old.reference
    assert list(old.reconsiderations.all()) == [new]
    assert _snapshot_of(old) == before
    assert [(e.event, e.record_id) for e in events.new()] == [
        (Event.RECORD_CREATED, new.pk),
        (Event.RECONSIDERED, old.pk),
    ]


def test_reconsidering_an_approved_refusal(practitioner, manager):
    old = _refusal(practitioner)
    decision_act(record=old, manager=manager, kind="approved")
    new = decision_reconsider(record=old, user=practitioner)
    assert new.reconsiders == old
    assert DecisionRecord.objects.get(pk=old.pk).state == State.RECORDED


def test_a_recorded_share_cannot_be_reconsidered(practitioner):
    record = _recorded_share(practitioner)
    events = EventCounter()
    with pytest.raises(StaleState):
        decision_reconsider(record=record, user=practitioner)
    assert DecisionRecord.objects.count() == 1
    assert events.new() == []


def test_decisions_awaiting_a_manager_cannot_be_reconsidered(practitioner, manager):
    record = _share(practitioner)
    with pytest.raises(StaleState):
        decision_reconsider(record=record, user=practitioner)
    assert DecisionRecord.objects.count() == 1


def test_only_the_author_or_a_manager_of_the_team_reconsiders(
    practitioner, practitioner2, manager, manager2, auditor
):
    old = _share(practitioner)
    decision_act(record=old, manager=manager, kind="rejected", comment="Seek consent first.")
    for user in (practitioner2, manager2, auditor):
        with pytest.raises(PermissionDenied):
            decision_reconsider(record=old, user=user)
    assert DecisionRecord.objects.count() == 1
    assert decision_reconsider(record=old, user=manager).author == manager


# --- Refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["approved", "returned", "rejected"])
def test_a_manager_cannot_act_on_their_own_decision(manager, deputy, kind):
    record = _share(manager)
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(OwnDecision):
        decision_act(record=record, manager=manager, kind=kind, comment="My own.")

    assert _snapshot_of(record) == before
    assert events.new() == []


@pytest.mark.parametrize("kind", ["endorsed", "concern"])
def test_a_manager_cannot_review_their_own_urgent_share(manager, council_manager, kind):
    record = _urgent_share(manager)
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(OwnDecision):
        decision_act(record=record, manager=manager, kind=kind, comment="My own.")

    assert _snapshot_of(record) == before
    assert events.new() == []


def test_own_decision_is_a_permission_denied_that_says_why(manager, deputy):
    record = _share(manager)
    with pytest.raises(PermissionDenied, match="another manager"):
        decision_act(record=record, manager=manager, kind="approved")


def test_a_manager_of_another_team_cannot_act(practitioner, manager, manager2):
    record = _share(practitioner)
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(PermissionDenied) as refused:
        decision_act(record=record, manager=manager2, kind="approved")

    assert not isinstance(refused.value, OwnDecision)
    assert _snapshot_of(record) == before
    assert events.new() == []


def test_a_manager_of_another_team_in_the_same_organisation_cannot_act(
    practitioner, manager, council_manager
):
    """The organisation's managers step in only where the team has no other manager."""
    record = _share(practitioner)
    with pytest.raises(PermissionDenied):
        decision_act(record=record, manager=council_manager, kind="approved")
    assert DecisionRecord.objects.get(pk=record.pk).state == State.AWAITING_APPROVAL


@pytest.mark.parametrize("who", ["practitioner2", "auditor"])
@pytest.mark.parametrize("kind", ["approved", "returned", "rejected"])
def test_practitioners_and_auditors_cannot_act(request, practitioner, manager, who, kind):
    actor = request.getfixturevalue(who)
    record = _share(practitioner)
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(PermissionDenied):
        decision_act(record=record, manager=actor, kind=kind, comment="Not mine to give.")

    assert _snapshot_of(record) == before
    assert events.new() == []


@pytest.mark.parametrize("who", ["practitioner2", "auditor"])
def test_practitioners_and_auditors_cannot_review(request, practitioner, manager, who):
    actor = request.getfixturevalue(who)
    record = _urgent_share(practitioner)
    with pytest.raises(PermissionDenied):
        decision_act(record=record, manager=actor, kind="endorsed")
    assert DecisionRecord.objects.get(pk=record.pk).state == State.AWAITING_REVIEW


@pytest.mark.parametrize(
    ("kind", "make"),
    [("returned", _share), ("rejected", _share), ("concern", _urgent_share)],
)
@pytest.mark.parametrize("comment", ["", "   \n\t "])
def test_a_comment_is_required_to_return_reject_or_raise_a_concern(
    practitioner, manager, kind, make, comment
):
    record = make(practitioner)
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(ValidationError):
        decision_act(record=record, manager=manager, kind=kind, comment=comment)

    assert _snapshot_of(record) == before
    assert events.new() == []


def test_an_unknown_action_is_refused(practitioner, manager):
    record = _share(practitioner)
    with pytest.raises(ValueError, match="Unknown action"):
        decision_act(record=record, manager=manager, kind="shrugged")
    assert DecisionRecord.objects.get(pk=record.pk).state == State.AWAITING_APPROVAL


def test_a_returned_decision_cannot_be_approved(practitioner, manager, deputy):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    before = _snapshot_of(record)
    events = EventCounter()
    stale_page = DecisionRecord.objects.get(pk=record.pk)
    stale_page.state = State.AWAITING_APPROVAL  # what deputy's open page still believes

    with pytest.raises(StaleState) as stale:
        decision_act(record=stale_page, manager=deputy, kind="approved")

    message = str(stale.value)
    assert record.reference in message
    assert "returned for changes" in message
    assert "Manager Testuser" in message
    assert _snapshot_of(record) == before
    assert events.new() == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("approved", "approved"),
        ("approved", "rejected"),
        ("returned", "approved"),
        ("rejected", "returned"),
    ],
)
def test_acting_second_is_stale_and_names_who_acted_first(
    practitioner, manager, deputy, first, second
):
    record = _share(practitioner)
    second_page = DecisionRecord.objects.get(pk=record.pk)
    decision_act(record=record, manager=manager, kind=first, comment="First.")
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(StaleState) as stale:
        decision_act(record=second_page, manager=deputy, kind=second, comment="Second.")

    message = str(stale.value)
    assert "already been dealt with" in message
    assert "Manager Testuser" in message
    assert ManagerDecision.Kind(first).label.lower() in message
    assert _snapshot_of(record) == before
    assert events.new() == []
    assert ManagerDecision.objects.filter(record=record).count() == 1


def test_the_same_manager_acting_twice_is_stale(practitioner, manager):
    record = _urgent_share(practitioner)
    decision_act(record=record, manager=manager, kind="endorsed")
    with pytest.raises(StaleState, match="endorsed by Manager Testuser"):
        decision_act(record=record, manager=manager, kind="endorsed")
    assert AuditEvent.objects.filter(record=record, event=Event.REVIEWED).count() == 1


@pytest.mark.parametrize("kind", ["endorsed", "concern"])
def test_a_decision_awaiting_approval_cannot_be_reviewed(practitioner, manager, kind):
    record = _share(practitioner)
    before = _snapshot_of(record)
    with pytest.raises(StaleState) as stale:
        decision_act(record=record, manager=manager, kind=kind, comment="Wrong action.")
    assert "awaiting approval" in str(stale.value)
    assert "not awaiting" not in str(stale.value)
    assert _snapshot_of(record) == before


@pytest.mark.parametrize("kind", ["approved", "returned", "rejected"])
def test_an_urgent_share_awaiting_review_cannot_be_approved(practitioner, manager, kind):
    record = _urgent_share(practitioner)
    before = _snapshot_of(record)
    with pytest.raises(StaleState) as stale:
        decision_act(record=record, manager=manager, kind=kind, comment="Wrong action.")
    assert "awaiting review" in str(stale.value)
    assert "not awaiting" not in str(stale.value)
    assert _snapshot_of(record) == before


def test_a_resubmitted_decision_does_not_blame_the_earlier_return(practitioner, manager):
    """Round 2 awaits approval: a wrong action on it is not 'already returned'."""
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    record.refresh_from_db()
    wizard.submit(record=record, author=practitioner, ip=None)
    with pytest.raises(StaleState) as stale:
        decision_act(record=record, manager=manager, kind="endorsed")
    assert "already been dealt with" not in str(stale.value)
    assert "awaiting approval" in str(stale.value)


def test_a_draft_cannot_be_acted_on(practitioner, manager):
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    with pytest.raises(StaleState):
        decision_act(record=draft, manager=manager, kind="approved")
    assert DecisionRecord.objects.get(pk=draft.pk).state == State.DRAFT
    assert not ManagerDecision.objects.exists()


def test_sharing_cannot_be_confirmed_before_approval(practitioner, manager):
    record = _share(practitioner)
    before = _snapshot_of(record)
    events = EventCounter()
    with pytest.raises(StaleState):
        decision_confirm_sharing(
            record=record,
            author=practitioner,
            shared_on=timezone.localdate(),
            means="Secure email",
            recipient="Duty sergeant",
        )
    assert _snapshot_of(record) == before
    assert events.new() == []


@pytest.mark.parametrize("outcome", ["rejected", "returned", "recorded_refusal"])
def test_sharing_cannot_be_confirmed_unless_approved(practitioner, manager, outcome):
    if outcome == "recorded_refusal":
        record = _refusal(practitioner)
        decision_act(record=record, manager=manager, kind="approved")
    else:
        record = _share(practitioner)
        decision_act(record=record, manager=manager, kind=outcome, comment="No.")
    before = _snapshot_of(record)
    with pytest.raises(StaleState):
        decision_confirm_sharing(
            record=record,
            author=practitioner,
            shared_on=timezone.localdate(),
            means="Secure email",
            recipient="Duty sergeant",
        )
    assert _snapshot_of(record) == before


@pytest.mark.parametrize("who", ["practitioner2", "manager"])
def test_only_the_author_confirms_the_sharing(request, practitioner, manager, who):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="approved")
    before = _snapshot_of(record)
    events = EventCounter()
    with pytest.raises(StaleState):
        decision_confirm_sharing(
            record=record,
            author=request.getfixturevalue(who),
            shared_on=timezone.localdate(),
            means="Secure email",
            recipient="Duty sergeant",
        )
    assert _snapshot_of(record) == before
    assert events.new() == []


def test_sharing_is_confirmed_once(practitioner, manager):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="approved")
    demo.confirm_sharing(record=record, author=practitioner)
    with pytest.raises(StaleState):
        demo.confirm_sharing(record=record, author=practitioner)
    assert SharingConfirmation.objects.filter(record=record).count() == 1
    assert AuditEvent.objects.filter(record=record, event=Event.SHARING_CONFIRMED).count() == 1


# --- Separation of duties ---------------------------------------------------------------


def test_a_managers_decision_goes_to_the_teams_other_managers(
    manager, deputy, council_manager, manager2
):
    record = _share(manager)
    record.refresh_from_db()

    assert record.approval_scope == selectors.TEAM
    assert list(selectors.approvers_for(record)) == [deputy]
    assert selectors.may_act_on(user=deputy, record=record)
    assert not selectors.may_act_on(user=council_manager, record=record)
    assert not selectors.may_act_on(user=manager2, record=record)
    assert list(selectors.approval_queue(deputy)) == [record]
    assert list(selectors.approval_queue(manager)) == []
    assert list(selectors.approval_queue(council_manager)) == []
    assert not selectors.records_visible_to(council_manager).filter(pk=record.pk).exists()

    decision_act(record=record, manager=deputy, kind="approved")
    assert DecisionRecord.objects.get(pk=record.pk).state == State.APPROVED


def test_where_the_team_has_no_other_manager_the_organisations_managers_approve(
    manager, council_manager, manager2, practitioner
):
    record = _share(manager)
    record.refresh_from_db()

    assert record.approval_scope == selectors.ORGANISATION
    assert list(selectors.approvers_for(record)) == [council_manager]
    assert selectors.may_act_on(user=council_manager, record=record)
    assert not selectors.may_act_on(user=manager2, record=record)
    assert not selectors.may_act_on(user=practitioner, record=record)
    assert selectors.records_visible_to(council_manager).filter(pk=record.pk).exists()
    assert not selectors.records_visible_to(manager2).filter(pk=record.pk).exists()
    assert not selectors.records_visible_to(practitioner).filter(pk=record.pk).exists()
    assert list(selectors.approval_queue(council_manager)) == [record]
    assert list(selectors.approval_queue(manager)) == []
    assert list(selectors.approval_queue(manager2)) == []
    assert selectors.approval_get_for_manager(user=council_manager, reference=record.reference)

    with pytest.raises(OwnDecision):
        decision_act(record=record, manager=manager, kind="approved")
    with pytest.raises(PermissionDenied):
        decision_act(record=record, manager=manager2, kind="approved")
    decision_act(record=record, manager=council_manager, kind="approved")
    assert DecisionRecord.objects.get(pk=record.pk).state == State.APPROVED


def test_an_urgent_share_by_the_only_manager_is_reviewed_by_the_organisation(
    manager, council_manager
):
    record = _urgent_share(manager)
    record.refresh_from_db()
    assert record.approval_scope == selectors.ORGANISATION
    assert list(selectors.approval_queue(council_manager)) == [record]
    decision_act(record=record, manager=council_manager, kind="concern", comment="Call first.")
    assert DecisionRecord.objects.get(pk=record.pk).state == State.RECORDED


def test_a_practitioners_decision_goes_to_the_teams_managers_only(
    practitioner, manager, deputy, council_manager, manager2
):
    record = _share(practitioner)
    record.refresh_from_db()
    assert record.approval_scope == selectors.TEAM
    assert set(selectors.approvers_for(record)) == {manager, deputy}
    assert list(selectors.approval_queue(council_manager)) == []


def test_a_team_without_a_manager_goes_to_the_organisations_managers(
    youth_team, council_manager, manager2, family_team
):
    """A practitioner whose team has no manager at all: the organisation's managers approve."""
    lone = User.objects.create_user(
        username="lone",
        role=User.Role.PRACTITIONER,
        team=family_team,
        organisation=family_team.organisation,
    )
    record = _share(lone)
    record.refresh_from_db()
    assert record.approval_scope == selectors.ORGANISATION
    assert list(selectors.approvers_for(record)) == [council_manager]
    assert list(selectors.approval_queue(council_manager)) == [record]
    assert list(selectors.approval_queue(manager2)) == []


def test_the_scope_is_worked_out_again_at_resubmission(manager, council_manager, family_team):
    record = _share(manager)
    decision_act(record=record, manager=council_manager, kind="returned", comment="Say more.")
    deputy = _manager("deputy", family_team, [family_team])  # the team gains a manager
    record.refresh_from_db()
    wizard.submit(record=record, author=manager, ip=None)
    record.refresh_from_db()
    assert record.approval_scope == selectors.TEAM
    assert list(selectors.approvers_for(record)) == [deputy]


def _everyone():
    return list(User.objects.all())


@pytest.mark.parametrize("make", [_share, _urgent_share, _refusal])
@pytest.mark.parametrize("author_name", ["practitioner", "manager"])
def test_approvers_are_exactly_who_may_act_but_the_author(
    request, make, author_name, practitioner, practitioner2, manager, manager2, auditor
):
    """With or without another manager in the team: the e-mail goes to exactly the people
    the service lets act, and the queue shows it to exactly them."""
    council_manager = request.getfixturevalue("council_manager")
    for extra_deputy in (False, True):
        if extra_deputy:
            request.getfixturevalue("deputy")
        record = make(request.getfixturevalue(author_name))
        record.refresh_from_db()
        approvers = set(selectors.approvers_for(record))
        may_act = {
            user
            for user in _everyone()
            if user.pk != record.author_id and selectors.may_act_on(user=user, record=record)
        }
        queued = {
            user
            for user in _everyone()
            if user.is_manager and record in selectors.approval_queue(user)
        }
        assert approvers == may_act == queued
        assert approvers  # somebody can always act in these set-ups
        assert record.author not in approvers
        assert council_manager in approvers or record.approval_scope == selectors.TEAM


def test_a_decision_by_someone_without_a_team_goes_to_nobody_by_chance(db, manager2, family_team):
    """No team, no scope: the e-mail must not go to managers who happen to manage no team."""
    unattached = _manager("unattached", family_team, [])
    author = User.objects.create_user(username="teamless", role=User.Role.PRACTITIONER)
    record = _share(author)
    record.refresh_from_db()
    assert unattached not in set(selectors.approvers_for(record))
    assert not selectors.may_act_on(user=unattached, record=record)


# --- One audit event per change, in the same transaction -------------------------------


class Boom(Exception):
    pass


def _failing_audit(*args, **kwargs):
    raise Boom


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("approved", _share),
        ("returned", _share),
        ("rejected", _share),
        ("approved", _refusal),
        ("endorsed", _urgent_share),
        ("concern", _urgent_share),
    ],
)
def test_a_manager_action_and_its_audit_event_are_one_transaction(
    monkeypatch, practitioner, manager, kind, make
):
    record = make(practitioner)
    before = _snapshot_of(record)
    monkeypatch.setattr(services, "audit_log", _failing_audit)

    with pytest.raises(Boom):
        decision_act(record=record, manager=manager, kind=kind, comment="A comment.")

    assert _snapshot_of(record) == before
    assert not ManagerDecision.objects.exists()


def test_a_sharing_confirmation_and_its_audit_event_are_one_transaction(
    monkeypatch, practitioner, manager
):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="approved")
    before = _snapshot_of(record)
    monkeypatch.setattr(services, "audit_log", _failing_audit)

    with pytest.raises(Boom):
        demo.confirm_sharing(record=record, author=practitioner)

    assert _snapshot_of(record) == before


def test_a_resubmission_and_its_audit_event_are_one_transaction(monkeypatch, practitioner, manager):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    record.refresh_from_db()
    before = _snapshot_of(record)
    monkeypatch.setattr(services, "audit_log", _failing_audit)

    with pytest.raises(Boom):
        wizard.submit(record=record, author=practitioner, ip=None)

    assert _snapshot_of(record) == before
    assert Submission.objects.filter(record=record).count() == 1


def test_a_reconsideration_and_its_audit_events_are_one_transaction(
    monkeypatch, practitioner, manager
):
    old = _share(practitioner)
    decision_act(record=old, manager=manager, kind="rejected", comment="No.")
    monkeypatch.setattr(services, "audit_log", _failing_audit)

    with pytest.raises(Boom):
        decision_reconsider(record=old, user=practitioner)

    assert list(DecisionRecord.objects.all()) == [old]


def test_the_whole_loop_writes_one_event_per_change(practitioner, manager):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment="Say more.")
    record.refresh_from_db()
    wizard.submit(record=record, author=practitioner, ip=None)
    decision_act(record=record, manager=manager, kind="approved")
    demo.confirm_sharing(record=record, author=practitioner)

    events = AuditEvent.objects.filter(record=record).exclude(
        event__in=[Event.RECORD_CREATED, Event.STEP_ANSWERED]
    )
    assert [e.event for e in events] == [
        Event.SUBMITTED,
        Event.RETURNED,
        Event.SUBMITTED,
        Event.APPROVED,
        Event.SHARING_CONFIRMED,
    ]
    assert DecisionRecord.objects.get(pk=record.pk).state == State.RECORDED


# --- Stale pages and the order of refusals ----------------------------------------------


@pytest.mark.parametrize("kind", ["returned", "rejected"])
def test_the_author_without_a_comment_is_still_refused_as_the_author(manager, deputy, kind):
    record = _share(manager)
    with pytest.raises(OwnDecision):
        decision_act(record=record, manager=manager, kind=kind, comment="")


@pytest.mark.parametrize("who", ["practitioner2", "manager2", "auditor"])
def test_someone_who_may_not_act_is_refused_before_any_comment_is_asked_for(
    request, practitioner, manager, who
):
    record = _share(practitioner)
    with pytest.raises(PermissionDenied):
        decision_act(record=record, manager=request.getfixturevalue(who), kind="returned")


@pytest.mark.parametrize(
    ("kind", "make", "says"),
    [
        ("returned", _share, "what needs to change"),
        ("rejected", _share, "reason for rejecting"),
        ("concern", _urgent_share, "Describe the concern"),
    ],
)
def test_the_missing_comment_message_says_what_is_needed(practitioner, manager, kind, make, says):
    record = make(practitioner)
    with pytest.raises(ValidationError) as missing:
        decision_act(record=record, manager=manager, kind=kind)
    assert says in " ".join(missing.value.messages)
    assert missing.value.code == "required"


def _returned_then_resubmitted_as_a_refusal(practitioner, manager):
    """Round 1 shares; round 2, after a return, refuses another agency's request."""
    from decisions.steps import make_plan

    record = _share(practitioner)
    first_look = DecisionRecord.objects.get(pk=record.pk)  # another manager's page, round 1
    decision_act(record=record, manager=manager, kind="returned", comment="Reconsider.")
    record.refresh_from_db()
    refusal = demo.finished_answers("not_share_no_basis")
    decision_save_step(
        record=record,
        author=practitioner,
        step="demo",
        values=refusal,
        completed_steps=make_plan(refusal, []).steps,
    )
    wizard.submit(record=record, author=practitioner, ip=None)
    record.refresh_from_db()
    assert (record.state, record.shares, record.submissions.count()) == (
        State.AWAITING_APPROVAL,
        False,
        2,
    )
    return record, first_look


def test_approving_from_an_old_copy_follows_what_was_resubmitted(practitioner, manager, deputy):
    record, first_look = _returned_then_resubmitted_as_a_refusal(practitioner, manager)
    assert first_look.shares is True  # the copy still says round 1 shared

    decision_act(record=first_look, manager=deputy, kind="approved")

    record.refresh_from_db()
    assert record.state == State.RECORDED  # an approved refusal: nothing to confirm
    assert first_look.state == State.RECORDED
    assert first_look.shares is False
    event = AuditEvent.objects.filter(record=record, event=Event.APPROVED).get()
    assert event.details == {"action": "approved", "state": "recorded", "round": 2}


def test_a_manager_who_saw_an_earlier_round_is_told_it_was_resubmitted(
    practitioner, manager, deputy
):
    record, _ = _returned_then_resubmitted_as_a_refusal(practitioner, manager)
    before = _snapshot_of(record)
    events = EventCounter()

    with pytest.raises(StaleState, match="resubmitted since you opened it: read round 2"):
        decision_act(record=record, manager=deputy, kind="approved", expected_round=1)

    assert _snapshot_of(record) == before
    assert events.new() == []
    decision = decision_act(record=record, manager=deputy, kind="approved", expected_round=2)
    assert decision.round == 2


def test_the_round_seen_does_not_hide_who_acted_first(practitioner, manager, deputy):
    record = _share(practitioner)
    decision_act(record=record, manager=manager, kind="returned", comment="More.")
    with pytest.raises(StaleState, match="already been dealt with: returned for changes by"):
        decision_act(record=record, manager=deputy, kind="approved", expected_round=1)


def _head(manager, size=50):
    rows, count, overdue = selectors.queue_head(manager, size=size)
    return [row["reference"] for row in rows], count, overdue


def _queue(manager, size=50):
    queue = selectors.approval_queue(manager)
    references = [record.reference for record in queue[:size]]
    return references, queue.count(), queue.filter(overdue=True).count()


def test_the_home_pages_queue_head_is_the_approval_queue_for_each_scope(
    practitioner, manager, deputy, council_manager, manager2, family_team
):
    """queue_head's SQL is built once per shape and run with each manager's ids: every
    manager, whatever their teams, sees what approval_queue gives them, overdue first."""
    old = _share(practitioner)
    DecisionRecord.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=30)
    )
    _urgent_share(practitioner)
    _share(deputy)
    _share(manager)  # the team has other managers: the team's scope
    lone_manager_team = Team.objects.create(organisation=family_team.organisation, name="Lone")
    lone = _manager("lonemanager", lone_manager_team, [lone_manager_team])
    _share(lone)  # nobody else manages the team: the organisation's managers

    for someone in (manager, deputy, council_manager, manager2, lone):
        for size in (50, 2):
            assert _head(someone, size) == _queue(someone, size)
    references, count, overdue = _head(manager)
    assert references[0] == old.reference
    assert (count, overdue) == (4, 1)  # not their own; the 30-day-old one overdue
