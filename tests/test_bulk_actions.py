"""Actions on the candidates ticked in a list: consent requests, interviews, a decision or a CSV of
the selection, each saying per candidate what it did or why not; viewers cannot; another
company's candidates are never touched."""

import time_machine
import pytest
from django.test import Client
from django.urls import reverse

from aihm.tenancy import tenant_context
from consent import services as consent_services
from interviews.models import Interview
from recruiting.models import Candidate, CandidateDecision, PipelineStatus
from tests import factories

pytestmark = pytest.mark.django_db

SUNDAY_EVENING = "2026-03-08T20:00:00+00:00"  # outside calling hours: a scheduled call waits for Monday


@pytest.fixture
def people(tenant_a, tenant_b, recruiter_a, admin_b):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Comptable")
        for order, text in enumerate(("Parlez-nous de votre dernier poste.", "Quels logiciels utilisez-vous ?", "Quand pouvez-vous commencer ?")):
            factories.QuestionFactory(position=position, order=order, text=text)
        amal = factories.CandidateFactory(position=position, full_name="Amal Bennani", email="amal@example.test")
        omar = factories.CandidateFactory(position=position, full_name="Omar Tazi", email="")
    with tenant_context(tenant_b.pk):
        foreign = factories.CandidateFactory(position=factories.PositionFactory(owner=admin_b), full_name="Nadia Other")
    return {"position": position, "amal": amal, "omar": omar, "foreign": foreign}


def browser(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def apply(client, action, *candidates, follow=False, **fields):
    return client.post(reverse("recruiting:candidates_bulk"), {
        "action": action, "candidates": [str(c.pk) for c in candidates], "next": "/candidates/?status=new", **fields}, follow=follow)


def test_a_decision_for_the_selection_is_recorded_for_each_and_another_companys_is_untouched(recruiter_a, people, tenant_a, tenant_b):
    response = apply(browser(recruiter_a), "decide", people["amal"], people["omar"], people["foreign"],
                     decision="shortlisted", comment="Strong CVs.")

    body = response.content.decode()
    assert response.status_code == 200 and "Done for 2 candidates" in body
    assert body.count("Decision recorded: Shortlisted.") == 2
    assert "1 ticked candidate is no longer there" in body and "Nadia Other" not in body
    with tenant_context(tenant_a.pk):
        assert set(Candidate.objects.values_list("status", flat=True)) == {PipelineStatus.SHORTLISTED}
        assert list(CandidateDecision.objects.values_list("comment", flat=True)) == ["Strong CVs.", "Strong CVs."]
    with tenant_context(tenant_b.pk):
        assert Candidate.objects.get().status == PipelineStatus.NEW


def test_consent_requests_go_to_those_with_an_email_and_say_why_not_for_the_others(recruiter_a, people, mailoutbox):
    body = apply(browser(recruiter_a), "request_consent", people["amal"], people["omar"]).content.decode()

    assert "Consent request emailed to amal@example.test." in body
    assert "This candidate has no email address" in body and "1 not done" in body
    assert [message.to for message in mailoutbox] == [["amal@example.test"]]


def test_interviews_are_scheduled_for_those_who_consented_only(recruiter_a, people, tenant_a):
    with tenant_context(tenant_a.pk):
        consent_services.record_recruiter_consent(candidate=people["amal"], by=recruiter_a, note="Agreed by phone on 3 March.")
    with time_machine.travel(SUNDAY_EVENING, tick=False):
        body = apply(browser(recruiter_a), "schedule_interview", people["amal"], people["omar"]).content.decode()

    assert "Interview scheduled for" in body and "No call without consent" in body
    with tenant_context(tenant_a.pk):
        assert list(Interview.objects.values_list("candidate_id", flat=True)) == [people["amal"].pk]


def test_the_export_of_a_selection_holds_only_the_ticked_candidates(recruiter_a, people):
    response = apply(browser(recruiter_a), "export", people["omar"])

    assert response["Content-Type"] == "text/csv; charset=utf-8" and 'filename="candidates.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Omar Tazi" in text and "Amal Bennani" not in text


def test_a_selection_needs_a_candidate_and_a_decision_a_decision(recruiter_a, people):
    client = browser(recruiter_a)
    response = client.post(reverse("recruiting:candidates_bulk"), {"action": "decide", "next": "/candidates/"}, follow=True)
    assert "Tick at least one candidate." in response.content.decode()
    response = apply(client, "decide", people["amal"], follow=True)
    assert "Choose the decision to record." in response.content.decode()
    assert response.redirect_chain[-1][0] == "/candidates/?status=new", "back to the list, its filters kept"
    response = client.post(reverse("recruiting:candidates_bulk"), {"action": "decide", "candidates": ["not-an-id"], "decision": "hired"})
    assert response.status_code == 302


def test_the_way_back_never_leaves_the_site(recruiter_a, people):
    response = browser(recruiter_a).post(reverse("recruiting:candidates_bulk"), {
        "action": "decide", "candidates": [str(people["amal"].pk)], "next": "//evil.example/"})
    assert response["Location"] == reverse("recruiting:candidate_list")


def test_a_viewer_has_no_selection_and_cannot_post_one(viewer_a, recruiter_a, people):
    viewer = browser(viewer_a)
    assert 'form="bulk-form"' not in viewer.get(reverse("recruiting:candidate_list")).content.decode()
    assert apply(viewer, "decide", people["amal"], decision="hired").status_code == 403

    page = browser(recruiter_a).get(reverse("recruiting:position_candidates", args=[people["position"].pk])).content.decode()
    assert page.count('form="bulk-form"') == 2 and 'id="bulk-form"' in page
    assert "Send consent requests" in page and "Schedule interviews" in page and "Export as CSV" in page
