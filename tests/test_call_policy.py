"""The company's call policy: the page (admins only), the ranges, the audit, one per company."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog
from aihm.errors import Invalid, NotAllowed
from aihm.tenancy import tenant_context
from interviews import selectors, services
from interviews.models import CallPolicy

pytestmark = pytest.mark.django_db

VALUES = {"max_attempts": "4", "retry_after_minutes": "90", "busy_retry_after_minutes": "15", "call_time_limit_minutes": "12",
          "answer_silence_seconds": "5", "max_simultaneous_calls": "3", "voicemail_message": "on"}


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_company_without_a_policy_gets_the_defaults(tenant_a):
    with tenant_context(tenant_a.pk):
        policy = selectors.call_policy()
    assert policy._state.adding  # nothing stored until an admin saves one
    assert (policy.max_attempts, policy.retry_after_minutes, policy.call_time_limit_minutes, policy.max_simultaneous_calls) == (3, 120, 15, 5)


def test_an_admin_saves_the_policy_and_it_is_audited(tenant_a, admin_a, tenant_b):
    response = signed_in(admin_a).post(reverse("interviews:call_policy"), VALUES)
    assert response.status_code == 302
    with tenant_context(tenant_a.pk):
        policy = CallPolicy.objects.get()
        assert (policy.max_attempts, policy.retry_after_minutes, policy.voicemail_message) == (4, 90, True)
        assert AuditLog.objects.filter(action="call_policy.updated", actor=admin_a).exists()
    with tenant_context(tenant_b.pk):
        assert selectors.call_policy().max_attempts == 3  # another company keeps its own


def test_out_of_range_values_are_refused_with_the_range(admin_a):
    response = signed_in(admin_a).post(reverse("interviews:call_policy"), {**VALUES, "call_time_limit_minutes": "90"})
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 60" in response.content.decode()
    with pytest.raises(Invalid, match="from 1 to 10"):
        with tenant_context(admin_a.tenant_id):
            services.update_call_policy(by=admin_a, max_attempts=0)


@pytest.mark.parametrize("who", ["recruiter_a", "viewer_a"])
def test_only_an_admin_changes_the_policy(request, who):
    user = request.getfixturevalue(who)
    assert signed_in(user).post(reverse("interviews:call_policy"), VALUES).status_code == 403
    with pytest.raises(NotAllowed):
        with tenant_context(user.tenant_id):
            services.update_call_policy(by=user, max_attempts=5)
