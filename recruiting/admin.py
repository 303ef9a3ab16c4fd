from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.models import Tenant
from aihm.admin import CrossTenantAdmin, ReadOnlyCrossTenantAdmin
from aihm.errors import DomainError
from aihm.tenancy import PRIVILEGED_DB
from recruiting.models import Candidate, Position, Question, ScriptVersion
from recruiting.services import POSITION_FIELDS, clean_position_values


class PositionAdminForm(forms.ModelForm):
    """Staff may create a position for a company; the same rules as the dashboard apply."""

    company = forms.ModelChoiceField(queryset=Tenant.objects.using(PRIVILEGED_DB).all(), required=False)

    class Meta:
        model = Position
        fields = POSITION_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and not cleaned.get("company"):
            self.add_error("company", "Choose the company this position belongs to.")
        try:
            clean_position_values({f: cleaned[f] for f in POSITION_FIELDS if f in cleaned})
        except DomainError as error:
            raise ValidationError({error.field: error.message} if error.field in self.fields else error.message) from error
        return cleaned


@admin.register(Position)
class PositionAdmin(CrossTenantAdmin):
    """Positions of every company: created, changed and deleted by staff, each step audited."""

    form = PositionAdminForm
    list_display = ("title", "tenant", "status", "language", "created_at")
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
