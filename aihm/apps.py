from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class AihmConfig(AppConfig):
    name = "aihm"
    verbose_name = "AIHM"

    def ready(self):
        post_migrate.connect(grant_runtime_role, sender=self)
        make_broker_folders()
        from aihm.api import use_plain_field_messages

        use_plain_field_messages()


def make_broker_folders():
    """The embedded filesystem broker needs its folders before anything is queued (a seed, a
    request, a worker), whichever process starts first."""
    from pathlib import Path

    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for key, folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items():
            if "folder" in key:
                Path(folder).mkdir(parents=True, exist_ok=True)


def grant_runtime_role(using, **kwargs):
    """After each migrate, give the runtime role what it may do on the owner's tables."""
    from django.apps import apps
    from django.db import connections

    from aihm.tenancy import runtime_role_grants_sql, runtime_role_name

    role = runtime_role_name()
    connection = connections[using]
    if role is None or connection.vendor != "postgresql" or connection.settings_dict.get("USER") == role:
        return
    append_only = [m._meta.db_table for m in apps.get_models() if getattr(m, "APPEND_ONLY", False)]
    with connection.cursor() as cursor:
        for statement in runtime_role_grants_sql(role, append_only):
            cursor.execute(statement)


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the staff site (aihm.admin.StaffAdminSite) as `admin.site`;
    named in INSTALLED_APPS instead of django.contrib.admin."""

    default = False  # not the aihm app's own config
    default_site = "aihm.admin.StaffAdminSite"
