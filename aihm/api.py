"""What every API view shares: token authentication that enters the tenant, pagination,
throttles, strict string fields, and one exception handler that answers JSON with a message
naming the field."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from aihm.errors import DomainError

_STASH = "_aihm_bearer"


class TenantJWTAuthentication(JWTAuthentication):
    """JWT access tokens for tenant users only; platform staff use the admin, not the API."""

    def authenticate(self, request):
        django_request = getattr(request, "_request", request)
        if getattr(django_request, _STASH, None) is not None:
            return getattr(django_request, _STASH)
        result = super().authenticate(request)
        if result is not None and result[0].tenant_id is None:
            raise exceptions.AuthenticationFailed(_("This account has no company; use the admin site."))
        return result

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if user.tenant_id is None or not user.tenant.is_active:
            raise exceptions.AuthenticationFailed(_("This account cannot use the API."))
        return user


class TenantJWTScheme(SimpleJWTScheme):
    """OpenAPI: TenantJWTAuthentication is simplejwt's bearer scheme."""

    target_class = "aihm.api.TenantJWTAuthentication"


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


# --- Throttles: keyed by the client address as django-axes sees it (PROXY_COUNT), so a forged
# X-Forwarded-For does not buy a fresh allowance, as it would with DRF's default NUM_PROXIES. ---

def _client_address(request):
    from axes.helpers import get_client_ip_address

    django_request = getattr(request, "_request", request)
    return get_client_ip_address(django_request) or django_request.META.get("REMOTE_ADDR") or "unknown"


class _AddressThrottle(SimpleRateThrottle):
    def get_ident(self, request):
        return _client_address(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthThrottle(_AddressThrottle):
    """Sign-up, sign-in and token routes: per client address, whether a token is sent or not."""

    scope = "auth"


class PublicThrottle(_AddressThrottle):
    """Routes open without an account (the candidate's consent link)."""

    scope = "public"


class UserThrottle(_AddressThrottle):
    """Per user when signed in, per address otherwise."""

    scope = "user"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return super().get_cache_key(request, view)


# --- Fields ---

class StrictCharField(serializers.CharField):
    """A string and nothing else: DRF's CharField quietly turns 12 into "12"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    """An email given as a string; numbers and lists are refused, not converted."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    """OpenAPI: the body of every error response."""

    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    code = serializers.CharField(required=False)

    class Meta:
        ref_name = "ApiError"


# --- Errors ---

def _first_message(detail, prefix=""):
    """The first error as one line, prefixed with the field it belongs to (`email: ...`)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "detail") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            message = _first_message(value, path)
            if message:
                return message
        return ""
    if isinstance(detail, (list, tuple)):
        for item in detail:
            message = _first_message(item, prefix)
            if message:
                return message
        return ""
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
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(get_error_detail(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"message": _first_message(errors) or str(exc.default_detail), "errors": errors}
    elif isinstance(data, dict) and "detail" in data:
        body = {"message": str(data["detail"])}
        if "code" in data:
            body["code"] = data["code"]
        response.data = body
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response.data["retry_after_seconds"] = int(exc.wait)
    return response
