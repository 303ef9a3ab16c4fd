"""Celery tasks of recruiting: thin, keyed by ids, safe to run twice (the services claim their work)."""

from celery import shared_task

from aihm.ai import AIUnavailable
from aihm.tasks import TenantTask
from recruiting import scoring


@shared_task(base=TenantTask, bind=True, name="recruiting.score_cv")
def score_cv_task(self, tenant_id, candidate_id):
    """Score one CV; a provider outage is retried with backoff, then becomes a visible failure."""
    try:
        scoring.score_cv(candidate_id)
    except AIUnavailable:
        if self.request.retries >= self.max_retries:
            scoring.fail_scoring(candidate_id, scoring.UNAVAILABLE_REASON)
            return
        raise


@shared_task(name="recruiting.requeue_stale_scoring")
def requeue_stale_scoring():
    """Beat, every minute, across tenants: re-send scorings whose message or worker was lost."""
    return scoring.requeue_stale_scoring()
