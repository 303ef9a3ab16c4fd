"""What every API view shares: token authentication that enters the tenant, pagination,
throttles, the JSON parser, strict string fields and plain field messages, one exception handler
that answers JSON with a message naming the field, and the OpenAPI schema of those errors."""

import copy

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from aihm import cache as shared_cache
from aihm.errors import DomainError, outage_for
from aihm.tenancy import current_tenant_id

_STASH = "_aihm_bearer"
_TOKEN_STASH = "_aihm_bearer_token"
TENANT_CLAIM = "tenant_id"


class _TenantClaim(Token):
    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[TENANT_CLAIM] = str(user.tenant_id) if user.tenant_id else ""
        return token


class TenantRefreshToken(RefreshToken, _TenantClaim):
    """simplejwt's refresh token (recorded as outstanding, so it can be revoked), naming the
    account's company: the request enters that company before the account is read, since users
    sit behind row-level security. Its access tokens carry the claim too."""


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
        """simplejwt's checks (the account exists, is active, its password is unchanged) on the
        account read inside the company the token names (the request entered it, `user_by_id`)."""
        from accounts.selectors import user_by_id  # the API wiring sits above accounts

        user_id = validated_token.get(jwt_settings.USER_ID_CLAIM)
        if user_id is None:
            raise InvalidToken(_("Token contained no recognizable user identification"))
        claimed = validated_token.get(TENANT_CLAIM)
        user = user_by_id(user_id) if claimed and current_tenant_id() == claimed else None
        if user is None:
            raise exceptions.AuthenticationFailed(_("User not found"), code="user_not_found")
        if jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise exceptions.AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if jwt_settings.CHECK_REVOKE_TOKEN and validated_token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise exceptions.AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        if user.tenant_id is None or not user.tenant.is_active:
            raise exceptions.AuthenticationFailed(_("This account cannot use the API."))
        return user


def bearer_tenant_id(request):
    """The company a request's bearer token names, once its signature, expiry and type are checked
    (no query); None for no token, a bad one, or one that names none."""
    authentication = TenantJWTAuthentication()
    try:
        header = authentication.get_header(request)
        raw_token = authentication.get_raw_token(header) if header is not None else None
        token = authentication.get_validated_token(raw_token) if raw_token is not None else None
    except (exceptions.AuthenticationFailed, InvalidToken, TokenError):
        token = None
    setattr(request, _TOKEN_STASH, token)
    return (token.get(TENANT_CLAIM) or None) if token is not None else None


def authenticate_bearer(request):
    """The account of the token `bearer_tenant_id` checked, read inside the company it names (the
    tenant middleware entered it), kept for DRF; failures are left to DRF to report."""
    token = getattr(request, _TOKEN_STASH, None)
    try:
        result = (TenantJWTAuthentication().get_user(token), token) if token is not None else None
    except (exceptions.AuthenticationFailed, InvalidToken, TokenError):
        result = None
    setattr(request, _STASH, result)
    return result


class TenantJWTScheme(SimpleJWTScheme):
    """OpenAPI: TenantJWTAuthentication is simplejwt's bearer scheme."""

    target_class = "aihm.api.TenantJWTAuthentication"


class JSONErrorsNegotiation(DefaultContentNegotiation):
    """For file routes: they answer a file whatever the client accepts (no 406); their errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema):
        """DRF's, with `next` and `previous` nullable the OpenAPI 3.1 way (`nullable` is 3.0's)."""
        paginated = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            paginated["properties"][link] = {"type": ["string", "null"], "format": "uri"}
        return paginated


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
    """Per user when signed in, per address otherwise, on every API request. Counted per fixed
    window with one atomic increment, so its cost does not grow with the rate: DRF's sliding log
    reads and writes back the time of every request of the window on each request."""

    scope = "user"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return super().get_cache_key(request, view)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends_at = (window + 1) * self.duration
        count = shared_cache.count(self.cache, f"{key}:{window}", self.duration + 1)
        return count <= self.num_requests

    def wait(self):
        return max(self.window_ends_at - self.now, 0)


# --- Parsing ---

MAX_JSON_DEPTH = 32


def _json_depth(value):
    """How deeply arrays and objects nest in a parsed JSON value (iteratively: no recursion)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with deep nesting refused as a 400: Python's decoder would otherwise
    overflow its stack (RecursionError, a 500) on `[[[[...` a few thousand levels deep."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = _("The JSON body nests arrays or objects too deeply (at most %(depth)d levels).") % {
            "depth": MAX_JSON_DEPTH}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(too_deep) from None
        if _json_depth(data) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(too_deep)
        return data


# --- Fields ---

def _json_kind(value):
    """What a JSON value is, in words, for "must be text, not a number"."""
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, (int, float)):
        return _("a number")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return _("something else")


