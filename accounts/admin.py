"""Staff tooling for companies, users and the audit log. Staff are platform users with no
company; tenant admins are not staff and manage their team from the dashboard instead."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.emails import normalise_email
from accounts.models import AuditLog, Tenant, User
from accounts.selectors import email_in_use
from accounts.services import revoke_refresh_tokens
from aihm.admin import AuditedStaffAccess, CompanyFilter, ReadOnlyCrossTenantAdmin, inside_tenant_of, shown_as
from aihm.tenancy import PRIVILEGED_DB, bypassing_rls

@admin.register(Tenant)
class TenantAdmin(AuditedStaffAccess, admin.ModelAdmin):
    """Companies: renamed or deactivated here, never deleted (erasing a company is a workflow)."""

    list_display = ["name", "is_active", "member_count", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    identifier = shown_as("id", _("identifier"))
    readonly_fields = ["identifier", "created_at"]
    fields = ["identifier", "name", "is_active", "created_at"]

    def get_queryset(self, request):
        """Through the privileged alias: members are behind row-level security, and staff count
        every company's."""
        return super().get_queryset(request).using(PRIVILEGED_DB).annotate(member_count=Count("users"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, tenant):
        return tenant.member_count

    def has_delete_permission(self, request, obj=None):
        return False

def _unused_email(form):
    """Emails are one account whatever their case: `W@x.com` is refused when `w@x.com` exists."""
    email = normalise_email(form.cleaned_data.get("email"))
    if email_in_use(email, except_user_id=form.instance.pk):
        raise ValidationError(_("A user with this email already exists."))
    return email

def _clean_staff_or_member(form):
    """Staff belong to no company; everyone else belongs to exactly one (the model's constraint,
    said in words)."""
    is_staff, tenant = form.cleaned_data.get("is_staff"), form.cleaned_data.get("tenant")
    if is_staff and tenant is not None:
        raise ValidationError({"tenant": _("Platform staff belong to no company: leave it empty.")})
    if not is_staff and tenant is None:
        raise ValidationError({"tenant": _("A company member must belong to a company.")})

class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "tenant", "role", "language", "is_staff")

    def clean_email(self):
        return _unused_email(self)

    def clean(self):
        cleaned = super().clean()
        _clean_staff_or_member(self)
        return cleaned

class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return _unused_email(self)

    def clean(self):
        """An account's company is fixed: its company's rows name it (positions, decisions,
        consent records), and the database refuses a row naming another company's person."""
        cleaned = super().clean()
        _clean_staff_or_member(self)
        if "tenant" in self.changed_data or "is_staff" in self.changed_data:
            raise ValidationError({"tenant": _(
                "An account stays in its company: that company's records name it. Deactivate it instead."
            )})
        return cleaned

@admin.register(User)
class UserAdmin(AuditedStaffAccess, DjangoUserAdmin):
    """Every user of every company: each list and each profile opened is audited."""

    form = UserChangeAdminForm
    add_form = UserCreationForm
    list_display = ["email", "full_name", "tenant", "role", "is_active", "is_staff"]
    list_filter = ["is_staff", "is_active", "role", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["email", "full_name", "tenant__name"]
    ordering = ["email"]
    inviter = shown_as("invited_by", _("invited by"))
    readonly_fields = ["last_login", "date_joined", "inviter"]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "language"]}),
        (_("Company"), {"fields": ["tenant", "role", "inviter"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {
            "classes": ["wide"],
            "fields": ["email", "full_name", "tenant", "role", "language", "is_staff",
                       "usable_password", "password1", "password2"],
        }),
    ]

    def get_queryset(self, request):
        """Every company's members and the staff: accounts are behind row-level security."""
        queryset = bypassing_rls(User)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """The account is read through the privileged alias: so are the company and inviter
        offered beside it (a relation cannot cross connections)."""
        return super().formfield_for_foreignkey(db_field, request, using=PRIVILEGED_DB, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, using=PRIVILEGED_DB, **kwargs)

    def delete_view(self, request, object_id, extra_context=None):
        """A member is deleted from inside their company, so what cascades with them is seen."""
        user = self.get_object(request, unquote(object_id))
        with inside_tenant_of(user):
            return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        revoke_refresh_tokens(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            if user is not None and response.url != request.get_full_path():
                revoke_refresh_tokens(user)  # audited as a change by the base's log hook
        return response

@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyCrossTenantAdmin):
    """The audit log of every company and of the platform: read-only, and reading it is audited."""

    list_display = ["created_at", "action", "company", "actor_display", "target_type", "target_id", "ip"]
    list_filter = ["action", ("tenant", CompanyFilter), "created_at"]
    list_select_related = ["tenant", "actor"]
    search_fields = ["action", "target_id"]
    date_hierarchy = "created_at"
    fields = ["created_at", "action", "company", "actor_display", "target_type", "target_id", "ip", "details"]
    readonly_fields = fields

    @admin.display(description=_("actor"))
    def actor_display(self, entry):
        """The actor's name while they exist, else their id (erased people leave only ids)."""
        if entry.actor_id is None:
            return "-"
        try:
            actor = entry.actor
        except User.DoesNotExist:
            actor = None
        return str(actor) if actor else str(entry.actor_id)
