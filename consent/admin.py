"""Staff tooling: consent data of every company, read-only and audited (aihm.admin). Personal
fields of the candidates (IP address, browser, the recruiter's note) are not shown."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aihm.admin import ReadOnlyCrossTenantAdmin, shown_as
from consent.models import CallingHoursPolicy, ConsentRecord, ConsentRequest, RetentionPolicy


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("created_at", "company", "decision", "channel", "language", "text_version", "candidate_ref", "scrubbed_at")
    list_filter = ("decision", "channel", "language")
    list_select_related = ("tenant",)
    exclude = ("ip", "user_agent", "note", "candidate", "request")


@admin.register(ConsentRequest)
class ConsentRequestAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("created_at", "company", "state", "language", "sent_at", "reminders_sent", "expires_at", "candidate_ref")
    list_filter = ("state", "language")
    list_select_related = ("tenant",)
    exclude = ("candidate",)
    candidate_ref = shown_as("candidate_id", _("candidate identifier"))
    created_by_shown = shown_as("created_by", _("created by"))
    labelled_fields = {**ReadOnlyCrossTenantAdmin.labelled_fields, "created_by": "created_by_shown"}


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("company", "recordings_days", "reports_months", "other_data_months", "updated_at")
    list_select_related = ("tenant",)
    updated_by_shown = shown_as("updated_by", _("updated by"))
    labelled_fields = {**ReadOnlyCrossTenantAdmin.labelled_fields, "updated_by": "updated_by_shown"}


@admin.register(CallingHoursPolicy)
class CallingHoursPolicyAdmin(ReadOnlyCrossTenantAdmin):
    list_display = ("company", "days", "start", "end", "second_start", "second_end", "skip_public_holidays",
                    "french_decree_for_french_numbers", "updated_at")
    list_select_related = ("tenant",)
    updated_by_shown = shown_as("updated_by", _("updated by"))
    labelled_fields = {**ReadOnlyCrossTenantAdmin.labelled_fields, "updated_by": "updated_by_shown"}
