"""Retention's audit trail: a line for each run that erased something, none for a run that did not."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import time_machine

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from consent import retention, services
from tests import factories

NOW = datetime(2027, 6, 15, 3, 0, tzinfo=dt_timezone.utc)


@pytest.mark.django_db
def test_a_run_that_erases_nothing_writes_no_audit_line(tenant_a):
    with time_machine.travel(NOW - timedelta(days=30), tick=False), tenant_context(tenant_a.pk):
        factories.CandidateFactory()
    with time_machine.travel(NOW - timedelta(days=1), tick=False), tenant_context(tenant_a.pk):
        assert services.apply_retention() == {"candidates_erased": 0}
        assert services.apply_retention() == {"candidates_erased": 0}
        assert not AuditLog.objects.filter(action="retention.applied").exists()


@pytest.mark.django_db
def test_a_run_where_only_a_later_app_purged_is_audited_with_its_counts(tenant_a):
    def recordings(policy, now):
        return {"recordings_deleted": 2}

    retention.register_purger(recordings)
    try:
        with time_machine.travel(NOW, tick=False), tenant_context(tenant_a.pk):
            services.apply_retention()
            entry = AuditLog.objects.get(action="retention.applied")
    finally:
        retention._purgers.remove(recordings)
    assert (entry.details["candidates_erased"], entry.details["recordings_deleted"]) == (0, 2)
