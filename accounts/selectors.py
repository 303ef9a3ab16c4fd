"""Reads that deserve a name. Users are filtered by company explicitly (see `User`)."""

from accounts.models import AuditLog, User


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
