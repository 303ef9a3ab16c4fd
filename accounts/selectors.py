"""Reads that deserve a name.

The few look-ups that must find an account before its company is known are the `user_by_*`
functions below; everything else reads users inside one company, filtered explicitly.
"""

import uuid

from django.db import connection

from accounts.emails import normalise_email
from accounts.models import AuditLog, User
from aihm.tenancy import current_tenant_id, tenant_context

# SECURITY DEFINER, owned by the migrating role (accounts migration 0003): the runtime role learns
# an account's id and company from its id or email, never its other columns.
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


def _user_before_tenant(**home_lookup):
    """The account read inside its own company (the step row-level security on users will need),
    or a staff account (no company) as it is; with a company active, only its members are found."""
    if current_tenant_id() is not None:
        lookup = {"pk": home_lookup["pk"]} if home_lookup.get("pk") is not None else {"email": home_lookup["email"]}
        try:
            return User.objects.filter(tenant_id=current_tenant_id(), **lookup).select_related("tenant").first()
        except ValueError:
            return None
    home = _home_of(**home_lookup)
    if home is None:
        return None
    user_id, tenant_id = home
    if tenant_id is None:
        return User.unscoped.filter(pk=user_id).first()
    with tenant_context(tenant_id):
        return User.objects.filter(tenant_id=tenant_id, pk=user_id).select_related("tenant").first()


def user_by_email(email):
    """The account of an email (compared in its normal form), before any company is known:
    sign-in, password reset, commands. None when there is none."""
    email = normalise_email(email)
    return _user_before_tenant(email=email) if email else None


def user_by_id(user_id):
    """The account behind a session, a bearer token or an emailed link, before any company is
    known. None when there is none."""
    return _user_before_tenant(pk=user_id) if user_id else None


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
    """Names of the actors of these entries that still exist, in one query."""
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids).only("id", "full_name", "email")}
