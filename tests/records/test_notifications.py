"""E-mails: the managers who may act are told something awaits them; the practitioner is
told what a manager did. Sent after the commit, and never with personal details."""

import logging
import smtplib

import pytest
from django.conf import settings
from django.core import mail

from decisions import demo, wizard
from decisions.management.commands.load_demo import USERS
from records import notifications
from records.models import DecisionRecord, User
from records.services import StaleState, decision_act
from tests.records.mail_privacy import assert_no_personal_data, leaks

State = DecisionRecord.State
NAMES = {username: (first, last) for username, first, last, *_ in USERS}


def _named(user, first=None, last=None):
    """Give a test user the demo data's name and an e-mail address."""
    demo_first, demo_last = NAMES.get(user.username, (first, last))
    user.first_name, user.last_name = demo_first, demo_last
    user.email = f"{user.username}@example.invalid"
    user.save()
    return user


@pytest.fixture
def people(practitioner, practitioner2, manager, manager2, auditor):
    """Everyone from the demo data, with an address to receive mail at."""
    for user in (practitioner, practitioner2, manager, manager2, auditor):
        _named(user)
    return {u.username: u for u in (practitioner, practitioner2, manager, manager2, auditor)}


def _manager(username, team, first, last):
    user = User.objects.create_user(
        username=username, role=User.Role.MANAGER, team=team, organisation=team.organisation
    )
    user.managed_teams.set([team])
    return _named(user, first, last)


@pytest.fixture
def deputy(family_team, people):
    return _manager("deputy", family_team, "Robin", "Deputyson")


@pytest.fixture
def council_manager(family_team, people):
    from records.models import Team

    youth = Team.objects.create(organisation=family_team.organisation, name="Youth justice")
    return _manager("councilmanager", youth, "Kit", "Elsewhere")


def _submit(author, outcome="share_without_consent", **overrides):
    return demo.create_submitted(author=author, answers=demo.finished_answers(outcome, **overrides))


def _to(messages):
    return sorted(address for message in messages for address in message.to)


def _link(name, reference):
    prefix = {"approvals": "/approvals/", "records": "/records/"}[name]
    return f"{settings.SITE_URL}{prefix}{reference}/"


# --- Something awaits the managers ---------------------------------------------------------


