"""Drafts are not kept for ever: one nobody has changed for DRAFT_KEEP_DAYS days (90 by
default) is deleted by apply_retention, leaving a retention deletion audit event with its
reference, as a submitted record past its retain-until date is (guidance section 10,
"Record": kept no longer than necessary). Its author sees the last day it is kept."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from decisions import demo
from records.audit import verify_chain
from records.models import AuditEvent, DecisionRecord, ReminderSent
from records.selectors import draft_kept_until, drafts_due, is_draft_due
from records.services import (
    StaleState,
    decision_act,
    decision_reconsider,
    decision_save_step,
    draft_delete_for_retention,
)
from tests.records.mail_privacy import assert_no_personal_data

TODAY = timezone.localdate()
DRAFT_CONTEXT = {**demo.CONTEXT, "subject_reference": "DEMO-C-0700"}


def draft(author, **answers):
    return demo.create_draft(author=author, answers={**DRAFT_CONTEXT, **answers}, complete=False)


def local(day: datetime.date, hour=0, minute=0, second=0, microsecond=0):
    moment = datetime.datetime.combine(day, datetime.time(hour, minute, second, microsecond))
    return timezone.make_aware(moment)


def last_changed(record, moment):
    DecisionRecord.objects.filter(pk=record.pk).update(updated_at=moment)
    record.refresh_from_db()
    return record


def returned_for_changes(author, manager, moment):
    """A decision returned to its author, last changed at ``moment``: not a draft."""
    returned = demo.create_returned(
        author=author,
        manager=manager,
        answers=demo.finished_answers("share_without_consent"),
        comment="Say more about the risk.",
    )
    return last_changed(returned, moment)


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


def run(*args):
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


# --- the last day kept --------------------------------------------------------------------------


def test_it_keeps_a_draft_90_days_after_the_day_it_was_last_changed():
    assert draft_kept_until(local(datetime.date(2026, 11, 27), 23, 59)) == datetime.date(
        2027, 2, 25
    )
    assert draft_kept_until(local(datetime.date(2026, 11, 27))) == datetime.date(2027, 2, 25)


def test_the_days_follow_the_setting_and_0_keeps_drafts(settings, practitioner):
    settings.DRAFT_KEEP_DAYS = 7
    assert draft_kept_until(local(datetime.date(2026, 11, 27), 12)) == datetime.date(2026, 12, 4)
    settings.DRAFT_KEEP_DAYS = 0
    assert draft_kept_until(local(datetime.date(2026, 11, 27), 12)) is None
    last_changed(draft(practitioner), local(days_ago(4000)))
    assert not drafts_due().exists()


def test_only_drafts_past_their_last_day_are_due(practitioner, manager):
    due = last_changed(draft(practitioner), local(days_ago(91), 23, 59, 59, 999999))
    long_ago = last_changed(draft(practitioner), local(days_ago(400), 9))
    last_day_today = last_changed(draft(practitioner), local(days_ago(90)))
    last_changed(draft(practitioner), timezone.now())
    # Submitted decisions are kept to their retain-until date, however long unchanged.
    recorded = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_with_consent")
    )
    last_changed(recorded, local(days_ago(400)))
    returned = returned_for_changes(practitioner, manager, local(days_ago(400)))

    assert set(drafts_due()) == {due, long_ago}
    everything = [due, long_ago, last_day_today, recorded, returned, *DecisionRecord.objects.all()]
    assert {r for r in everything if is_draft_due(r, on=TODAY)} == {due, long_ago}
    assert draft_kept_until(last_day_today.updated_at) == TODAY
    assert set(drafts_due(on=TODAY + datetime.timedelta(days=1))) == {due, long_ago, last_day_today}


# --- apply_retention ------------------------------------------------------------------------------


def test_the_dry_run_lists_each_draft_with_its_last_day_and_deletes_nothing(practitioner):
    old = last_changed(draft(practitioner), local(datetime.date(2025, 3, 1), 10))
    draft(practitioner)
    events = AuditEvent.objects.count()

    out = run("--dry-run")

    assert f"{old.reference}\tdraft kept until 2025-05-30" in out
    assert "1 draft(s) due for deletion (dry run: nothing deleted)." in out
    assert DecisionRecord.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_it_deletes_a_draft_past_its_last_day_and_keeps_its_audit_events(practitioner):
    old = last_changed(draft(practitioner), local(days_ago(120), 14, 30))
    kept = draft(practitioner)
    own_events = set(AuditEvent.objects.filter(record=old).values_list("pk", flat=True))
    assert len(own_events) == 2  # started, a page saved

    out = run()

    assert f"Deleted {old.reference}\tdraft kept until {days_ago(30).isoformat()}" in out
    assert "1 draft(s) deleted, 0 kept." in out
    assert "0 record(s) deleted, 0 kept." in out
    assert not DecisionRecord.objects.filter(pk=old.pk).exists()
    assert DecisionRecord.objects.filter(pk=kept.pk).exists()
    assert own_events < set(
        AuditEvent.objects.filter(record_id=old.pk).values_list("pk", flat=True)
    )
    deletion = AuditEvent.objects.get(event=AuditEvent.Event.RETENTION_DELETION)
    assert deletion.actor is None
    assert deletion.record_id == old.pk
    assert deletion.record_reference == old.reference
    assert deletion.details == {
        "reference": old.reference,
        "state": "draft",
        "last_changed": old.updated_at.isoformat(),
        "kept_until": days_ago(30).isoformat(),
    }
    # Nothing of what was typed into it is in the event.
    assert "DEMO-C-0700" not in str(deletion.details)
    assert verify_chain().ok


def test_with_drafts_kept_it_says_so_and_deletes_none(settings, practitioner):
    settings.DRAFT_KEEP_DAYS = 0
    old = last_changed(draft(practitioner), local(days_ago(4000)))

    out = run()

    assert "Drafts are kept until submitted or discarded (DRAFT_KEEP_DAYS=0)." in out
    assert DecisionRecord.objects.filter(pk=old.pk).exists()


def test_many_drafts_are_deleted_in_batches(practitioner, monkeypatch):
    from records.management.commands import apply_retention

    monkeypatch.setattr(apply_retention, "BATCH", 2)
    drafts = [last_changed(draft(practitioner), local(days_ago(100))) for _ in range(5)]

    out = run()

    assert "5 draft(s) deleted, 0 kept." in out
    assert not DecisionRecord.objects.filter(pk__in=[d.pk for d in drafts]).exists()
    assert AuditEvent.objects.filter(event=AuditEvent.Event.RETENTION_DELETION).count() == 5


def test_a_draft_reconsidering_a_decision_goes_and_the_decision_stays(practitioner, manager):
    rejected = demo.create_submitted(
        author=practitioner, answers=demo.finished_answers("share_without_consent")
    )
    decision_act(record=rejected, manager=manager, kind="rejected", comment="No basis.")
    later = last_changed(
        decision_reconsider(record=rejected, user=practitioner), local(days_ago(100))
    )

    assert f"Deleted {later.reference}" in run()

    assert not DecisionRecord.objects.filter(pk=later.pk).exists()
    assert DecisionRecord.objects.filter(pk=rejected.pk, state="rejected").exists()


# --- the service checks the row again ----------------------------------------------------------


def test_a_draft_changed_since_it_was_listed_is_kept(practitioner):
    old = last_changed(draft(practitioner), local(days_ago(100)))
    listed = list(drafts_due())
    decision_save_step(
        record=old, author=practitioner, step="context", values={}, completed_steps=[]
    )

    with pytest.raises(StaleState, match="not a draft due for deletion"):
        draft_delete_for_retention(record=listed[0])
    assert DecisionRecord.objects.filter(pk=old.pk).exists()
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.RETENTION_DELETION).exists()


def test_a_draft_submitted_since_it_was_listed_is_kept(practitioner):
    old = last_changed(
        demo.create_draft(author=practitioner, answers=demo.finished_answers("share_with_consent")),
        local(days_ago(100)),
    )
    listed = list(drafts_due())
    from decisions import wizard

    wizard.submit(record=old, author=practitioner, ip=None)

    with pytest.raises(StaleState):
        draft_delete_for_retention(record=listed[0])
    assert DecisionRecord.objects.filter(pk=old.pk, state="recorded").exists()


def test_a_draft_already_gone_is_reported_not_an_error(practitioner):
    old = last_changed(draft(practitioner), local(days_ago(100)))
    draft_delete_for_retention(record=old)
    with pytest.raises(StaleState, match="no longer exists"):
        draft_delete_for_retention(record=old)


def test_the_deletion_and_its_event_are_one_transaction(practitioner, monkeypatch):
    from records import services

    old = last_changed(draft(practitioner), local(days_ago(100)))

    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "audit_log", broken)
    with pytest.raises(RuntimeError):
        draft_delete_for_retention(record=old)
    assert DecisionRecord.objects.filter(pk=old.pk).exists()


def test_the_wizard_finds_no_draft_once_it_is_deleted(client, practitioner):
    old = last_changed(draft(practitioner), local(days_ago(100)))
    run()
    client.force_login(practitioner)

    assert client.get(f"/decisions/{old.reference}/check/").status_code == 404


# --- what the author sees -----------------------------------------------------------------------


def _drafts_table(html):
    return html.split("Your drafts", 1)[1].split("</table>", 1)[0]


def test_the_home_page_shows_each_drafts_last_day(client, practitioner):
    old = last_changed(draft(practitioner), local(datetime.date(2026, 10, 5), 9))
    client.force_login(practitioner)

    html = client.get("/").content.decode()

    table = _drafts_table(html)
    assert '<th scope="col" class="govuk-table__header">Kept until</th>' in table
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{old.reference}.*?</tr>", table, re.S).group(0)
    assert '<td class="govuk-table__cell">3 Jan 2027</td></tr>' in row
    assert 'deleted after its "kept until" day, 90 days after it was last saved' in html


def test_the_home_page_has_no_last_day_when_drafts_are_kept(client, practitioner, settings):
    settings.DRAFT_KEEP_DAYS = 0
    draft(practitioner)
    client.force_login(practitioner)

    html = client.get("/").content.decode()

    assert "Kept until" not in html
    assert "kept until" not in html


def test_with_no_drafts_the_empty_row_spans_every_column(client, practitioner):
    client.force_login(practitioner)

    table = _drafts_table(client.get("/").content.decode())

    assert table.count('<th scope="col"') == 6
    assert '<td class="govuk-table__cell" colspan="6">You have no drafts.</td>' in table


def test_the_draft_page_says_when_it_is_deleted(client, practitioner):
    old = last_changed(draft(practitioner), local(datetime.date(2026, 10, 5), 9))
    client.force_login(practitioner)

    html = client.get(f"/records/{old.reference}/").content.decode()

    assert "Unless somebody changes it, it is deleted after 3 January 2027." in html


def test_the_start_page_says_how_long_a_draft_is_kept(client, practitioner, settings):
    client.force_login(practitioner)
    assert (
        "A draft nobody changes for 90 days is deleted."
        in client.get("/decisions/new/").content.decode()
    )

    settings.DRAFT_KEEP_DAYS = 0
    assert "is deleted" not in client.get("/decisions/new/").content.decode()


# --- a warning before the deletion -------------------------------------------------------------


def remind():
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()


@pytest.fixture
def author(practitioner):
    practitioner.email = "practitioner@example.invalid"
    practitioner.save()
    return practitioner


def test_its_author_is_told_once_in_a_drafts_last_week(author):
    warned = last_changed(draft(author), local(days_ago(84), 16))  # kept 6 more days
    last_changed(draft(author), local(days_ago(83), 10))  # 7 more days: not yet

    assert "Deletion warnings sent for 1 draft(s)." in remind()

    (message,) = mail.outbox
    assert message.to == ["practitioner@example.invalid"]
    assert message.subject == f"{warned.reference}: draft to be deleted"
    last_day = TODAY + datetime.timedelta(days=6)
    assert (
        f"Nobody has changed your draft {warned.reference} for 84 days. It is deleted "
        f"after {last_day.day} {last_day:%B %Y} unless you change or submit it."
    ) in message.body
    assert f"http://127.0.0.1:8000/decisions/{warned.reference}/check/" in message.body
    assert_no_personal_data(mail.outbox)
    event = AuditEvent.objects.get(event=AuditEvent.Event.REMINDER_SENT)
    assert event.record_id == warned.pk
    assert event.details == {"recipients": 1, "kept_until": last_day.isoformat()}

    assert "Deletion warnings sent for 0 draft(s)." in remind()
    assert len(mail.outbox) == 1


def test_a_draft_on_its_last_day_is_warned_and_one_past_it_is_not(author):
    last_day = last_changed(draft(author), local(days_ago(90), 9))
    last_changed(draft(author), local(days_ago(91), 9))  # apply_retention's to delete

    remind()

    assert [m.subject for m in mail.outbox] == [f"{last_day.reference}: draft to be deleted"]


def test_warned_on_an_earlier_day_of_its_last_week_it_is_not_warned_again(author):
    warned = last_changed(draft(author), local(days_ago(88), 9))
    ReminderSent.objects.create(record=warned, sent_on=days_ago(4))

    remind()

    assert mail.outbox == []


def test_changed_after_a_warning_it_is_warned_again_in_its_new_last_week(author):
    again = last_changed(draft(author), local(days_ago(86), 9))
    ReminderSent.objects.create(record=again, sent_on=days_ago(30))  # its earlier last week

    remind()

    assert [m.subject for m in mail.outbox] == [f"{again.reference}: draft to be deleted"]


def test_only_drafts_are_warned_and_none_when_drafts_are_kept(author, manager, settings):
    returned_for_changes(author, manager, local(days_ago(86)))
    assert "Deletion warnings sent for 0 draft(s)." in remind()

    settings.DRAFT_KEEP_DAYS = 0
    last_changed(draft(author), local(days_ago(86)))
    assert "Deletion warnings sent for 0 draft(s)." in remind()
    assert [m for m in mail.outbox if "draft" in m.subject] == []


def test_the_warning_days_are_never_more_than_the_days_kept(author, settings):
    settings.DRAFT_KEEP_DAYS = 3
    last_changed(draft(author), timezone.now())  # kept 3 more days
    two_more = last_changed(draft(author), local(days_ago(1), 12))

    remind()

    # Its last 3 days, as a week's notice cannot be given.
    assert [m.subject for m in mail.outbox] == [f"{two_more.reference}: draft to be deleted"]
