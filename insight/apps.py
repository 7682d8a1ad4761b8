from django.apps import AppConfig


class InsightConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "insight"
    verbose_name = "Management information"
