"""Staff tooling: interviews of every company, read-only and audited (aihm.admin). Nothing that
identifies the candidate is shown (ids only); recordings are not reachable from here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aihm.admin import ReadOnlyCrossTenantAdmin, shown_as
from interviews.models import Answer, CallAttempt, CallPolicy, Interview


@admin.register(Interview)
class InterviewAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("created_at", "company", "state", "language", "attempts_made", "next_call_at", "candidate_ref", "ended_at")
    list_filter = ("state", "language")
    list_select_related = ("tenant",)
    exclude = ("candidate", "script", "created_by")
    candidate_ref = shown_as("candidate_id", _("candidate identifier"))


@admin.register(CallAttempt)
class CallAttemptAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("started_at", "company", "number", "state", "outcome", "answered_by", "duration_seconds", "interview_ref")
    list_filter = ("state", "outcome")
    list_select_related = ("tenant",)
    exclude = ("interview",)
    interview_ref = shown_as("interview_id", _("interview identifier"))


@admin.register(Answer)
class AnswerAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("created_at", "company", "question_index", "take", "state", "duration_seconds", "interview_ref")
    list_filter = ("state",)
    list_select_related = ("tenant",)
    exclude = ("interview", "attempt", "storage_key", "checksum", "recording_sid")
    interview_ref = shown_as("interview_id", _("interview identifier"))


@admin.register(CallPolicy)
class CallPolicyAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("company", "max_attempts", "retry_after_minutes", "call_time_limit_minutes", "max_simultaneous_calls", "updated_at")
    list_select_related = ("tenant",)
    updated_by_shown = shown_as("updated_by", _("updated by"))
    labelled_fields = {**ReadOnlyCrossTenantAdmin.labelled_fields, "updated_by": "updated_by_shown"}
