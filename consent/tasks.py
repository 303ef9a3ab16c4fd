"""Consent's background work: thin tasks keyed by ids, each safe to run twice.

The two sweepers (beat, see settings.CELERY_BEAT_SCHEDULE) find due work across tenants and queue
one tenant task per object; the work itself runs inside the object's tenant.
"""

from celery import shared_task
from django.utils import timezone

from accounts.models import Tenant
from aihm.tasks import ProviderUnavailable, TenantTask
from aihm.tenancy import bypassing_rls
from consent import services
from consent.emails import EmailNotSent
from consent.models import ConsentRequest


@shared_task(name="consent.send_due_reminders")
def send_due_reminders():
    """Hourly: every pending request whose reminder or expiry is due, across tenants (a read of
    ids through the privileged alias; each request is then handled inside its tenant)."""
    due = bypassing_rls(ConsentRequest).filter(services.reminder_due_filter(timezone.now())).values_list("tenant_id", "id")
    queued = 0
    for tenant_id, request_id in due.iterator():
        remind_or_expire_task.delay(str(tenant_id), str(request_id))
        queued += 1
    return queued


@shared_task(base=TenantTask, name="consent.remind_or_expire")
def remind_or_expire_task(tenant_id, request_id):
    try:
        return services.remind_or_expire(request_id=request_id)
    except EmailNotSent as error:
        raise ProviderUnavailable(str(error)) from error


@shared_task(base=TenantTask, name="consent.send_grant_confirmation")
def send_grant_confirmation_task(tenant_id, request_id):
    try:
        return services.send_grant_confirmation(request_id=request_id)
    except EmailNotSent as error:
        raise ProviderUnavailable(str(error)) from error


@shared_task(name="consent.apply_retention_policies")
def apply_retention_policies():
    """Nightly: each company's retention policy, applied inside its own tenant."""
    tenant_ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenant_ids:
        apply_retention_task.delay(str(tenant_id))
    return len(tenant_ids)


@shared_task(base=TenantTask, name="consent.apply_retention")
def apply_retention_task(tenant_id):
    return services.apply_retention()
