from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from analytics.db import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="analytics.sqlite_median")
