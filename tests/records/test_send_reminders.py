"""``manage.py send_reminders``: e-mail the managers about overdue items only, once per item
per day, counted in working days, with nothing personal in the message."""

import datetime
import io
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from decisions import demo
from records import workdays
from records.models import AuditEvent, DecisionRecord, ReminderSent, Team, User
from records.services import decision_act
from tests.records.mail_privacy import assert_no_personal_data

LONDON = zoneinfo.ZoneInfo("Europe/London")
State = DecisionRecord.State
D = datetime.date

# Wednesday 27 May 2026, after the spring bank holiday (Monday 25 May).
WEDNESDAY = D(2026, 5, 27)
FRIDAY_BEFORE = datetime.datetime(2026, 5, 22, 10, tzinfo=LONDON)
TUESDAY = datetime.datetime(2026, 5, 26, 10, tzinfo=LONDON)


@pytest.fixture
def people(practitioner, practitioner2, manager, manager2, auditor):
    for user in (practitioner, practitioner2, manager, manager2, auditor):
        user.email = f"{user.username}@example.invalid"
        user.save()
    return {u.username: u for u in (practitioner, practitioner2, manager, manager2, auditor)}


@pytest.fixture
def today(monkeypatch):
    """Set the day the command believes it is."""

    def set_today(day):
        monkeypatch.setattr(workdays, "today", lambda: day)

    set_today(WEDNESDAY)
    return set_today


def _submitted(author, outcome="share_without_consent", at=FRIDAY_BEFORE, **overrides):
    record = demo.create_submitted(
        author=author, answers=demo.finished_answers(outcome, **overrides)
    )
    DecisionRecord.objects.filter(pk=record.pk).update(submitted_at=at)
    record.refresh_from_db()
    return record


def _run():
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()


def _reminded():
    """The references reminded about in the outbox, with who was told."""
    found: dict[str, list[str]] = {}
    for message in mail.outbox:
        reference = message.subject.removeprefix("Overdue: ")
        found.setdefault(reference, []).extend(message.to)
    return {reference: sorted(to) for reference, to in found.items()}


