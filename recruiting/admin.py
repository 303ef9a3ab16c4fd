from django.contrib import admin

from aihm.admin import ReadOnlyCrossTenantAdmin
from recruiting.models import Candidate, Position, Question, ScriptVersion


@admin.register(Position)
class PositionAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("title", "tenant", "status", "language", "created_at")
    list_filter = ("status", "language")
    search_fields = ("title",)
    list_select_related = ("tenant",)


@admin.register(Question)
class QuestionAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("text", "position", "order", "weight", "protected_topics")
    list_select_related = ("position",)


@admin.register(ScriptVersion)
class ScriptVersionAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("position", "number", "language", "created_at")
    list_select_related = ("position",)


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyCrossTenantAdmin):
    """Candidates are personal data: staff see their pipeline state, not their CV text."""

    list_display = ("id", "tenant", "position", "status", "scoring_status", "cv_score", "created_at")
    list_filter = ("status", "scoring_status", "source")
    list_select_related = ("tenant", "position")
    exclude = ("cv_text", "notes", "full_name", "email", "phone", "cv_file", "cv_filename")
