"""Accounts API (/api/v1/auth/): sign-up, sign-in with JWT, profile, password, team, audit log.

Like the dashboard views, each view parses input, calls accounts.services or accounts.selectors,
and renders; the rules live in the services. Sign-in goes through `django.contrib.auth` so that
django-axes counts failures and locks out, and the audit log sees every sign-in.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors, services
from accounts.emails import normalise_email
from accounts.models import AuditLog, Language, Role, Tenant, User
from accounts.permissions import AdminWrites, IsTenantAdmin, IsTenantMember
from aihm.api import TENANT_CLAIM, AuthThrottle, ErrorSerializer, StrictCharField, StrictEmailField, TenantRefreshToken

# Longer input is refused before any hashing; no real password or token is this long.
PASSWORD_MAX_LENGTH = 4096
SEARCH_MAX_LENGTH = 200

WRONG_CREDENTIALS = _("The email or the password is not correct.")
NO_API_ACCESS = _("This account cannot use the API.")


def _errors(*codes):
    """OpenAPI: the documented error responses of a route."""
    descriptions = {
        400: "Invalid input; `message` names the field.",
        401: "Missing, invalid or expired credentials.",
        403: "Not allowed for this role.",
        404: "Not found (including another company's object).",
        409: "Refused by a business rule.",
        429: "Too many requests or failed sign-ins.",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes}


def _password_field(**kwargs):
    return StrictCharField(write_only=True, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH,
                           style={"input_type": "password"}, **kwargs)


def token_pair(user):
    """A new refresh token (recorded, so it can be revoked) and its access token."""
    refresh = TenantRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


# --- Serializers ---

class AccountEmailField(StrictEmailField):
    """An account's email, validated and handed on in its normal form (look-alikes are one)."""

    def to_internal_value(self, data):
        return super().to_internal_value(normalise_email(data) if isinstance(data, str) else data)


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ("id", "name", "created_at")


class TenantRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ("id", "name")


class MemberSerializer(serializers.ModelSerializer):
    """A member of the company; `status` is `active`, `invited` (link not used yet) or `inactive`."""

    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="date_joined", read_only=True)

    class Meta:
        model = User
        fields = ("id", "email", "full_name", "role", "language", "status", "last_login", "created_at")

    @extend_schema_field(OpenApiTypes.STR)
    def get_status(self, user):
        if user.is_active:
            return "active"
        return "invited" if user.invitation_pending else "inactive"


class ProfileSerializer(MemberSerializer):
    """The signed-in member, with their company."""

    tenant = TenantRefSerializer(read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = MemberSerializer.Meta.fields + ("tenant",)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RegisterSerializer(serializers.Serializer):
    company_name = StrictCharField(max_length=200)
    full_name = StrictCharField(max_length=150)
    email = AccountEmailField(max_length=254)
    password = _password_field()
    language = serializers.ChoiceField(choices=Language.choices, required=False,
                                       help_text="Language of the account; the request's language by default.")


class RegisteredSerializer(TokenPairSerializer):
    tenant = TenantSerializer()
    user = MemberSerializer()


class LoginSerializer(serializers.Serializer):
    email = AccountEmailField(max_length=254)
    password = _password_field()


class RefreshSerializer(serializers.Serializer):
    """Rotation: the refresh token presented is spent (blacklisted) and a new pair is issued."""

    refresh = StrictCharField(max_length=PASSWORD_MAX_LENGTH, write_only=True)

    def validate(self, attrs):
        presented = RefreshToken(attrs["refresh"])  # signature, expiry, type and blacklist
        payload = presented.payload
        user = selectors.user_named_by(payload.get(TENANT_CLAIM), payload.get(jwt_settings.USER_ID_CLAIM))
        if user is None or not user.is_active or user.tenant_id is None or not user.tenant.is_active:
            raise AuthenticationFailed(NO_API_ACCESS, code="no_active_account")
        # Every refresh token issued here is recorded; its blacklist row is unique, so of two
        # requests racing with one token only one spends it.
        outstanding = OutstandingToken.objects.filter(jti=presented[jwt_settings.JTI_CLAIM]).first()
        if outstanding is None:
            raise TokenError(_("Token is invalid"))
        _blacklisted, spent_now = BlacklistedToken.objects.get_or_create(token=outstanding)
        if not spent_now:
            raise TokenError(_("Token is blacklisted"))
        return token_pair(user)


class LogoutSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=PASSWORD_MAX_LENGTH, write_only=True)


class ProfileUpdateSerializer(serializers.Serializer):
    full_name = StrictCharField(max_length=150)
    email = AccountEmailField(max_length=254)
    language = serializers.ChoiceField(choices=Language.choices)


