"""Reminders after 2 and 5 days, then expiry: driven by the hourly beat task, with time frozen."""

import re
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import time_machine
from django.conf import settings

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from consent import services, tasks
from consent.models import ConsentLink, ConsentRequest, ConsentStatus, RequestState
from consent.selectors import consent_status
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

SENT_AT = datetime(2026, 3, 2, 10, 0, tzinfo=dt_timezone.utc)


def accept_as_read(*, token, **kwargs):
    """Accept as the page does, naming the notice the candidate read (its hash)."""
    with services.opened_request(token) as consent_request:
        shown = services.notice_for(consent_request, kwargs.get("language")).text_hash if consent_request else "0" * 64
    return services.accept(token=token, notice_hash=shown, **kwargs)


def token_in(message):
    return re.search(r"/consent/([A-Za-z0-9_-]{40,})/", message.body).group(1)


@pytest.fixture
def sent(tenant_a, recruiter_a, mailoutbox):
    """A request sent at SENT_AT to a candidate of tenant A."""
    with time_machine.travel(SENT_AT, tick=False), tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, language="fr")
        candidate = factories.CandidateFactory(position=position, email="nadia@example.test")
        consent_request = services.request_consent(candidate=candidate, by=recruiter_a)
    mailoutbox.clear()
    return consent_request


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return tasks.send_due_reminders()


def request_state(tenant, consent_request):
    with tenant_context(tenant.pk):
        return ConsentRequest.objects.get(pk=consent_request.pk)


def test_reminders_go_after_two_and_five_days_then_the_request_expires(tenant_a, sent, mailoutbox):
    assert settings.CONSENT_REMINDER_DAYS == (2, 5) and settings.CONSENT_TOKEN_DAYS == 14
    steps = [
        (timedelta(days=1, hours=23), 0),
        (timedelta(days=2), 1),
        (timedelta(days=2, hours=1), 1),
        (timedelta(days=4, hours=23), 1),
        (timedelta(days=5), 2),
        (timedelta(days=13, hours=23), 2),
    ]
    for offset, reminders in steps:
        sweep_at(SENT_AT + offset)
        assert len(mailoutbox) == reminders, offset
        assert request_state(tenant_a, sent).reminders_sent == reminders
    assert all(message.subject.startswith("Rappel") for message in mailoutbox)
    assert request_state(tenant_a, sent).last_reminded_at == SENT_AT + timedelta(days=5)

    sweep_at(SENT_AT + timedelta(days=14))
    expired = request_state(tenant_a, sent)
    assert expired.state == RequestState.EXPIRED and len(mailoutbox) == 2
    with tenant_context(tenant_a.pk):
        assert consent_status(expired.candidate) == ConsentStatus.EXPIRED
        assert AuditLog.objects.filter(action="consent.expired").count() == 1
        assert AuditLog.objects.filter(action="consent.reminded").count() == 2
    assert sweep_at(SENT_AT + timedelta(days=15)) == 0


def test_each_reminder_carries_a_new_link_and_the_earlier_ones_keep_working(tenant_a, sent, mailoutbox):
    sweep_at(SENT_AT + timedelta(days=2))
    reminder_token = token_in(mailoutbox[-1])
    with tenant_context(tenant_a.pk):
        assert ConsentLink.objects.filter(request=sent).count() == 2
    with time_machine.travel(SENT_AT + timedelta(days=3), tick=False):
        accept_as_read(token=reminder_token)
    assert request_state(tenant_a, sent).state == RequestState.ANSWERED
    assert mailoutbox[-1].subject.startswith("Votre consentement")  # the confirmation, with its withdraw link
    mailoutbox.clear()
    sweep_at(SENT_AT + timedelta(days=5))
    assert mailoutbox == []


def test_running_the_sweep_or_the_task_twice_sends_one_reminder(tenant_a, sent, mailoutbox):
    moment = SENT_AT + timedelta(days=2, minutes=5)
    assert sweep_at(moment) == 1
    assert sweep_at(moment) == 0
    with time_machine.travel(moment, tick=False):
        tasks.remind_or_expire_task.delay(str(tenant_a.pk), str(sent.pk))
        tasks.remind_or_expire_task.delay(str(tenant_a.pk), str(sent.pk))
    assert len(mailoutbox) == 1


def test_a_late_sweep_sends_one_reminder_not_a_burst(tenant_a, sent, mailoutbox):
    sweep_at(SENT_AT + timedelta(days=6))
    sweep_at(SENT_AT + timedelta(days=6, hours=1))
    assert len(mailoutbox) == 1
    assert request_state(tenant_a, sent).reminders_sent == 2


def test_an_answered_request_gets_no_reminder(tenant_a, sent, mailoutbox):
    with tenant_context(tenant_a.pk):
        services.record_recruiter_consent(candidate=sent.candidate, by=sent.created_by, note="by phone")
    mailoutbox.clear()
    sweep_at(SENT_AT + timedelta(days=2))
    sweep_at(SENT_AT + timedelta(days=15))
    assert mailoutbox == []
    assert request_state(tenant_a, sent).state == RequestState.REVOKED


def test_the_sweep_serves_every_company_each_in_its_own_tenant(tenant_a, tenant_b, sent, admin_b, mailoutbox):
    with time_machine.travel(SENT_AT, tick=False), tenant_context(tenant_b.pk):
        candidate_b = factories.CandidateFactory(position=factories.PositionFactory(owner=admin_b), email="b@example.test")
        services.request_consent(candidate=candidate_b, by=admin_b)
    mailoutbox.clear()
    assert sweep_at(SENT_AT + timedelta(days=2)) == 2
    assert sorted(message.to[0] for message in mailoutbox) == ["b@example.test", "nadia@example.test"]
    with tenant_context(tenant_b.pk):
        assert AuditLog.objects.filter(action="consent.reminded").count() == 1
