"""The base of every tenant task: it enters the tenant of the object it works on."""

import functools
import logging

from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError

from aihm.tenancy import tenant_context

logger = logging.getLogger("aihm.tasks")


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

    def delay_on_commit(self, *args, **kwargs):
        """Send once the transaction commits. What was saved is stored then: a broker outage is
        logged (the task's name only) instead of failing the request, and the database sweepers
        send the work again."""
        transaction.on_commit(functools.partial(self._send_or_log, args, kwargs))

    def _send_or_log(self, args, kwargs):
        try:
            self.delay(*args, **kwargs)
        except OperationalError as error:
            logger.warning("broker unreachable, %s not sent (%s): left to the sweeper", self.name, type(error).__name__)
