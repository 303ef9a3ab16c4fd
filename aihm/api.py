"""What every API view shares: token authentication that enters the tenant, pagination,
throttles, and one exception handler that answers JSON with a message naming the field."""

from django.core.exceptions import PermissionDenied
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from aihm.errors import DomainError

_STASH = "_aihm_bearer"


class TenantJWTAuthentication(JWTAuthentication):
    """JWT access tokens for tenant users only; platform staff use the admin, not the API."""

    def authenticate(self, request):
        django_request = getattr(request, "_request", request)
        if hasattr(django_request, _STASH) and getattr(django_request, _STASH) is not None:
            return getattr(django_request, _STASH)
        result = super().authenticate(request)
        if result is not None and result[0].tenant_id is None:
            raise exceptions.AuthenticationFailed("This account has no company; use the admin site.")
        return result

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if user.tenant_id is None or not user.tenant.is_active:
            raise exceptions.AuthenticationFailed("This account cannot use the API.")
        return user


def authenticate_bearer(request):
    """Check the bearer token once, for the tenant middleware; failures are left to DRF to report."""
    try:
        result = TenantJWTAuthentication().authenticate(request)
    except (exceptions.AuthenticationFailed, InvalidToken, TokenError):
        result = None
    setattr(request, _STASH, result)
    return result


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class AuthThrottle(AnonRateThrottle):
    scope = "auth"


class PublicThrottle(AnonRateThrottle):
    scope = "public"


class UserThrottle(UserRateThrottle):
    scope = "user"


def _first_message(detail, prefix=""):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            return _first_message(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
    if isinstance(detail, list) and detail:
        return _first_message(detail[0], prefix)
    text = str(detail)
    return f"{prefix}: {text}" if prefix else text


def exception_handler(exc, context):
    """Every API error is JSON: `{"message": ..., "errors": {...}}`, never an HTML page."""
    from rest_framework.views import exception_handler as drf_exception_handler  # views import this module

    if isinstance(exc, DomainError):
        body = {"message": exc.message}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status_code)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": _first_message(data), "errors": data if isinstance(data, dict) else {"non_field_errors": data}}
    elif isinstance(data, dict) and "detail" in data:
        body = {"message": str(data["detail"])}
        if "code" in data:
            body["code"] = data["code"]
        response.data = body
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response.data["retry_after_seconds"] = int(exc.wait)
    return response


from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme  # noqa: E402  (needs the classes above)


class TenantJWTScheme(SimpleJWTScheme):
    """OpenAPI: TenantJWTAuthentication is simplejwt's bearer scheme."""

    target_class = "aihm.api.TenantJWTAuthentication"