# DRF's generic messages ("Not a valid string.", "Expected a dictionary of items but got type
# "str".") replaced, for every field of every API serializer, by words a person understands.
# Applied once at start-up (AihmConfig.ready); fields copy their class's messages when built.
PLAIN_FIELD_MESSAGES = {
    serializers.CharField: {"invalid": _("Must be text.")},
    serializers.BooleanField: {"invalid": _("Must be true or false.")},
    serializers.IntegerField: {"invalid": _("Must be a whole number.")},
    serializers.FloatField: {"invalid": _("Must be a number.")},
    serializers.DecimalField: {"invalid": _("Must be a number.")},
    serializers.UUIDField: {"invalid": _("Must be an id (a UUID).")},
    serializers.ListField: {"not_a_list": _("Must be a list.")},
    serializers.MultipleChoiceField: {"not_a_list": _("Must be a list.")},
    serializers.DictField: {"not_a_dict": _("Must be a JSON object.")},
    serializers.FileField: {"invalid": _("Must be a file, sent as multipart/form-data.")},
    serializers.Serializer: {"invalid": _("Must be a JSON object with named fields.")},
    serializers.ListSerializer: {"not_a_list": _("Must be a list.")},
}


def use_plain_field_messages():
    for field_class, messages in PLAIN_FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}


class StrictCharField(serializers.CharField):
    """A string and nothing else: DRF's CharField quietly turns 12 into "12"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            message = _("Must be text, not %(kind)s.") % {"kind": _json_kind(data)}
            raise serializers.ValidationError(message, code="invalid")
        return super().to_internal_value(data)


class FieldsBuiltOnce:
    """A ModelSerializer that builds its fields from the model once per class: DRF otherwise does it
    for every serializer instance (every response), introspecting each model field again. Each
    instance gets copies. Not for serializers with a related field's queryset, which would be built
    inside the first request's tenant and kept: that is refused."""

    def get_fields(self):
        cls = type(self)
        template = cls.__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()
            with_queryset = [name for name, field in template.items() if getattr(field, "queryset", None) is not None]
            if with_queryset:
                raise ImproperlyConfigured(f"{cls.__name__}: fields with a queryset cannot be built once: {with_queryset}")
            cls._fields_template = template
        return copy.deepcopy(template)


class ChoiceLabelField(serializers.CharField):
    """The label of a choice field's value (`source`), in the request's language: what
    `get_<field>_display` answers, read from the model field's choices once, not by DRF calling a
    bound method on every row (its callable check inspects the method's signature each time)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        model_field = parent.Meta.model._meta.get_field(self.source)
        self.labels = dict(model_field.flatchoices)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


class StrictEmailField(serializers.EmailField):
    """An email given as a string; numbers and lists are refused, not converted."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({
    "type": "object",
    "description": "Messages per field. A nested object's field holds an object of its own, a list "
                   "of objects holds one entry per item (`{}` for an item without error), and a list "
                   "of values holds an object keyed by the item's position.",
    "additionalProperties": {"oneOf": [
        {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
        {"type": "object"},
    ]},
})
class FieldErrorsField(serializers.DictField):
    """OpenAPI: `errors`, nested as deeply as the input was."""


class ErrorSerializer(serializers.Serializer):
    """OpenAPI: the body of every error response."""

    message = serializers.CharField(help_text="One line for a person; names the field when one is at fault (`email: ...`).")
    errors = FieldErrorsField(required=False)
    code = serializers.CharField(required=False, help_text="A reason for programs, where one helps: `token_not_valid`, an outage's code.")
    retry_after_seconds = serializers.IntegerField(required=False, help_text="429 only.")

    class Meta:
        ref_name = "ApiError"


# --- OpenAPI: the errors (aihm.api_schema.AutoSchema adds them to every operation) ---

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `message` names the first field at fault, `errors` holds every field's messages.",
    401: "Missing, invalid or expired credentials.",
    403: "Not allowed for this role.",
    404: "Not found (another company's object included).",
    409: "Refused by a business rule; `message` says which.",
    413: "The request body is larger than the server accepts.",
    415: "The body is in a format this route does not read.",
    429: "Too many requests; `retry_after_seconds` says when to try again.",
    503: "A service the request needs (database, file storage, cache) is unavailable; try again later.",
}


def error_responses(*codes):
    """For `@extend_schema(responses=...)`: error responses in the one error shape."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


# --- Errors ---

def _first_message(detail, prefix=""):
    """The first error as one line, prefixed with the field it belongs to (`email: ...`,
    `requirements.skills[0]: ...`, `preferred_times[1].weekday: ...`)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                name = "" if key in ("non_field_errors", "detail") else str(key)
                path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            message = _first_message(value, path)
            if message:
                return message
        return ""
    if isinstance(detail, (list, tuple)):
        items_are_objects = any(isinstance(item, dict) for item in detail)
        for index, item in enumerate(detail):
            message = _first_message(item, f"{prefix}[{index}]" if items_are_objects and prefix else prefix)
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
    outage = outage_for(exc)
    if outage is not None:  # the database or file storage is away: a 503 to try again, not a 500
        return Response({"message": str(outage.message), "code": outage.code}, status=outage.status_code,
                        headers={"Retry-After": str(outage.retry_after_seconds)})
    if isinstance(exc, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = _("The request body is too large (the limit is %(limit)s).") % {"limit": limit}
        return Response({"message": message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
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
