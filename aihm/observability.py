"""Sentry, with nothing personal sent: no PII, no request bodies, no cookies, no user; and what
the logs leave out."""

import logging

import sentry_sdk
from django.core.exceptions import PermissionDenied
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

_SCRUBBED_REQUEST_KEYS = ("data", "cookies", "query_string", "env")


def scrub_event(event, hint):
    request = event.get("request") or {}
    for key in _SCRUBBED_REQUEST_KEYS:
        request.pop(key, None)
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in ("authorization", "cookie", "x-twilio-signature", "x-forwarded-for"):
            headers.pop(name)
    event.pop("user", None)
    for breadcrumb in (event.get("breadcrumbs") or {}).get("values", []):
        breadcrumb.pop("data", None)
    return event


def init_sentry(dsn, environment):
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_event,
        traces_sample_rate=0.0,
    )


class RefusalsWithoutTraceback(logging.Filter):
    """Django logs a refused request (`PermissionDenied`, 403) with the exception's traceback; the
    refusal is an expected answer, so keep the line and drop the traceback. Faults keep theirs."""

    def filter(self, record):
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info, record.exc_text = None, None
        return True
