"""Staff tooling: consent data of every company, read-only and audited (aihm.admin). Personal
fields of the candidates (IP address, browser, the recruiter's note) are not shown."""

from django.contrib import admin

from aihm.admin import ReadOnlyCrossTenantAdmin
from consent.models import ConsentRecord, ConsentRequest, RetentionPolicy


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("id", "tenant", "candidate_ref", "decision", "channel", "language", "text_version", "created_at", "scrubbed_at")
    list_filter = ("decision", "channel", "language")
    list_select_related = ("tenant",)
    exclude = ("ip", "user_agent", "note", "candidate", "request")


@admin.register(ConsentRequest)
class ConsentRequestAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("id", "tenant", "candidate_id", "state", "language", "sent_at", "reminders_sent", "expires_at")
    list_filter = ("state", "language")
    list_select_related = ("tenant",)
    exclude = ("candidate",)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("tenant", "recordings_days", "other_data_months", "updated_at")
    list_select_related = ("tenant",)
