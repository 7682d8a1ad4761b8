from django.core.management.base import BaseCommand

from records.notifications import send_overdue_reminders


class Command(BaseCommand):
    help = (
        "E-mail managers about overdue approvals and reviews, once per item per day. "
        "Run it from cron, e.g. hourly on working days."
    )

    def handle(self, *args, **options):
        count = send_overdue_reminders()
        self.stdout.write(f"Reminders sent for {count} overdue item(s).")
