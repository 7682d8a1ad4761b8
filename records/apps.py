from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Decision records"

    def ready(self):
        # Connect the sign-in audit receivers and the sign-in lock's; register the session
        # store's check.
        from records import sessions, signals, throttling  # noqa: F401