def test_the_teams_managers_are_told_a_decision_awaits_approval(
    people, deputy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = _submit(people["practitioner"])

    assert _to(mail.outbox) == ["deputy@example.invalid", "manager@example.invalid"]
    for message in mail.outbox:
        assert message.subject == f"{record.reference}: a decision awaits your approval"
        assert _link("approvals", record.reference) in message.body
        assert message.from_email == settings.DEFAULT_FROM_EMAIL
        assert len(message.to) == 1  # nobody sees who else was told
    assert_no_personal_data(mail.outbox)


def test_the_managers_are_told_an_urgent_share_awaits_review(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = _submit(people["practitioner"], urgent="yes")

    [message] = mail.outbox
    assert message.to == ["manager@example.invalid"]
    assert "awaits your review" in message.subject
    assert record.reference in message.subject
    assert _link("approvals", record.reference) in message.body
    assert_no_personal_data(mail.outbox)


def test_a_refusal_awaiting_approval_is_announced(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = _submit(people["practitioner"], "not_share_no_basis")
    [message] = mail.outbox
    assert message.to == ["manager@example.invalid"]
    assert record.reference in message.subject
    assert_no_personal_data(mail.outbox)


@pytest.mark.parametrize(
    "outcome", ["share_with_consent", "share_not_confidential", "not_share_no_purpose"]
)
def test_nothing_is_sent_when_no_approval_is_needed(
    people, django_capture_on_commit_callbacks, outcome
):
    with django_capture_on_commit_callbacks(execute=True):
        record = _submit(people["practitioner"], outcome)
    assert record.state == State.RECORDED
    assert mail.outbox == []


def test_nobody_outside_the_approvers_is_told(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _submit(people["practitioner"])
    recipients = _to(mail.outbox)
    for username in ("practitioner", "practitioner2", "manager2", "auditor"):
        assert f"{username}@example.invalid" not in recipients


def test_a_managers_own_decision_is_not_sent_to_them(
    people, deputy, council_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _submit(people["manager"])
    assert _to(mail.outbox) == ["deputy@example.invalid"]


def test_the_only_managers_decision_goes_to_the_organisations_managers(
    people, council_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = _submit(people["manager"])
    assert _to(mail.outbox) == ["councilmanager@example.invalid"]
    assert _link("approvals", record.reference) in mail.outbox[0].body


def test_a_resubmission_is_announced_again(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = _submit(people["practitioner"])
        decision_act(record=record, manager=people["manager"], kind="returned", comment="More.")
    mail.outbox.clear()
    record.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        wizard.submit(record=record, author=people["practitioner"], ip=None)

    [message] = mail.outbox
    assert message.to == ["manager@example.invalid"]
    assert "awaits your approval" in message.subject


def test_managers_without_an_address_are_skipped(
    practitioner, manager, django_capture_on_commit_callbacks
):
    assert not manager.email
    with django_capture_on_commit_callbacks(execute=True):
        _submit(practitioner)
    assert mail.outbox == []


# --- The practitioner is told what a manager did ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "urgent", "subject_end", "says"),
    [
        ("approved", "no", "approved", "Confirm the sharing once it has happened"),
        ("returned", "no", "returned for changes", "returned to you for changes"),
        ("rejected", "no", "rejected", "has been rejected"),
        ("endorsed", "yes", "endorsed", "endorsed by a manager"),
        ("concern", "yes", "concern recorded", "recorded a concern"),
    ],
)
def test_the_practitioner_is_told_what_the_manager_did(
    people, django_capture_on_commit_callbacks, kind, urgent, subject_end, says
):
    record = _submit(people["practitioner"], urgent=urgent)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decision_act(
            record=record,
            manager=people["manager"],
            kind=kind,
            comment="Fictional comment: ring the duty sergeant first.",
        )

    [message] = mail.outbox
    assert message.to == ["practitioner@example.invalid"]
    assert message.subject == f"{record.reference}: {subject_end}"
    assert says in message.body
    assert _link("records", record.reference) in message.body
    assert "duty sergeant" not in message.body.lower()  # the comment stays in the service
    assert_no_personal_data(mail.outbox)


def test_an_approved_refusal_says_the_agency_may_now_be_told(
    people, django_capture_on_commit_callbacks
):
    record = _submit(people["practitioner"], "not_share_no_basis")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decision_act(record=record, manager=people["manager"], kind="approved")

    [message] = mail.outbox
    assert "approved and recorded" in message.body
    assert "tell the agency that asked" in message.body
    assert "Confirm the sharing" not in message.body
    assert_no_personal_data(mail.outbox)


def test_nothing_is_sent_until_the_change_is_committed(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = _submit(people["practitioner"])
        decision_act(record=record, manager=people["manager"], kind="approved")
    assert len(callbacks) == 2
    assert mail.outbox == []


def test_a_refused_action_sends_nothing(people, django_capture_on_commit_callbacks):
    record = _submit(people["practitioner"])
    decision_act(record=record, manager=people["manager"], kind="approved")
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(StaleState),
    ):
        decision_act(record=record, manager=people["manager"], kind="rejected", comment="No.")
    assert callbacks == []
    assert mail.outbox == []


def test_a_mail_server_failure_does_not_undo_or_break_the_action(
    people, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    record = _submit(people["practitioner"])

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("fictional outage")

    monkeypatch.setattr(notifications, "send_mass_mail", refuse)
    with (
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True),
    ):
        decision_act(record=record, manager=people["manager"], kind="approved")

    assert DecisionRecord.objects.get(pk=record.pk).state == State.APPROVED
    assert "fictional outage" in caplog.text


def test_no_message_of_the_whole_loop_carries_personal_details(
    people, deputy, council_manager, django_capture_on_commit_callbacks
):
    """Every demo case, every manager action: no answer, case reference, agency or name."""
    practitioner, manager = people["practitioner"], people["manager"]
    with django_capture_on_commit_callbacks(execute=True):
        for number, outcome in enumerate(demo.CASES, start=1):
            for urgent in ("no", "yes"):
                reference = f"DEMO-C-{number:04d}"
                _submit(practitioner, outcome, urgent=urgent, subject_reference=reference)
        _submit(practitioner, urgent="yes", subject_reference="DEMO-C-0098")
        _submit(manager, subject_reference="DEMO-C-0099")
        for state, kinds in [
            (State.AWAITING_APPROVAL, ["approved", "returned", "rejected"]),
            (State.AWAITING_REVIEW, ["endorsed", "concern"]),
        ]:
            awaiting = DecisionRecord.objects.filter(state=state, author=practitioner)
            for index, record in enumerate(awaiting.order_by("pk")):
                decision_act(
                    record=record,
                    manager=manager,
                    kind=kinds[index % len(kinds)],
                    comment="Fictional comment about Northshire Police (fictional).",
                )

    assert len(mail.outbox) >= 10
    kinds_sent = {message.subject.split(": ", 1)[1] for message in mail.outbox}
    assert {
        "approved",
        "returned for changes",
        "rejected",
        "endorsed",
        "concern recorded",
    } <= kinds_sent
    assert_no_personal_data(mail.outbox)


def test_the_privacy_check_would_catch_a_leak(people):
    """The check itself: a name, a case reference, an agency or typed text is caught."""
    _submit(people["practitioner"])
    from tests.records.mail_privacy import forbidden_strings

    forbidden = forbidden_strings()
    assert leaks("Decision for Pat Example", forbidden) == sorted(
        {"Pat Example", "Pat", "Example"} & forbidden
    )
    assert "DEMO-C-0001" in leaks("case DEMO-C-0001", forbidden)
    assert "Northshire Police (fictional)" in leaks("to Northshire Police (fictional)", forbidden)
    assert "secure_email" in leaks("by secure_email", forbidden)
    assert "Ari" in leaks("Dear Ari,", forbidden)
    assert leaks("No personal details. Sign in to see the sharing decision.", forbidden) == []
