"""Every change to companies, users and the audit log goes through here."""

from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import selectors
from accounts.emails import normalise_email
from accounts.models import AuditLog, Role, Tenant, User
from accounts.tokens import invitation_token_matches, make_invitation_token, read_invitation_token
from aihm.errors import Conflict, Invalid, NotAllowed
from aihm.mail import send_templated
from aihm.tenancy import current_tenant_id, tenant_context
from aihm.text import clean_display_text


def client_ip(request):
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


def audit(actor, action, target=None, *, request=None, tenant_id=None, **details):
    """Append an audit entry; the tenant comes from the context, the argument or the actor.

    Only ids go in: a name or an email here would outlive the person's erasure.
    """
    active = current_tenant_id()
    tenant_id = str(tenant_id) if tenant_id else active or (str(actor.tenant_id) if getattr(actor, "tenant_id", None) else None)
    entry = AuditLog(
        tenant_id=tenant_id,
        actor_id=getattr(actor, "pk", None),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        ip=client_ip(request),
        details=details,
    )
    if tenant_id and active is None:
        with tenant_context(tenant_id):
            entry.save()
    else:
        entry.save()
    return entry


def _validate_password(password, user, field="password"):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), field=field) from error


@contextmanager
def _email_taken_is_invalid():
    """Two sign-ups with one email at the same moment: the second loses on the unique index."""
    try:
        yield
    except IntegrityError as error:
        if "accounts_user_email_ci_unique" not in str(error):
            raise
        raise Invalid(_("An account with this email already exists."), field="email") from error


def _ensure_email_free(email, field="email"):
    if selectors.email_in_use(email):
        raise Invalid(_("An account with this email already exists."), field=field)


def register_company(*, company_name, full_name, email, password, language="fr", request=None):
    """A company signs up: its tenant and its first admin, in one transaction."""
    email = normalise_email(email)
    company_name, full_name = clean_display_text(company_name, "company_name"), clean_display_text(full_name, "full_name")
    if not company_name:
        raise Invalid(_("The company name is required."), field="company_name")
    if not full_name:
        raise Invalid(_("Your full name is required."), field="full_name")
    _ensure_email_free(email)
    user = User(email=email, full_name=full_name, role=Role.ADMIN, language=language)
    _validate_password(password, user)
    user.set_password(password)
    with _email_taken_is_invalid(), transaction.atomic():
        tenant = Tenant.objects.create(name=company_name)
        user.tenant = tenant
        user.save()
        audit(user, "tenant.registered", tenant, request=request, tenant_id=tenant.pk)
    return user


def _ensure_admin(by):
    if not by.is_tenant_admin:
        raise NotAllowed(_("Only an admin of the company can do this."))


def invitation_url(user):
    return settings.FRONTEND_URL + reverse("accounts:accept_invitation", args=[make_invitation_token(user)])


def invite_user(*, by, email, full_name, role=Role.RECRUITER, request=None):
    """Create an inactive member and email them a one-time link to choose their password."""
    _ensure_admin(by)
    email = normalise_email(email)
    full_name = clean_display_text(full_name, "full_name")
    if not full_name:
        raise Invalid(_("The full name is required."), field="full_name")
    if role not in Role.values:
        raise Invalid(_("Unknown role."), field="role")
    _ensure_email_free(email)
    with _email_taken_is_invalid(), transaction.atomic():
        user = User.objects.create_user(
            email, None, full_name=full_name, role=role, tenant_id=by.tenant_id, is_active=False,
            invited_by=by, language=by.language,
        )
        audit(by, "user.invited", user, request=request, role=role)
    send_invitation(user, by=by)
    return user


def send_invitation(user, *, by):
    send_templated(
        "accounts/email/invitation",
        to=user.email,
        language=user.language,
        context={"user": user, "inviter": by, "company": user.tenant, "url": invitation_url(user),
                 "days": settings.INVITATION_TIMEOUT_DAYS},
    )


def invited_user_for_token(token):
    """The pending invitation behind a link, or None when the link is unknown, expired or used."""
    data = read_invitation_token(token)
    if data is None:
        return None
    user = selectors.user_named_by(data.get("tenant"), data.get("user"))
    if user is None or user.is_active or not invitation_token_matches(user, data):
        return None
    return user


