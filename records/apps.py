from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Decision records"

    def ready(self):
        from records import signals  # noqa: F401  (connects the login audit receivers)