class ChangePasswordSerializer(serializers.Serializer):
    old_password = _password_field()
    new_password = _password_field()


class InviteSerializer(serializers.Serializer):
    email = AccountEmailField(max_length=254)
    full_name = StrictCharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.RECRUITER)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberSearchSerializer(serializers.Serializer):
    search = StrictCharField(required=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH)


class AuditFilterSerializer(serializers.Serializer):
    action = StrictCharField(required=False, allow_blank=True, max_length=64)


class AuditActorSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField(allow_null=True, help_text="Null once the person's account is removed.")


class AuditEntrySerializer(serializers.ModelSerializer):
    """An audit entry; the actor's name comes from `context["actor_names"]` (one query a page)."""

    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditLog
        fields = ("id", "created_at", "action", "actor", "target_type", "target_id", "ip", "details")

    @extend_schema_field(AuditActorSerializer(allow_null=True))
    def get_actor(self, entry):
        if entry.actor_id is None:
            return None
        return {"id": entry.actor_id, "full_name": self.context["actor_names"].get(entry.actor_id)}


class PasswordChangedSerializer(TokenPairSerializer):
    message = serializers.CharField()


# --- Views used without an access token ---

class TokenIssuingView(APIView):
    """Routes used before holding an access token: a bearer header is ignored (no tenant is
    entered for it), every client address is throttled, and a refusal is a 401."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]
    tenant_free = True

    def get_authenticate_header(self, request):
        return f'{jwt_settings.AUTH_HEADER_TYPES[0]} realm="api"'


def _request_language():
    """The language this request is answered in, when the account can have it."""
    language = (translation.get_language() or "").split("-")[0]
    return language if language in Language.values else Language.FRENCH


class RegisterView(TokenIssuingView):
    """No account needed; the new admin is signed in at once."""

    @extend_schema(
        operation_id="auth_register", request=RegisterSerializer,
        responses={201: RegisteredSerializer, **_errors(400, 429)}, auth=[],
        summary="A company signs up: its tenant, its first admin, and tokens for that admin.",
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        language = data.get("language") or _request_language()
        user = services.register_company(
            company_name=data["company_name"], full_name=data["full_name"], email=data["email"],
            password=data["password"], language=language, request=request._request,
        )
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        body = {"tenant": TenantSerializer(user.tenant).data, "user": MemberSerializer(user).data, **token_pair(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(TokenIssuingView):
    """Members of a company only: platform staff use the admin site."""

    @extend_schema(
        operation_id="auth_login", request=LoginSerializer,
        responses={200: TokenPairSerializer, **_errors(400, 401, 403, 429)}, auth=[],
        summary="Email and password for an access token and a refresh token.",
        description="Failed attempts are counted per email and address; past the limit the answer is 429.",
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = serializer.validated_data
        # Through django.contrib.auth: axes counts the failure (and locks out), the audit logs it.
        user = authenticate(request._request, username=credentials["email"], password=credentials["password"])
        if user is None:
            raise AuthenticationFailed(WRONG_CREDENTIALS, code="invalid_credentials")
        if user.tenant_id is None:
            raise PermissionDenied(_("Platform staff sign in to the admin site, not to the API."))
        if not user.tenant.is_active:
            raise PermissionDenied(_("Your company's account is suspended. Contact AIHM support."))
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(token_pair(user))


class RefreshView(TokenIssuingView):
    """Refresh tokens rotate: each one is good for a single use."""

    @extend_schema(
        operation_id="auth_refresh", request=RefreshSerializer,
        responses={200: TokenPairSerializer, **_errors(400, 401, 429)}, auth=[],
        summary="Spend a refresh token for a new pair; a spent or revoked one is refused.",
    )
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        return Response(serializer.validated_data)


class LogoutView(TokenIssuingView):
    """Signing out of a client: its refresh token can no longer be used."""

    @extend_schema(
        operation_id="auth_logout", request=LogoutSerializer,
        responses={204: OpenApiResponse(description="The refresh token is revoked."), **_errors(400, 401, 429)},
        auth=[], summary="Revoke a refresh token (its access token expires on its own).",
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            presented = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        # simplejwt's `blacklist()` would look the user up with no company active; every refresh
        # token issued here is recorded, so its record is what gets revoked.
        outstanding = OutstandingToken.objects.filter(jti=presented[jwt_settings.JTI_CLAIM]).first()
        if outstanding is None:
            raise InvalidToken(_("Token is invalid"))
        BlacklistedToken.objects.get_or_create(token=outstanding)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Views of a signed-in member ---

class MeView(APIView):
    """Every member, viewers included, reads and edits their own profile."""

    permission_classes = [IsTenantMember]

    @extend_schema(operation_id="auth_me_retrieve", responses={200: ProfileSerializer, **_errors(401)})
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(operation_id="auth_me_update", request=ProfileUpdateSerializer,
                   responses={200: ProfileSerializer, **_errors(400, 401)})
    def put(self, request):
        return self._update(request, partial=False)

    @extend_schema(operation_id="auth_me_partial_update", request=ProfileUpdateSerializer,
                   responses={200: ProfileSerializer, **_errors(400, 401)})
    def patch(self, request):
        return self._update(request, partial=True)

    def _update(self, request, *, partial):
        serializer = ProfileUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.update_profile(user=request.user, **serializer.validated_data, request=request._request)
        return Response(ProfileSerializer(request.user).data)


class ChangePasswordView(APIView):
    """Every member changes their own password; other sessions lose their refresh tokens."""

    permission_classes = [IsTenantMember]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        operation_id="auth_change_password", request=ChangePasswordSerializer,
        responses={200: PasswordChangedSerializer, **_errors(400, 401, 429)},
        summary="Change the password; every refresh token issued before is revoked and a new pair returned.",
    )
    def post(self, request):
        serializer = ChangePasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_password(user=request.user, request=request._request, **serializer.validated_data)
        return Response({"message": str(_("Your password has been changed.")), **token_pair(request.user)})


class UsersView(generics.GenericAPIView):
    """The company's members and pending invitations; admins invite."""

    permission_classes = [IsTenantMember, AdminWrites]
    serializer_class = MemberSerializer

    def get_queryset(self):
        return selectors.members_of(self.request.user.tenant_id)

    @extend_schema(
        operation_id="auth_users_list",
        parameters=[OpenApiParameter("search", str, description="Part of a name or an email.")],
        responses={200: MemberSerializer(many=True), **_errors(400, 401)},
    )
    def get(self, request):
        filters = MemberSearchSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        members = self.get_queryset()
        search = filters.validated_data.get("search", "").strip()
        if search:
            members = members.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
        page = self.paginate_queryset(members)
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(
        operation_id="auth_users_invite", request=InviteSerializer,
        responses={201: MemberSerializer, **_errors(400, 401, 403)},
        summary="Invite a member: an inactive account and an email with a link to choose a password.",
    )
    def post(self, request):
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.invite_user(by=request.user, request=request._request, **serializer.validated_data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberView(generics.GenericAPIView):
    """One member: every member reads, admins change the role or remove them."""

    permission_classes = [IsTenantMember, AdminWrites]
    serializer_class = MemberSerializer

    def get_object(self):
        member = selectors.member_or_none(self.request.user.tenant_id, self.kwargs["pk"])
        if member is None:
            raise NotFound()
        return member

    @extend_schema(operation_id="auth_users_retrieve", responses={200: MemberSerializer, **_errors(401, 404)})
    def get(self, request, pk):
        return Response(MemberSerializer(self.get_object()).data)

    @extend_schema(operation_id="auth_users_change_role", request=RoleSerializer,
                   responses={200: MemberSerializer, **_errors(400, 401, 403, 404, 409)},
                   summary="Change a member's role; the last admin cannot be demoted.")
    def patch(self, request, pk):
        member = self.get_object()
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_role(by=request.user, user=member, role=serializer.validated_data["role"], request=request._request)
        return Response(MemberSerializer(member).data)

    @extend_schema(operation_id="auth_users_remove",
                   responses={204: OpenApiResponse(description="Removed."), **_errors(401, 403, 404, 409)},
                   summary="Remove a member or cancel an invitation; the last admin cannot be removed.")
    def delete(self, request, pk):
        services.remove_user(by=request.user, user=self.get_object(), request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditLogView(generics.GenericAPIView):
    """The company's audit log, newest first (admins)."""

    permission_classes = [IsTenantMember, IsTenantAdmin]
    serializer_class = AuditEntrySerializer

    def get_queryset(self):
        return selectors.audit_entries()

    @extend_schema(
        operation_id="auth_audit_logs_list",
        parameters=[OpenApiParameter("action", str, description="Only entries of this action, e.g. `login.failed`.")],
        responses={200: AuditEntrySerializer(many=True), **_errors(400, 401, 403)},
    )
    def get(self, request):
        filters = AuditFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.audit_entries(action=filters.validated_data.get("action") or None))
        context = {"actor_names": selectors.actor_names(page)}
        return self.get_paginated_response(AuditEntrySerializer(page, many=True, context=context).data)
