"""Reads that deserve a name.

Accounts sit behind row-level security like every tenant's data. The few look-ups that must find
an account before its company is known (sign-in and password reset by email, a reset link's
account, whether an email is taken anywhere) ask `accounts_user_home(id, email)`, a SECURITY
DEFINER function of the migrating role (accounts migration 0003) that answers an account's id and
company and nothing else; the row itself is then read inside that company, on the request's own
connection. Platform staff (no company) are read through the privileged alias. Everything else
reads users inside the active company.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import connection

from accounts.emails import normalise_email
from accounts.models import AuditLog, User
from aihm.tenancy import bypassing_rls, canonical_tenant_id, current_tenant_id, tenant_context

_HOME_SQL = "SELECT id, tenant_id FROM accounts_user_home(%s, %s)"


def _home_of(*, pk=None, email=None):
    """(id, tenant_id) of the account with this id or email (tenant_id None for staff), or None."""
    if pk is not None:
        try:
            pk = uuid.UUID(str(pk))
        except ValueError:
            return None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_HOME_SQL, [pk, email])
            return cursor.fetchone()
    lookup = {"pk": pk} if pk is not None else {"email": email}
    return User.unscoped.filter(**lookup).values_list("id", "tenant_id").first()


def _one_or_none(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except (User.DoesNotExist, ValueError, ValidationError):  # none, or not a UUID
        return None


def _staff_account(user_id):
    return _one_or_none(bypassing_rls(User), pk=user_id, tenant__isnull=True)


def _member_of_active_company(user_id):
    """One query: the account and its company, under the active company's row-level security."""
    return _one_or_none(User.objects.select_related("tenant"), pk=user_id, tenant_id=current_tenant_id())


def _account_at_home(home):
    """The account `_home_of` found, read inside its own company (or as staff); with another
    company active, nobody."""
    if home is None:
        return None
    user_id, tenant_id = home
    if tenant_id is None:
        return _staff_account(user_id)
    active = current_tenant_id()
    if active is not None and active != str(tenant_id):
        return None
    with tenant_context(tenant_id):
        return _member_of_active_company(user_id)


def user_by_email(email):
    """The account of an email (compared in its normal form), of any company or staff: sign-in,
    password reset, commands. None when there is none."""
    email = normalise_email(email)
    return _account_at_home(_home_of(email=email)) if email else None


def user_for_reset_link(user_id):
    """The account a password-reset link names, before any company is known."""
    return _account_at_home(_home_of(pk=user_id)) if user_id else None


def user_by_id(user_id):
    """The account behind a session or a bearer token: a member of the active company (read under
    its row-level security), or, with no company active, a platform staff account. None else."""
    if not user_id:
        return None
    if current_tenant_id() is not None:
        return _member_of_active_company(user_id)
    return _staff_account(user_id)


def user_named_by(tenant_id, user_id):
    """The account a signed token or link names with its company (a refresh token, an
    invitation), read inside that company; None when the company is not a tenant id."""
    tenant_id = canonical_tenant_id(tenant_id)
    if tenant_id is None:
        return None
    with tenant_context(tenant_id):
        return user_by_id(user_id)


def email_in_use(email, *, except_user_id=None):
    """Whether another account (of any company, or staff) already has this email."""
    email = normalise_email(email)
    home = _home_of(email=email) if email else None
    return home is not None and str(home[0]) != str(except_user_id)


def members_of(tenant_id):
    return User.objects.filter(tenant_id=tenant_id, is_staff=False).order_by("full_name", "email")


def member_or_none(tenant_id, user_id):
    """A member of this company, or None: another company's user is indistinguishable from none."""
    return members_of(tenant_id).filter(pk=user_id).first()


def audit_entries(*, action=None):
    """The active tenant's audit log, newest first (scoped by the tenant context)."""
    entries = AuditLog.objects.all()
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-created_at")


def actor_names(entries):
    """Names of the actors of these entries that still exist, in one query. Staff act as the
    platform (their entries have no company), so a company's actors are its members."""
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids).only("id", "full_name", "email")}
