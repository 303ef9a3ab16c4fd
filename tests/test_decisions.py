"""The recruiter's decision on a candidate: shortlist, put on hold, reject or hire, with an
optional comment; every decision is kept, the latest stands, "on hold" leaves the status where it
is, the audit log records it without the comment's words, and the AI never writes one."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog
from aihm.errors import Invalid, NotAllowed
from aihm.tenancy import tenant_context
from recruiting import services
from recruiting.models import Candidate, CandidateDecision, PipelineStatus
from tests import factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


@pytest.fixture
def candidate(tenant_a):
    with tenant_context(tenant_a.pk):
        return factories.CandidateFactory(status=PipelineStatus.INTERVIEW_DONE)


def history(candidate):
    with tenant_context(candidate.tenant_id):
        return list(CandidateDecision.objects.filter(candidate=candidate).values_list("decision", "comment", "decided_by_id"))


def status_of(candidate):
    with tenant_context(candidate.tenant_id):
        return Candidate.objects.get(pk=candidate.pk).status


def standing_decision(candidate):
    """The latest decision as the candidate row mirrors it (for the analytics)."""
    with tenant_context(candidate.tenant_id):
        return Candidate.objects.values_list("decision", flat=True).get(pk=candidate.pk)


def test_each_decision_is_kept_and_on_hold_leaves_the_status(recruiter_a, admin_a, candidate):
    with tenant_context(candidate.tenant_id):
        services.decide(by=recruiter_a, candidate=candidate, decision="on_hold", comment="Wait for the second round.\nCall Monday.")
    assert status_of(candidate) == PipelineStatus.INTERVIEW_DONE and standing_decision(candidate) == "on_hold"
    with tenant_context(candidate.tenant_id):
        services.decide(by=admin_a, candidate=candidate, decision="shortlisted")

    assert status_of(candidate) == PipelineStatus.SHORTLISTED and standing_decision(candidate) == "shortlisted"
    assert history(candidate) == [
        ("shortlisted", "", admin_a.pk),
        ("on_hold", "Wait for the second round.\nCall Monday.", recruiter_a.pk),
    ]
    with tenant_context(candidate.tenant_id):
        entries = list(AuditLog.objects.filter(action="candidate.decided").order_by("created_at").values_list("details", flat=True))
    assert [entry["decision"] for entry in entries] == ["on_hold", "shortlisted"]
    assert entries[0]["with_comment"] is True and "Monday" not in str(entries)


def test_a_bad_decision_or_comment_and_a_viewer_are_refused(recruiter_a, viewer_a, candidate):
    with tenant_context(candidate.tenant_id):
        with pytest.raises(Invalid):
            services.decide(by=recruiter_a, candidate=candidate, decision="report_ready")
        with pytest.raises(Invalid):
            services.decide(by=recruiter_a, candidate=candidate, decision="hired", comment="x" * 2001)
        with pytest.raises(Invalid):
            services.decide(by=recruiter_a, candidate=candidate, decision="hired", comment="ok \u202e reversed")
        with pytest.raises(NotAllowed):
            services.decide(by=viewer_a, candidate=candidate, decision="hired")
    assert history(candidate) == [] and status_of(candidate) == PipelineStatus.INTERVIEW_DONE
    assert standing_decision(candidate) == ""


def test_the_page_records_a_decision_with_its_comment_and_shows_the_earlier_ones(recruiter_a, candidate):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(recruiter_a)
    url = reverse("recruiting:candidate_decide", args=[candidate.pk])
    client.post(url, {"decision": "on_hold", "comment": "<b>Strong</b> but far away."})

    page = client.post(url, {"decision": "rejected", "comment": "Salary too high."}, follow=True).content.decode()

    assert "Decision recorded: Rejected." in page
    assert "Salary too high." in page and "Earlier decisions" in page
    assert "&lt;b&gt;Strong&lt;/b&gt; but far away." in page and "<b>Strong</b>" not in page
    assert status_of(candidate) == PipelineStatus.REJECTED


def test_the_api_takes_a_comment_and_on_hold(recruiter_a, candidate):
    client = bearer_for(recruiter_a)

    response = client.post(f"{V1}/candidates/{candidate.pk}/decision", {"decision": "on_hold", "comment": "Second round."}, format="json")

    assert response.status_code == 200 and response.json()["status"] == PipelineStatus.INTERVIEW_DONE
    assert history(candidate) == [("on_hold", "Second round.", recruiter_a.pk)]
    too_long = client.post(f"{V1}/candidates/{candidate.pk}/decision", {"decision": "hired", "comment": "x" * 2001}, format="json")
    assert too_long.status_code == 400


def test_another_company_cannot_decide_or_read_the_decisions(admin_b, recruiter_a, candidate):
    with tenant_context(candidate.tenant_id):
        services.decide(by=recruiter_a, candidate=candidate, decision="hired", comment="Welcome.")
    client = bearer_for(admin_b)

    assert client.post(f"{V1}/candidates/{candidate.pk}/decision", {"decision": "rejected"}, format="json").status_code == 404
    with tenant_context(admin_b.tenant_id):
        assert not CandidateDecision.objects.exists()
    assert status_of(candidate) == PipelineStatus.HIRED
