"""Enters the tenant context for a request, before its account is read: users sit behind
row-level security, so the account of a session or a bearer token is found inside the company
the session (written at sign-in) or the token (a signed claim) names, and the request stays in
that company only when the account found there is an active member of it.

DRF authenticates inside the view, after middleware, so API tokens are checked here once and the
result handed to DRF (see `aihm.api.TenantJWTAuthentication`). The whole response, templates
included, is rendered inside the context.
"""

from django.contrib.auth import SESSION_KEY
from django.urls import Resolver404, resolve

from aihm.tenancy import canonical_tenant_id, tenant_context

SESSION_TENANT_KEY = "_aihm_tenant_id"


def remember_tenant(request, user):
    """At a session sign-in (`django.contrib.auth.login`): the session names the account's company
    ('' for platform staff). An API sign-in has no session to write to."""
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY) == str(user.pk):
        session[SESSION_TENANT_KEY] = str(user.tenant_id) if user.tenant_id else ""


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


def _is_api(request):
    return request.path.startswith("/api/")


def _claimed_tenant_id(request):
    """The company the request says it acts in; nothing is read from the database."""
    if _is_api(request):
        if not request.META.get("HTTP_AUTHORIZATION") or _is_tenant_free(request):
            return None
        from aihm.api import bearer_tenant_id

        return bearer_tenant_id(request)
    session = getattr(request, "session", None)
    return session.get(SESSION_TENANT_KEY) or None if session is not None else None


def _member_of(request, tenant_id):
    """Whether the request's account, read inside `tenant_id`, is an active member of it."""
    if _is_api(request):
        from aihm.api import authenticate_bearer

        result = authenticate_bearer(request)
        user = result[0] if result else None
    else:
        user = request.user
    return bool(user is not None and user.is_authenticated and user.is_active and str(user.tenant_id) == tenant_id)


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant_id = None
        tenant_id = canonical_tenant_id(_claimed_tenant_id(request))
        if tenant_id is None:
            return self.get_response(request)
        with tenant_context(tenant_id):
            if _member_of(request, tenant_id):
                request.tenant_id = tenant_id
                return self.get_response(request)
        return self.get_response(request)  # not a member there: nobody's request
