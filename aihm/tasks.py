"""The base of every tenant task: it enters the tenant of the object it works on."""

from celery.contrib.django.task import DjangoTask

from aihm.tenancy import tenant_context


class ProviderUnavailable(Exception):
    """An outside service failed in a way worth retrying (timeout, 429, 5xx)."""


class TenantTask(DjangoTask):
    """Tasks take `tenant_id` first, then object ids; every one is idempotent."""

    acks_late = True
    autoretry_for = (ProviderUnavailable,)
    retry_backoff = True
    retry_backoff_max = 600
    max_retries = 6

    def __call__(self, tenant_id, *args, **kwargs):
        with tenant_context(tenant_id):
            return super().__call__(tenant_id, *args, **kwargs)
