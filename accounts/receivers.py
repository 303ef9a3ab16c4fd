"""Audit entries for sign-in events, whichever door they come through (pages, API, admin)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts import services
from accounts.security import login_identifier
from aihm.middleware import remember_tenant


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    services.audit(user, "login", user, request=request, tenant_id=user.tenant_id)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs):
    services.record_failed_login(identifier=login_identifier(request, credentials), request=request)


@receiver(user_locked_out)
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    services.record_lockout(identifier=username, request=request)


@receiver(user_logged_in)
def remember_company(sender, request, user, **kwargs):
    """The session names the company: later requests enter it before the account is read."""
    remember_tenant(request, user)
