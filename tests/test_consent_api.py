"""Consent API: grant-consent, withdrawal and export for recruiters (tenant walls and roles), and
the public token routes a candidate's client uses."""

import re

import pytest
from rest_framework.test import APIClient

from aihm.api import PublicThrottle, exception_handler
from aihm.tenancy import tenant_context
from consent import services
from consent.models import ConsentRecord, Decision
from recruiting.models import Candidate, PipelineStatus
from tests import factories
from tests.conftest import bearer_for

through_links = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])


def token_in(message):
    return re.search(r"/consent/([A-Za-z0-9_-]{40,})/", message.body).group(1)


@pytest.fixture
def candidate(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Data engineer", language="en")
        return factories.CandidateFactory(position=position, full_name="Lina Haddad", email="lina@example.test")


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(candidate, route):
    return f"/api/v1/candidates/{candidate.pk}/{route}"


ROUTES = [
    ("post", "grant-consent", {"channel": "recruiter", "note": "by phone"}),
    ("post", "withdraw-consent", {"note": "asked by email"}),
    ("get", "export", None),
    ("get", "consent", None),
]
WRITES = [route for route in ROUTES if route[1] != "consent"]


@pytest.mark.django_db
@pytest.mark.parametrize("method, route, body", ROUTES)
def test_another_company_gets_404_on_every_candidate_consent_route(admin_b, candidate, method, route, body):
    response = getattr(bearer_for(admin_b), method)(url(candidate, route), body, format="json")
    assert response.status_code == 404 and response.json() == {"message": "Not found."}


@pytest.mark.django_db
@pytest.mark.parametrize("method, route, body", WRITES)
def test_viewers_get_403_on_grant_consent_withdrawal_and_export(viewer_a, candidate, method, route, body):
    response = getattr(bearer_for(viewer_a), method)(url(candidate, route), body, format="json")
    assert response.status_code == 403 and "message" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("method, route, body", ROUTES)
def test_anonymous_clients_get_401(candidate, method, route, body):
    assert getattr(APIClient(), method)(url(candidate, route), body, format="json").status_code == 401


@pytest.mark.django_db
def test_grant_consent_by_email_sends_the_request(tenant_a, recruiter_a, candidate, mailoutbox):
    response = bearer_for(recruiter_a).post(url(candidate, "grant-consent"), {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["consent_status"], body["request"]["state"]) == (PipelineStatus.CONSENT_PENDING, "pending", "pending")
    assert mailoutbox[-1].to == ["lina@example.test"] and "/consent/" in mailoutbox[-1].body


@pytest.mark.django_db
def test_grant_consent_by_the_recruiter_needs_a_note_and_is_refused_twice(tenant_a, admin_a, candidate):
    client = english(bearer_for(admin_a))
    missing = client.post(url(candidate, "grant-consent"), {"channel": "recruiter"}, format="json")
    assert missing.status_code == 400 and "note" in missing.json()["errors"]
    unknown = client.post(url(candidate, "grant-consent"), {"channel": "carrier pigeon", "note": "x"}, format="json")
    assert unknown.status_code == 400 and "channel" in unknown.json()["errors"]
    granted = client.post(url(candidate, "grant-consent"), {"channel": "recruiter", "note": "By phone on 3 May"}, format="json")
    assert granted.status_code == 201
    assert granted.json()["records"][0] | {"created_at": None} == {
        "id": granted.json()["records"][0]["id"], "decision": "granted", "channel": "recruiter",
        "covers": ["ai_call", "recording", "transcription", "ai_analysis"], "text_version": granted.json()["records"][0]["text_version"],
        "text_hash": granted.json()["records"][0]["text_hash"], "language": "en", "created_at": None,
        "recorded_by": str(admin_a.pk), "note": "By phone on 3 May",
    }
    again = client.post(url(candidate, "grant-consent"), {}, format="json")
    assert again.status_code == 409 and again.json()["message"] == "The candidate has already given consent."


@pytest.mark.django_db
def test_withdrawal_through_the_api(tenant_a, recruiter_a, candidate):
    client = bearer_for(recruiter_a)
    assert client.post(url(candidate, "withdraw-consent"), {"note": "x"}, format="json").status_code == 409
    client.post(url(candidate, "grant-consent"), {"channel": "recruiter", "note": "by phone"}, format="json")
    response = client.post(url(candidate, "withdraw-consent"), {"note": "She asked by email"}, format="json")
    assert response.status_code == 201 and response.json()["consent_status"] == "withdrawn"


@pytest.mark.django_db
def test_viewers_may_read_the_consent_state(viewer_a, candidate):
    response = bearer_for(viewer_a).get(url(candidate, "consent"))
    assert response.status_code == 200 and response.json()["consent_status"] == "not_requested"


@pytest.mark.django_db
def test_a_missing_consent_answers_409_with_its_message():
    response = exception_handler(services.ConsentMissing("No call without consent."), {})
    assert response.status_code == 409 and response.data == {"message": "No call without consent."}


# --- Public routes -------------------------------------------------------------------------------


@pytest.fixture
def token(tenant_a, recruiter_a, candidate, mailoutbox):
    with tenant_context(tenant_a.pk):
        services.request_consent(candidate=candidate, by=recruiter_a)
    return token_in(mailoutbox[-1])


@through_links
def test_the_public_route_says_what_the_candidate_is_asked_to_accept(token):
    response = APIClient().get(f"/api/v1/consent/{token}")
    assert response.status_code == 200
    body = response.json()
    assert (body["company"], body["position"], body["language"], body["languages"]) == ("Acme", "Data engineer", "en", ["en", "fr", "ar"])
    assert body["caller_is_ai"] and body["call_is_recorded"] and body["answers_are_transcribed"] and body["a_person_decides"]
    assert [c["code"] for c in body["covers"]] == ["ai_call", "recording", "transcription", "ai_analysis"]
    assert body["retention"] == {"recordings_days": 183, "reports_months": 12, "other_data_months": 24}
    assert body["contact"]["email"] == "rita@acme.test"
    assert body["calling_hours"] == {"days": [0, 1, 2, 3, 4, 5], "start": "09:00", "end": "19:00"}
    assert len(body["notice"]["hash"]) == 64 and "AI assistant" in body["notice"]["html"]
    assert APIClient().get(f"/api/v1/consent/{token}?lang=ar").json()["language"] == "ar"


@through_links
def test_accept_through_the_api_with_preferred_times(tenant_a, token, candidate):
    shown = APIClient().get(f"/api/v1/consent/{token}").json()["notice"]["hash"]
    response = APIClient().post(f"/api/v1/consent/{token}/accept", {
        "notice_hash": shown, "preferred_times": [{"weekday": 4, "start": "16:00", "end": "19:00"}],
    }, format="json", HTTP_USER_AGENT="AcmeApp/2")
    assert response.status_code == 201 and response.json()["decision"] == "granted"
    with tenant_context(tenant_a.pk):
        record = ConsentRecord.objects.get()
        assert (record.text_hash, record.user_agent) == (shown, "AcmeApp/2")
        assert Candidate.objects.get(pk=candidate.pk).call_time_preference.windows == [{"weekday": 4, "start": "16:00", "end": "19:00"}]
    reused = english(APIClient()).post(f"/api/v1/consent/{token}/decline", {}, format="json")
    assert reused.status_code == 404 and "not valid" in reused.json()["message"]
    withdrawn = APIClient().post(f"/api/v1/consent/{token}/withdraw", {}, format="json")
    assert withdrawn.status_code == 201 and withdrawn.json()["decision"] == Decision.WITHDRAWN


@through_links
def test_decline_through_the_api(tenant_a, token, candidate):
    assert APIClient().post(f"/api/v1/consent/{token}/decline", {"language": "fr"}, format="json").status_code == 201
    with tenant_context(tenant_a.pk):
        assert ConsentRecord.objects.get().decision == Decision.DECLINED


@through_links
@pytest.mark.parametrize("route", ["", "/accept", "/decline", "/withdraw"])
def test_unknown_and_tampered_tokens_are_404_on_every_public_route(token, route):
    for bad in ("z" * 43, token[:-1] + ("a" if token[-1] != "a" else "b")):
        response = english(APIClient()).generic("GET" if not route else "POST", f"/api/v1/consent/{bad}{route}")
        assert response.status_code == 404 and "not valid" in response.json()["message"]


@through_links
def test_a_bearer_token_sent_along_is_ignored_the_link_decides_the_tenant(admin_b, token):
    anonymous = APIClient().get(f"/api/v1/consent/{token}")
    with_other_company_token = bearer_for(admin_b).get(f"/api/v1/consent/{token}")
    assert with_other_company_token.status_code == anonymous.status_code == 200
    assert with_other_company_token.json() == anonymous.json()
    declined = bearer_for(admin_b).post(f"/api/v1/consent/{token}/decline", {"language": "fr"}, format="json")
    assert declined.status_code == 201


@through_links
def test_public_routes_are_throttled(token, monkeypatch):
    monkeypatch.setattr(PublicThrottle, "THROTTLE_RATES", {"public": "2/min"})
    client = APIClient()
    assert [client.get(f"/api/v1/consent/{token}").status_code for _ in range(3)] == [200, 200, 429]


@through_links
def test_accepting_through_the_api_needs_the_hash_of_the_notice_read(tenant_a, token):
    client = english(APIClient())
    missing = client.post(f"/api/v1/consent/{token}/accept", {}, format="json")
    stale = client.post(f"/api/v1/consent/{token}/accept", {"notice_hash": "0" * 64}, format="json")
    for response in (missing, stale):
        assert response.status_code == 400 and list(response.json()["errors"]) == ["notice_hash"]
    assert "notice_hash" in missing.json()["message"]
    with tenant_context(tenant_a.pk):
        assert not ConsentRecord.objects.exists()
