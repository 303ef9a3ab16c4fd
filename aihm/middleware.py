"""Enters the tenant context for a request: from the session user, or from the API's bearer token.

DRF authenticates inside the view, after middleware, so API tokens are checked here once and the
result handed to DRF (see `aihm.api.TenantJWTAuthentication`). The whole response, templates
included, is rendered inside the context.
"""

from aihm.tenancy import tenant_context


def _api_tenant_id(request):
    from aihm.api import authenticate_bearer

    result = authenticate_bearer(request)
    return result[0].tenant_id if result else None


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
            return _api_tenant_id(request) if request.META.get("HTTP_AUTHORIZATION") else None
        user = request.user
        if user.is_authenticated and user.is_active:
            return user.tenant_id
        return None
