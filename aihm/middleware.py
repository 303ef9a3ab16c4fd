"""Enters the tenant context for a request: from the session user, or from the API's bearer token.

DRF authenticates inside the view, after middleware, so API tokens are checked here once and the
result handed to DRF (see `aihm.api.TenantJWTAuthentication`). The whole response, templates
included, is rendered inside the context.
"""

from django.urls import Resolver404, resolve

from aihm.tenancy import tenant_context


def _api_tenant_id(request):
    from aihm.api import authenticate_bearer

    result = authenticate_bearer(request)
    return result[0].tenant_id if result else None


def _is_tenant_free(request):
    """API views that act without an account (sign-up, sign-in, token refresh, public links) set
    `tenant_free = True`: a bearer token sent along is ignored, or its tenant would wrap work
    done for another one (a new company, an account of another company)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    view_class = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    return bool(getattr(view_class, "tenant_free", False))


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant_id = self.tenant_id_for(request)
        request.tenant_id = tenant_id
        if tenant_id is None:
            return self.get_response(request)
        with tenant_context(tenant_id):
            return self.get_response(request)

    @staticmethod
    def tenant_id_for(request):
        if request.path.startswith("/api/"):
            if not request.META.get("HTTP_AUTHORIZATION") or _is_tenant_free(request):
                return None
            return _api_tenant_id(request)
        user = request.user
        if user.is_authenticated and user.is_active:
            return user.tenant_id
        return None
