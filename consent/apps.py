from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent and candidate rights")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.audit_labels import register_target
        from consent import erasure, exports  # noqa: F401  (register the eraser and the export parts)
        from consent.selectors import consent_panel
        from recruiting.panels import register_candidate_panel

        register_candidate_panel("consent/_candidate_panel.html", consent_panel)
        from consent.services import request_consent_in_bulk
        from recruiting.bulk import register_bulk_action

        register_bulk_action("request_consent", _("Send consent requests"), request_consent_in_bulk, rank=10)
        register_target("consent.retentionpolicy", gone=_("Data retention"), fields=(),
                        name=lambda policy: _("Data retention"), url=lambda policy: reverse("consent:retention"))
        register_target("consent.callinghourspolicy", gone=_("Calling hours"), fields=(),
                        name=lambda policy: _("Calling hours"), url=lambda policy: reverse("consent:calling_hours"))

        post_migrate.connect(allow_consent_scrub, sender=self)


def allow_consent_scrub(using, **kwargs):
    """Consent records are append-only: the runtime role lost UPDATE and DELETE on them (see
    aihm.apps, which runs first). It gets back UPDATE on the few columns that erasure scrubs or
    that a deleted row elsewhere sets to NULL, and nothing else: a decision, its time, its text
    hash and what it covers can never be rewritten, even by raw SQL."""
    from django.db import connections

    from aihm.tenancy import runtime_role_name
    from consent.models import ConsentRecord

    role = runtime_role_name()
    connection = connections[using]
    if role is None or connection.vendor != "postgresql" or connection.settings_dict.get("USER") == role:
        return
    columns = ", ".join(f'"{ConsentRecord._meta.get_field(name).column}"' for name in ConsentRecord.SCRUBBABLE_FIELDS)
    quoted_role = role.replace('"', '""')
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT UPDATE ({columns}) ON "{ConsentRecord._meta.db_table}" TO "{quoted_role}"')
