"""Staff tooling across tenants: the base classes every app's admin uses for tenant data.

Platform staff have no tenant, so the scoped managers and row-level security would show them
nothing. `CrossTenantAdmin` reads every tenant's rows through `bypassing_rls()` (the privileged
alias) and records each look at them in the audit log as a platform event (tenant None), so a
tenant's data is never opened by staff without a trace.

`StaffAdminSite` is the site itself (`admin.site`): every model admin registered on it, third-party
ones included, goes through `AuditedStaffAccess`, and the refresh-token tables are never shown.
"""

from contextlib import nullcontext
from functools import partial

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from aihm.tenancy import PRIVILEGED_DB, TenantManager, bypassing_rls, privileged_write_alias, tenant_context


def audit_staff_access(request, action, target=None, **details):
    """One platform audit line for a staff action on tenant data (actor = the staff member)."""
    from accounts.services import audit  # the admin wiring sits above accounts

    tenant_id = getattr(target, "tenant_id", None)
    if tenant_id is not None:
        details.setdefault("tenant", str(tenant_id))
    return audit(request.user, action, target, request=request, **details)


def is_tenant_owned(model):
    return isinstance(model._default_manager, TenantManager)


def inside_tenant_of(obj):
    """The object's tenant context, so the model's own checks (and receivers) see its tenant."""
    tenant_id = getattr(obj, "tenant_id", None)
    return tenant_context(tenant_id) if tenant_id is not None else nullcontext()


def shown_as(field_name, label, *, ordering=None):
    """A read-only column or field showing a model field under a translated label, for fields
    whose model gives none (a verbose name there would need a migration)."""

    @admin.display(description=label, ordering=ordering or field_name)
    def show(model_admin, obj):
        return display_for_value(getattr(obj, field_name), model_admin.get_empty_value_display())

    show.__name__ = field_name
    return show


class CompanyFilter(admin.RelatedFieldListFilter):
    """The `tenant` filter, titled as staff read it: the company."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("company")


class AuditedStaffAccess:
    """Audits every staff look at data and every change made through the admin: each changelist
    page and each object opened, and each addition, change and deletion (the admin's own log
    hooks, which every add, change, delete view and bulk delete calls)."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_staff_access(request, "staff.viewed", model=self.opts.label_lower)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = response.context_data.get("original") if hasattr(response, "context_data") else None
            if obj is not None:
                audit_staff_access(request, "staff.viewed", obj)
        return response

    def log_addition(self, request, obj, message):
        audit_staff_access(request, "staff.created", obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_staff_access(request, "staff.changed", obj, fields=_changed_fields(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_staff_access(request, "staff.deleted", obj)
        return super().log_deletions(request, queryset)


def _changed_fields(message):
    """The labels of the fields a change touched, from the admin's change message; the names of
    related objects that the message also holds stay out of the audit log."""
    fields = []
    for entry in message if isinstance(message, list) else []:
        changed = entry.get("changed", {})
        if "object" not in changed:  # the object itself, not one of its inlines
            fields.extend(changed.get("fields", []))
    return fields


class CrossTenantAdmin(AuditedStaffAccess, admin.ModelAdmin):
    """Admin for a tenant-owned model: every tenant's rows, through the privileged alias.

    Each row keeps its tenant: relations offered in its form are limited to that tenant, and
    saving or deleting runs inside that tenant's context. Adding rows is off (tenant data is
    created by its tenant) and so is bulk delete (one object at a time, each audited).
    Subclasses add `list_display`, filters and search; avoid `list_editable` and filters on
    relations to other tenant-owned models (their choices would need a tenant).
    """

    def get_queryset(self, request):
        queryset = bypassing_rls(self.model)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def has_add_permission(self, request):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["formfield_callback"] = partial(
            self.formfield_in_tenant, request=request, tenant_id=getattr(obj, "tenant_id", None)
        )
        return super().get_form(request, obj, change, **kwargs)

    def formfield_in_tenant(self, db_field, request, tenant_id, **kwargs):
        """Relations are read through the privileged alias, limited to the row's own tenant."""
        if isinstance(db_field, (models.ForeignKey, models.ManyToManyField)):
            kwargs.setdefault("using", PRIVILEGED_DB)
            related_model = db_field.remote_field.model
            if is_tenant_owned(related_model) and "queryset" not in kwargs:
                rows = bypassing_rls(related_model)
                kwargs["queryset"] = rows.filter(tenant_id=tenant_id) if tenant_id else rows.none()
        return self.formfield_for_dbfield(db_field, request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=privileged_write_alias()):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return super().delete_view(request, object_id, extra_context)
        with transaction.atomic(using=privileged_write_alias()):
            return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        """What a delete would take with it, seen from inside the row's tenant (RLS applies)."""
        tenants = {getattr(obj, "tenant_id", None) for obj in objs}
        context = inside_tenant_of(objs[0]) if len(tenants) == 1 and objs else nullcontext()
        with context:
            return super().get_deleted_objects(objs, request)

    company = shown_as("tenant", _("company"), ordering="tenant__name")

    def save_model(self, request, obj, form, change):
        with inside_tenant_of(obj):
            obj.save(using=privileged_write_alias())

    def delete_model(self, request, obj):
        with inside_tenant_of(obj):
            obj.delete(using=privileged_write_alias())

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyCrossTenantAdmin(CrossTenantAdmin):
    """Tenant data that staff may look at, audited, but never change (the audit log itself).

    Every field is shown read-only; `labelled_fields` maps a model field without a translated label
    to the `shown_as()` attribute that shows it instead.
    """

    labelled_fields = {"tenant": "company"}

    def get_fields(self, request, obj=None):
        return [self.labelled_fields.get(name, name) for name in super().get_fields(request, obj)]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StaffAdminSite(admin.AdminSite):
    """The staff admin (`admin.site`, through `aihm.apps.StaffAdminConfig`).

    Every model admin registered here goes through `AuditedStaffAccess`, third-party ones (groups,
    periodic tasks) included, so no look at data escapes the audit log. Outstanding and
    blacklisted refresh tokens are never registered: a refresh token is a credential, and a
    staff member who reads one can act as its user through the API.
    """

    site_header = _("AIHM staff")
    site_title = _("AIHM staff")
    index_title = _("Platform administration")
    never_shown = {"token_blacklist.outstandingtoken", "token_blacklist.blacklistedtoken"}

    def register(self, model_or_iterable, admin_class=None, **options):
        models_ = [model_or_iterable] if isinstance(model_or_iterable, models.base.ModelBase) else list(model_or_iterable)
        models_ = [model for model in models_ if model._meta.label_lower not in self.never_shown]
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedStaffAccess):
            admin_class = type(f"Audited{admin_class.__name__}", (AuditedStaffAccess, admin_class), {"__module__": admin_class.__module__})
        super().register(models_, admin_class, **options)

    def login(self, request, extra_context=None):
        """Limited per client address like the dashboard's sign-in (password spraying)."""
        from django.conf import settings

        from accounts.ratelimit import over_limit
        from accounts.views import too_many_requests

        if request.method == "POST" and over_limit(request, scope="staff-login", rate=settings.AUTH_PAGE_RATE):
            return too_many_requests(request)
        return super().login(request, extra_context)
