"""How the audit log names and links recruiting's objects (registered with accounts.audit_labels)."""

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import register_target

register_target("recruiting.candidate", gone=_("Erased candidate"), fields=("full_name",),
                url=lambda candidate: reverse("recruiting:candidate_detail", args=[candidate.pk]))
register_target("recruiting.position", gone=_("Deleted position"), fields=("title",),
                url=lambda position: reverse("recruiting:position_detail", args=[position.pk]))
register_target("recruiting.question", gone=_("Deleted question"), fields=("text", "position_id"),
                name=lambda question: Truncator(question.text).chars(80),
                url=lambda question: reverse("recruiting:script", args=[question.position_id]) + f"#question-{question.pk}")
register_target("recruiting.scriptversion", gone=_("Script version"), fields=("number", "position_id"),
                name=lambda version: _("Script version %(number)s") % {"number": version.number},
                url=lambda version: reverse("recruiting:script", args=[version.position_id]))
