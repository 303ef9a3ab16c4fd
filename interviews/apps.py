from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewsConfig(AppConfig):
    name = "interviews"
    verbose_name = _("Interviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import reverse

        from accounts.audit_labels import register_target
        from interviews import erasure, receivers, rights  # noqa: F401  (the eraser, consent's withdrawal, export and retention)
        from interviews.selectors import interview_cells, interview_panel
        from recruiting.panels import register_candidate_panel, register_candidate_row_cell

        register_candidate_panel("interviews/_candidate_panel.html", interview_panel)
        register_candidate_row_cell(_("Interview"), interview_cells)
        from interviews.services import schedule_interview_in_bulk
        from recruiting.bulk import register_bulk_action

        register_bulk_action("schedule_interview", _("Schedule interviews"), schedule_interview_in_bulk, rank=20)
        register_target("interviews.callpolicy", gone=_("Call policy"), fields=(),
                        name=lambda policy: _("Call policy"), url=lambda policy: reverse("interviews:call_policy"))
