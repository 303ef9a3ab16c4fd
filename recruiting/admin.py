from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Tenant
from aihm.admin import CrossTenantAdmin, ReadOnlyCrossTenantAdmin, shown_as
from aihm.errors import DomainError
from aihm.tenancy import PRIVILEGED_DB
from recruiting.models import Candidate, Position, Question, ScriptVersion
from recruiting.services import POSITION_FIELDS, clean_position_values


class PositionAdminForm(forms.ModelForm):
    """Staff may create a position for a company; the same rules as the dashboard apply."""

    company = forms.ModelChoiceField(label=_("company"), queryset=Tenant.objects.using(PRIVILEGED_DB).all(), required=False)

    class Meta:
        model = Position
        fields = POSITION_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and not cleaned.get("company"):
            self.add_error("company", _("Choose the company this position belongs to."))
        try:
            clean_position_values({f: cleaned[f] for f in POSITION_FIELDS if f in cleaned})
        except DomainError as error:
            raise ValidationError({error.field: error.message} if error.field in self.fields else error.message) from error
        return cleaned


@admin.register(Position)
class PositionAdmin(CrossTenantAdmin):
    """Positions of every company: created, changed and deleted by staff, each step audited."""

    form = PositionAdminForm
    list_display = ("title", "company", "status", "language", "created_at")
    list_filter = ("status", "language")
    search_fields = ("title",)
    list_select_related = ("tenant",)

    def has_add_permission(self, request):
        return request.user.is_staff

    def get_fields(self, request, obj=None):
        fields = list(POSITION_FIELDS)
        return fields if obj is not None else ["company", *fields]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.tenant_id = form.cleaned_data["company"].pk
        super().save_model(request, obj, form, change)


class RecruitingReadOnlyAdmin(ReadOnlyCrossTenantAdmin):
    """Labels for the fields the recruiting models leave unnamed."""

    of_position = shown_as("position", _("position"), ordering="position__title")
    added_by = shown_as("created_by", _("added by"))
    labelled_fields = {**ReadOnlyCrossTenantAdmin.labelled_fields, "position": "of_position", "created_by": "added_by"}


@admin.register(Question)
class QuestionAdmin(RecruitingReadOnlyAdmin):
    list_display = ("text", "of_position", "company", "order", "weight", "protected_topics")
    list_select_related = ("position", "tenant")


@admin.register(ScriptVersion)
class ScriptVersionAdmin(RecruitingReadOnlyAdmin):
    list_display = ("of_position", "number", "company", "language", "created_at")
    list_select_related = ("position", "tenant")
    frozen_by_shown = shown_as("frozen_by", _("frozen by"))
    labelled_fields = {**RecruitingReadOnlyAdmin.labelled_fields, "frozen_by": "frozen_by_shown"}


@admin.register(Candidate)
class CandidateAdmin(RecruitingReadOnlyAdmin):
    """Candidates are personal data: staff see their pipeline state, not their CV text."""

    list_display = ("created_at", "company", "of_position", "status", "scoring_status", "cv_score")
    list_filter = ("status", "scoring_status", "source")
    list_select_related = ("tenant", "position")
    exclude = ("cv_text", "notes", "full_name", "email", "phone", "cv_file", "cv_filename")
    cv_file_type = shown_as("cv_content_type", _("CV file type"))
    cv_file_size = shown_as("cv_size", _("CV size (bytes)"))
    scoring_started_at = shown_as("scoring_claimed_at", _("scoring started at"))
    decided_by_shown = shown_as("decided_by", _("decided by"))
    labelled_fields = {
        **RecruitingReadOnlyAdmin.labelled_fields,
        "cv_content_type": "cv_file_type",
        "cv_size": "cv_file_size",
        "scoring_claimed_at": "scoring_started_at",
        "decided_by": "decided_by_shown",
    }