def test_reminders_go_for_overdue_items_only(people, today):
    practitioner, manager = people["practitioner"], people["manager"]
    overdue = _submitted(practitioner)  # prior approval from Friday: overdue on Wednesday
    fresh = _submitted(practitioner, at=TUESDAY)  # its one working day is today
    review = _submitted(practitioner, urgent="yes")  # retrospective: two working days
    approved = _submitted(practitioner)
    decision_act(record=approved, manager=manager, kind="approved")
    returned = _submitted(practitioner)
    decision_act(record=returned, manager=manager, kind="returned", comment="More.")
    recorded = _submitted(practitioner, "share_with_consent")
    draft = demo.create_draft(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    mail.outbox.clear()

    output = _run()

    assert _reminded() == {overdue.reference: ["manager@example.invalid"]}
    assert "Reminders sent for 1 overdue item(s)." in output
    [message] = mail.outbox
    assert message.subject == f"Overdue: {overdue.reference}"
    assert f"{settings.SITE_URL}/approvals/{overdue.reference}/" in message.body
    assert "awaits your approval" in message.body
    assert list(ReminderSent.objects.values_list("record", "sent_on")) == [(overdue.pk, WEDNESDAY)]
    [event] = AuditEvent.objects.filter(event=AuditEvent.Event.REMINDER_SENT)
    assert (event.record, event.actor, event.details) == (overdue, None, {"recipients": 1})
    for record in (fresh, review, approved, returned, recorded, draft):
        assert not ReminderSent.objects.filter(record=record).exists()
    assert_no_personal_data(mail.outbox)


def test_once_per_item_per_day(people, today):
    overdue = _submitted(people["practitioner"])
    mail.outbox.clear()

    assert "for 1 overdue" in _run()
    assert len(mail.outbox) == 1

    assert "for 0 overdue" in _run()  # later the same day: nothing more
    assert len(mail.outbox) == 1

    today(WEDNESDAY + datetime.timedelta(days=1))  # the next day: reminded again
    assert "for 1 overdue" in _run()
    assert [m.subject for m in mail.outbox] == [f"Overdue: {overdue.reference}"] * 2
    assert ReminderSent.objects.filter(record=overdue).count() == 2
    assert AuditEvent.objects.filter(event="reminder_sent", record=overdue).count() == 2


def test_a_retrospective_review_is_reminded_after_two_working_days(people, today):
    review = _submitted(people["practitioner"], urgent="yes")  # Friday 22 May
    mail.outbox.clear()

    _run()
    assert mail.outbox == []  # Wednesday: still within its two working days

    today(D(2026, 5, 28))
    _run()
    [message] = mail.outbox
    assert message.subject == f"Overdue: {review.reference}"
    assert "an urgent share made without consent awaits your review" in message.body
    assert_no_personal_data(mail.outbox)


def test_nothing_is_overdue_over_the_bank_holiday_weekend(people, today):
    _submitted(people["practitioner"])
    _submitted(people["practitioner"], urgent="yes")
    mail.outbox.clear()
    for day in (D(2026, 5, 23), D(2026, 5, 24), D(2026, 5, 25), D(2026, 5, 26)):
        today(day)
        assert "for 0 overdue" in _run()
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_an_item_dealt_with_is_no_longer_reminded(people, today):
    overdue = _submitted(people["practitioner"])
    mail.outbox.clear()
    _run()
    decision_act(record=overdue, manager=people["manager"], kind="approved")
    mail.outbox.clear()

    today(WEDNESDAY + datetime.timedelta(days=1))
    _run()

    assert mail.outbox == []


def test_reminders_go_to_the_approvers_never_the_author(people, today, family_team):
    manager = people["manager"]
    youth = Team.objects.create(organisation=family_team.organisation, name="Youth justice")
    council_manager = User.objects.create_user(
        username="councilmanager",
        role=User.Role.MANAGER,
        team=youth,
        organisation=family_team.organisation,
        email="councilmanager@example.invalid",
    )
    council_manager.managed_teams.set([youth])
    own = _submitted(manager)  # the team's only manager: the organisation's managers act
    theirs = _submitted(people["practitioner"])
    mail.outbox.clear()

    _run()

    assert _reminded() == {
        own.reference: ["councilmanager@example.invalid"],
        theirs.reference: ["manager@example.invalid"],
    }


def test_every_overdue_item_is_reminded_and_nothing_personal_is_sent(people, today):
    practitioner = people["practitioner"]
    references = []
    for number, outcome in enumerate(demo.CASES, start=1):
        for urgent in ("no", "yes"):
            record = _submitted(
                practitioner,
                outcome,
                at=FRIDAY_BEFORE - datetime.timedelta(days=7),
                urgent=urgent,
                subject_reference=f"DEMO-C-{number:04d}",
            )
            if record.state in (State.AWAITING_APPROVAL, State.AWAITING_REVIEW):
                references.append(record.reference)
    mail.outbox.clear()

    output = _run()

    assert sorted(_reminded()) == sorted(references)
    assert f"for {len(references)} overdue" in output
    assert_no_personal_data(mail.outbox)


def test_managers_without_an_address_are_skipped_but_the_day_is_counted(
    practitioner, manager, today
):
    overdue = _submitted(practitioner)
    _run()
    assert mail.outbox == []
    assert ReminderSent.objects.filter(record=overdue, sent_on=WEDNESDAY).exists()


def test_a_failed_send_is_tried_again_on_the_next_run(people, today, monkeypatch):
    from records import notifications

    overdue = _submitted(people["practitioner"])
    mail.outbox.clear()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("fictional outage")

    with monkeypatch.context() as patch:
        patch.setattr(notifications, "send_mass_mail", refuse)
        with pytest.raises(ConnectionRefusedError):
            _run()
    assert not ReminderSent.objects.exists()
    assert not AuditEvent.objects.filter(event="reminder_sent").exists()

    _run()
    assert _reminded() == {overdue.reference: ["manager@example.invalid"]}
