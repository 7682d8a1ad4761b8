"""E-mails about decisions. Each carries the reference, what is asked and a link: never a
name, a case reference, an agency or an answer, since e-mail leaves the service."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from records import workdays
from records.models import DecisionRecord, ManagerDecision, ReminderSent, User
from records.selectors import approvers_for, draft_kept_until, drafts_to_warn, overdue_everywhere

State = DecisionRecord.State
Kind = ManagerDecision.Kind

_FOR_AUTHOR = {
    Kind.APPROVED: "has been approved. Confirm the sharing once it has happened",
    Kind.RETURNED: "has been returned to you for changes. Read the manager's comment",
    Kind.REJECTED: "has been rejected. Read the manager's reason",
    Kind.ENDORSED: "has been reviewed and endorsed by a manager",
    Kind.CONCERN: "has been reviewed and a manager recorded a concern. Read it",
}


def _link(name: str, reference: str) -> str:
    return settings.SITE_URL + reverse(name, args=[reference])


def _messages(subject: str, body: str, users) -> list[tuple]:
    sender = settings.DEFAULT_FROM_EMAIL
    return [(subject, body, sender, [user.email]) for user in users if user.email]


def _body(line: str, link: str) -> str:
    return (
        f"{line}\n\nOpen it here: {link}\n\n"
        "This message holds no personal details. Sign in to see the decision.\n"
    )


def _awaiting(record: DecisionRecord) -> str:
    if record.state == State.AWAITING_REVIEW:
        return "an urgent share made without consent awaits your review"
    return "a decision awaits your approval"


def notify_approvers(record: DecisionRecord) -> int:
    """Tell the managers who may act that a decision awaits them."""
    subject = f"{record.reference}: {_awaiting(record)}"
    body = _body(
        f"Decision {record.reference}: {_awaiting(record)}.",
        _link("approvals:detail", record.reference),
    )
    return send_mass_mail(_messages(subject, body, approvers_for(record)), fail_silently=False)


def notify_author(record: DecisionRecord, kind: str) -> int:
    """Tell the practitioner what a manager did with their decision."""
    what = _FOR_AUTHOR[kind]
    if kind == Kind.APPROVED and not record.shares:
        # An approved refusal is recorded at once: nothing to confirm.
        what = "has been approved and recorded. You may now tell the agency that asked"
    subject = f"{record.reference}: {Kind(kind).label.lower()}"
    body = _body(
        f"Your decision {record.reference} {what}.", _link("records:detail", record.reference)
    )
    return send_mass_mail(_messages(subject, body, [record.author]), fail_silently=False)


def send_overdue_reminders() -> int:
    """E-mail the managers about every overdue item, once per item per day. Returns how
    many items were reminded about. Safe to run from cron as often as wanted."""
    from records.services import audit_log  # services imports this module

    on = workdays.today()
    reminded = 0
    for record in overdue_everywhere(on=on):
        try:
            with transaction.atomic():
                ReminderSent.objects.create(record=record, sent_on=on)
                subject = f"Overdue: {record.reference}"
                body = _body(
                    f"Decision {record.reference} is overdue: {_awaiting(record)}.",
                    _link("approvals:detail", record.reference),
                )
                recipients: list[User] = list(approvers_for(record))
                send_mass_mail(_messages(subject, body, recipients), fail_silently=False)
                audit_log(
                    event="reminder_sent",
                    record=record,
                    details={"recipients": len(recipients)},
                )
        except IntegrityError:
            continue  # reminded already today
        reminded += 1
    return reminded


def send_draft_warnings() -> int:
    """E-mail each author whose draft ``apply_retention`` deletes within the next days
    (``selectors.drafts_to_warn``), once in those days. Returns how many drafts were
    warned about. Safe to run from cron as often as wanted."""
    from records.services import audit_log  # services imports this module

    on = workdays.today()
    warned = 0
    for draft in drafts_to_warn(on=on):
        kept_until = draft_kept_until(draft.updated_at)
        try:
            with transaction.atomic():
                ReminderSent.objects.create(record=draft, sent_on=on)
                messages = _messages(
                    f"{draft.reference}: draft to be deleted",
                    _body(
                        f"Nobody has changed your draft {draft.reference} for "
                        f"{(on - timezone.localdate(draft.updated_at)).days} days. It is "
                        f"deleted after {kept_until.day} {kept_until:%B %Y} unless you change "
                        "or submit it.",
                        _link("decisions:check", draft.reference),
                    ),
                    [draft.author],
                )
                send_mass_mail(messages, fail_silently=False)
                audit_log(
                    event="reminder_sent",
                    record=draft,
                    details={"recipients": len(messages), "kept_until": kept_until.isoformat()},
                )
        except IntegrityError:
            continue  # warned already today
        warned += 1
    return warned
