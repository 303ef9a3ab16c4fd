"""Who may call an API view, for every app's API. Combine them in `permission_classes`:

    [IsTenantMember, CanWrite]          members read, viewers get 403 on any change
    [IsTenantMember, IsTenantAdmin]     admins only
    [IsTenantMember, AdminWrites]       members read, only admins change

Object lookups stay in the views and are scoped to the company, so another company's object is
a 404 before any of these is asked about it.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsTenantMember(BasePermission):
    """Signed in with an access token of a member of an active company."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.tenant_id is not None and user.tenant.is_active)


class CanWrite(BasePermission):
    """Viewers read: every method but GET, HEAD and OPTIONS is refused to them."""

    message = _("Your role can read but not change anything.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_authenticated and request.user.can_write)


class IsWriter(BasePermission):
    """Admins and recruiters only, whatever the method (for reads that export personal data)."""

    message = _("Your role can read but not change anything.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.can_write)


class IsTenantAdmin(BasePermission):
    """Admins of the company only, whatever the method."""

    message = _("Only an admin of the company can do this.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_tenant_admin)


class AdminWrites(BasePermission):
    """Every member reads; only admins change."""

    message = IsTenantAdmin.message

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or IsTenantAdmin().has_permission(request, view)
