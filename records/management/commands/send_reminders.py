from django.core.management.base import BaseCommand

from records.notifications import send_draft_warnings, send_overdue_reminders


class Command(BaseCommand):
    help = (
        "E-mail managers about overdue approvals and reviews, once per item per day, and "
        "authors about drafts apply_retention deletes within a week, once a draft. "
        "Run it from cron, e.g. hourly on working days."
    )

    def handle(self, *args, **options):
        count = send_overdue_reminders()
        self.stdout.write(f"Reminders sent for {count} overdue item(s).")
        warned = send_draft_warnings()
        self.stdout.write(f"Deletion warnings sent for {warned} draft(s).")