def accept_invitation(*, token, password, request=None):
    user = invited_user_for_token(token)
    if user is None:
        raise Invalid(_("This invitation link is invalid, expired or already used."), field="token")
    _validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        audit(user, "user.invitation_accepted", user, request=request)
    return user


def revoke_refresh_tokens(user):
    """Blacklist every refresh token issued to the user (after a password change or removal)."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    for token in OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True):
        BlacklistedToken.objects.get_or_create(token=token)


def change_password(*, user, old_password, new_password, request=None):
    if not user.check_password(old_password):
        raise Invalid(_("Your current password is not correct."), field="old_password")
    set_password(user=user, password=new_password, request=request, action="password.changed", field="new_password")


def set_password(*, user, password, request=None, action="password.reset", field="password"):
    _validate_password(password, user, field=field)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoke_refresh_tokens(user)
        audit(user, action, user, request=request)


def _other_active_admins(user):
    return User.objects.filter(tenant_id=user.tenant_id, role=Role.ADMIN, is_active=True).exclude(pk=user.pk)


def _ensure_not_last_admin(user):
    if user.role == Role.ADMIN and user.is_active and not _other_active_admins(user).exists():
        raise Conflict(_("A company needs at least one admin: make someone else admin first."))


def _lock_team(*, by, user):
    """Role changes and removals of one company run one at a time (its row is locked until the
    transaction ends), and both people are read again: two admins demoting or removing each other
    at the same moment cannot both pass the last-admin check."""
    Tenant.objects.select_for_update().only("pk").get(pk=user.tenant_id)
    for person in (by, user):
        try:
            person.refresh_from_db(fields=["role", "is_active"])
        except User.DoesNotExist as error:
            raise Conflict(_("This member has just been removed from the team.")) from error


def change_role(*, by, user, role, request=None):
    with transaction.atomic():
        _lock_team(by=by, user=user)
        _ensure_admin(by)
        if role not in Role.values:
            raise Invalid(_("Unknown role."), field="role")
        if role == user.role:
            return user
        if role != Role.ADMIN:
            _ensure_not_last_admin(user)
        previous = user.role
        user.role = role
        user.save(update_fields=["role"])
        audit(by, "user.role_changed", user, request=request, previous=previous, role=role)
    return user


def remove_user(*, by, user, request=None):
    """Remove a member (or a pending invitation); the audit log keeps only the id."""
    with transaction.atomic():
        _lock_team(by=by, user=user)
        if by.pk != user.pk:
            _ensure_admin(by)
        _ensure_not_last_admin(user)
        revoke_refresh_tokens(user)
        audit(by, "user.removed", user, request=request)
        user.delete()


def update_profile(*, user, full_name=None, language=None, email=None, request=None):
    changed = []
    if full_name is not None:
        full_name = clean_display_text(full_name, "full_name")
        if not full_name:
            raise Invalid(_("The full name is required."), field="full_name")
        user.full_name = full_name
        changed.append("full_name")
    if language is not None:
        if language not in dict(User._meta.get_field("language").choices):
            raise Invalid(_("Unknown language."), field="language")
        user.language = language
        changed.append("language")
    if email is not None and normalise_email(email) != user.email:
        email = normalise_email(email)
        _ensure_email_free(email)
        user.email = email
        changed.append("email")
    if changed:
        with transaction.atomic():
            user.save(update_fields=changed)
            audit(user, "user.profile_updated", user, request=request, fields=changed)
    return user


def _audit_sign_in_problem(action, identifier, request):
    user = selectors.user_by_email(identifier) if identifier else None
    audit(None, action, user, request=request, tenant_id=user.tenant_id if user else None)


def record_failed_login(*, identifier, request):
    """Audit a failed login under the account's company when the email is known, else as a
    platform event; the attempted email itself is not stored."""
    _audit_sign_in_problem("login.failed", identifier, request)


def record_lockout(*, identifier, request):
    _audit_sign_in_problem("login.locked_out", identifier, request)
