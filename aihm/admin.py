"""Staff tooling across tenants: the base classes every app's admin uses for tenant data.

Platform staff have no tenant, so the scoped managers and row-level security would show them
nothing. `CrossTenantAdmin` reads every tenant's rows through `bypassing_rls()` (the privileged
alias) and records each look at them in the audit log as a platform event (tenant None), so a
tenant's data is never opened by staff without a trace.
"""

from contextlib import nullcontext
from functools import partial

from django.contrib import admin
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from aihm.tenancy import PRIVILEGED_DB, TenantManager, bypassing_rls, tenant_context


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


def staff_write_alias():
    """Where staff writes go: the privileged role under PostgreSQL. SQLite has no row-level
    security and one file, whose write lock the admin view's transaction already holds on the
    default connection, so writes stay there."""
    return PRIVILEGED_DB if connections[PRIVILEGED_DB].vendor == "postgresql" else DEFAULT_DB_ALIAS


class AuditedStaffAccess:
    """Audits every staff look at tenant data: each changelist page and each object opened."""

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
        with transaction.atomic(using=staff_write_alias()):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return super().delete_view(request, object_id, extra_context)
        with transaction.atomic(using=staff_write_alias()):
            return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        """What a delete would take with it, seen from inside the row's tenant (RLS applies)."""
        tenants = {getattr(obj, "tenant_id", None) for obj in objs}
        context = inside_tenant_of(objs[0]) if len(tenants) == 1 and objs else nullcontext()
        with context:
            return super().get_deleted_objects(objs, request)

    def save_model(self, request, obj, form, change):
        with inside_tenant_of(obj):
            obj.save(using=staff_write_alias())
        audit_staff_access(request, "staff.changed" if change else "staff.created", obj)

    def delete_model(self, request, obj):
        audit_staff_access(request, "staff.deleted", obj)
        with inside_tenant_of(obj):
            obj.delete(using=staff_write_alias())

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyCrossTenantAdmin(CrossTenantAdmin):
    """Tenant data that staff may look at, audited, but never change (the audit log itself)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
