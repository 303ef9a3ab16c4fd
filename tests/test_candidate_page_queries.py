"""The candidate page's query budget: its panels (consent, interviews) share the reads they both
need (the latest consent decision, the preferred call times), and its interviews cost the same
queries however many there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aihm.tenancy import tenant_context
from interviews.models import CallAttempt, InterviewState
from tests import factories
from tests.interviews_support import consenting_candidate, position_with_questions

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

# The account; the candidate; its decisions; consent: decisions, request, preferred times; interviews (with
# their attempts when there are some, then their transcripts and analyses for the state after the call); the
# calling hours policy; the header's unread notifications.
BUDGET_WITHOUT_INTERVIEWS = 9
BUDGET_WITH_INTERVIEWS = 12


def page_queries(client, candidate):
    url = reverse("recruiting:candidate_detail", args=[candidate.pk])
    client.get(url)  # the session and the company's settings, once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def add_ended_interviews(candidate, count):
    with tenant_context(candidate.tenant_id):
        for _ in range(count):
            interview = factories.InterviewFactory(candidate=candidate, state=InterviewState.UNREACHABLE)
            for number in (1, 2):
                CallAttempt.objects.create(interview=interview, number=number, state="ended", outcome="no_answer")


def test_the_panels_read_the_consent_decision_and_the_call_times_once(client, tenant_a, recruiter_a):
    candidate = consenting_candidate(position_with_questions(tenant_a, recruiter_a), recruiter_a)
    client.force_login(recruiter_a)

    assert page_queries(client, candidate) == BUDGET_WITHOUT_INTERVIEWS


def test_the_interviews_cost_the_same_queries_however_many(client, tenant_a, recruiter_a):
    candidate = consenting_candidate(position_with_questions(tenant_a, recruiter_a), recruiter_a)
    client.force_login(recruiter_a)
    add_ended_interviews(candidate, 1)
    one = page_queries(client, candidate)
    add_ended_interviews(candidate, 4)

    assert one == page_queries(client, candidate) == BUDGET_WITH_INTERVIEWS
