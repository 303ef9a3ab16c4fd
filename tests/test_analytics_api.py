"""The analytics API: every figure of the overview, the pipeline and the per-position statistics
checked on a small hand-built company; the period and position filters, and a 400 naming the bad
one; another company's data never counted; every role reads; the number of queries does not grow
with the data; a company with nothing yet gets zeros and nulls."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aihm.tenancy import PRIVILEGED_DB, tenant_context
from consent.models import ConsentRecord, ConsentRequest
from interviews import pipeline
from interviews.models import CallAttempt, Interview, InterviewAnalysis
from recruiting import services
from recruiting.models import Candidate, CandidateDecision
from tests import factories
from tests.conftest import bearer_for
from tests.interviews_support import mirror_first_reports

pytestmark = pytest.mark.django_db

OVERVIEW, PIPELINE, POSITIONS = "api-analytics-overview", "api-analytics-pipeline", "api-analytics-positions-stats"
ROUTES = (OVERVIEW, PIPELINE, POSITIONS)
HOUR = 3600


def at(day, hour=0):
    return datetime(2026, 3, day, hour, tzinfo=dt_timezone.utc)


def get(user, route, **params):
    return bearer_for(user).get(reverse(route), params)


# --- Building a company -----------------------------------------------------------------------


def candidate(position, name, *, added, score=None, status="new"):
    made = factories.CandidateFactory(
        position=position, full_name=name, cv_score=score, status=status,
        scoring_status="scored" if score is not None else "no_cv")
    Candidate.objects.filter(pk=made.pk).update(created_at=added)
    return made


def consent_requested(person):
    ConsentRequest.objects.create(candidate=person, language="fr", expires_at=timezone.now() + timedelta(days=7))


def consent_decided(person, decision="granted"):
    ConsentRecord.objects.create(candidate=person, candidate_ref=person.pk, decision=decision, channel="web",
                                 text_version="v1", text_hash="0" * 64, language="fr")


def interview(person, state="audio_complete"):
    return factories.InterviewFactory(candidate=person, state=state)


def attempt(of, number, outcome, *, answered=True, state="ended", direction="outbound"):
    return factories.CallAttemptFactory(interview=of, number=number, outcome=outcome, state=state, direction=direction,
                                        answered_at=timezone.now() if answered else None)


def analysis(of, version, *, score, recommendation, finished, state="done"):
    made = InterviewAnalysis.objects.create(interview=of, version=version, state=state, overall_score=score,
                                            recommendation=recommendation, finished_at=finished)
    pipeline.mirror_interview_score(of.candidate_id)  # as the pipeline does once an analysis ends
    return made


def decide(by, person, decision, *, decided_at=None):
    services.decide(by=by, candidate=person, decision=decision)
    if decided_at:
        Candidate.objects.filter(pk=person.pk).update(decided_at=decided_at)


@pytest.fixture
def company(tenant_a, recruiter_a):
    """Three positions and nine candidates, each with the facts the figures read (the comments say
    which figure each one tests)."""
    with tenant_context(tenant_a.pk):
        backend = factories.PositionFactory(title="Backend developer", status="open")
        data = factories.PositionFactory(title="Data analyst", status="open")
        old = factories.PositionFactory(title="Old role", status="closed")

        # Backend: advised to advance, shortlisted (agrees); analysed twice, the latest score counts.
        amina = candidate(backend, "Amina", added=at(10, 9), score=80)
        consent_requested(amina)
        consent_decided(amina)
        first = interview(amina)
        attempt(first, 1, "no_answer", answered=False)
        attempt(first, 2, "completed")
        analysis(first, 1, score=3.0, recommendation="hold", finished=at(11, 9))          # first report after 24 h
        analysis(first, 2, score=3.5, recommendation="advance", finished=at(12, 9))
        analysis(first, 3, score=None, recommendation="", finished=None, state="pending")  # not done: ignored
        second = interview(amina, state="dialling")                                         # not completed, no score
        attempt(second, 1, "", answered=False, state="ringing")                             # not ended: not counted
        decide(recruiter_a, amina, "shortlisted")

        # Backend: advised not to advance, shortlisted anyway (disagrees); a voicemail is not an answer.
        bilal = candidate(backend, "Bilal", added=at(10, 10), score=40)
        consent_requested(bilal)
        consent_decided(bilal)
        call = interview(bilal)
        attempt(call, 1, "voicemail")
        attempt(call, 2, "completed")
        analysis(call, 1, score=1.5, recommendation="do_not_advance", finished=at(10, 22))   # after 12 h
        decide(recruiter_a, bilal, "shortlisted")

        # Backend: asked, no answer yet; and one who declined (a recruiter recorded it, no request).
        chloe = candidate(backend, "Chloé", added=at(10, 11), score=90, status="consent_pending")
        consent_requested(chloe)
        driss = candidate(backend, "Driss", added=at(10, 12), status="consent_declined")
        consent_decided(driss, "declined")

        # Backend, added in January (outside March): hired on its CV alone.
        hana = candidate(backend, "Hana", added=datetime(2026, 1, 5, tzinfo=dt_timezone.utc), score=100)
        decide(recruiter_a, hana, "hired")

        # Data: insufficient evidence, rejected (not compared); a busy line.
        emma = candidate(data, "Emma", added=at(11, 8), score=70)
        consent_decided(emma)
        call = interview(emma)
        attempt(call, 1, "busy", answered=False)
        attempt(call, 2, "completed")
        analysis(call, 1, score=None, recommendation="insufficient_evidence", finished=at(13, 8))  # after 48 h
        decide(recruiter_a, emma, "rejected")

        # Data: rejected on the CV (no analysis, not compared).
        farid = candidate(data, "Farid", added=at(11, 9), score=50)
        decide(recruiter_a, farid, "rejected")

        # Data: advised to hold, put on hold (agrees); the candidate's call back is not an attempt of ours.
        gita = candidate(data, "Gita", added=at(12, 12), score=60, status="report_ready")
        consent_decided(gita)
        call = interview(gita, state="awaiting_audio")
        attempt(call, 1, "completed")
        attempt(call, 2, "completed", direction="inbound")
        analysis(call, 1, score=2.75, recommendation="hold", finished=at(14, 0))              # after 36 h
        decide(recruiter_a, gita, "on_hold")

        # Data: rejected before the analysis was done: the advice came too late to be followed.
        ines = candidate(data, "Ines", added=at(11, 10), score=66)
        consent_decided(ines)
        call = interview(ines)
        attempt(call, 1, "completed")
        analysis(call, 1, score=1.25, recommendation="do_not_advance", finished=at(12, 10))   # after 24 h
        decide(recruiter_a, ines, "rejected", decided_at=at(12, 9))
    return {"backend": backend, "data": data, "old": old}


@pytest.fixture
def other_company(tenant_b, admin_b):
    """Company B: one of everything, with figures unlike A's, that A must never count."""
    with tenant_context(tenant_b.pk):
        position = factories.PositionFactory(title="Globex role", status="open")
        person = candidate(position, "Bruno", added=at(10, 9), score=5)
        consent_decided(person)
        call = interview(person)
        attempt(call, 1, "no_answer", answered=False)
        analysis(call, 1, score=5, recommendation="advance", finished=at(10, 10))
        decide(admin_b, person, "rejected")
    return position


# --- The overview -----------------------------------------------------------------------------


EVERYONE = {
    "open_positions": 2,
    "candidates": {"total": 9, "added": 9},
    "cvs_scored": 8,
    "consent": {"asked": 7, "granted": 5, "rate": 0.7143},
    "calls": {"attempts": 8, "answered": 5, "answer_rate": 0.625},
    "interviews_completed": 5,
    "reports_ready": 5,
    "average_cv_score": 69.5,            # (80 + 40 + 90 + 100 + 70 + 50 + 60 + 66) / 8
    "average_interview_score": 2.25,     # (3.5 + 1.5 + 2.75 + 1.25) / 4: Emma's has no score
    "median_seconds_to_report": 24 * HOUR,  # of 12, 24, 24, 36, 48 hours
    "decisions": {"made": 7, "shortlisted": 2, "rejected": 3, "hired": 1, "on_hold": 1},
    "ai_agreement": {"compared": 3, "agreed": 2, "rate": 0.6667},  # Amina and Gita agree, Bilal does not
}


def test_the_overview_counts_every_figure(company, other_company, viewer_a):
    response = get(viewer_a, OVERVIEW)

    assert response.status_code == 200
    assert response.json() == EVERYONE


def test_the_first_report_time_is_mirrored_on_the_candidate_kept_by_a_reanalysis_and_filled_for_old_reports(company, tenant_a):
    """The median time to report reads Candidate.first_report_at: the pipeline keeps it as the
    first done analysis's end (a later version does not move it, a purge of them all clears it),
    and interviews migration 0005 fills it for the reports made before the column."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    with tenant_context(tenant_a.pk):
        amina = Candidate.objects.get(full_name="Amina")
        assert amina.first_report_at == at(11, 9), "version 1 ended first; version 2 does not move it"
        Candidate.objects.update(first_report_at=None)
        # The migration runs as the owner over every company; here, inside this test's transaction.
        import_module("interviews.migrations.0005_fill_first_report_at").fill_the_mirror(
            apps, SimpleNamespace(connection=connection))
        filled = dict(Candidate.objects.exclude(first_report_at=None).values_list("full_name", "first_report_at"))
        assert filled["Amina"] == at(11, 9) and "Chloé" not in filled
        InterviewAnalysis.objects.filter(interview__candidate=amina).delete()
        pipeline.mirror_interview_score(amina.pk)
        assert Candidate.objects.get(pk=amina.pk).first_report_at is None


def test_the_period_selects_the_candidates_added_in_it(company, recruiter_a):
    response = get(recruiter_a, OVERVIEW, **{"from": "2026-03-01", "to": "2026-03-31"})

    assert response.json() == {
        **EVERYONE,
        "candidates": {"total": 9, "added": 8},
        "cvs_scored": 7,
        "average_cv_score": 65.1,  # 456 / 7: without Hana's 100
        "decisions": {"made": 6, "shortlisted": 2, "rejected": 3, "hired": 0, "on_hold": 1},
    }


def test_both_ends_of_the_period_are_included(company, recruiter_a):
    def added(**period):
        return get(recruiter_a, OVERVIEW, **period).json()["candidates"]["added"]

    assert added(**{"from": "2026-03-10", "to": "2026-03-10"}) == 4   # Amina, Bilal, Chloé, Driss
    assert added(**{"from": "2026-03-12"}) == 1                       # Gita
    assert added(to="2026-03-11") == 8                                # all but Gita
    assert added(**{"from": "2026-04-01"}) == 0


def test_the_position_filter_gives_that_positions_figures(company, recruiter_a):
    response = get(recruiter_a, OVERVIEW, position=str(company["data"].pk))

    assert response.json() == {
        "open_positions": 1,
        "candidates": {"total": 4, "added": 4},
        "cvs_scored": 4,
        "consent": {"asked": 3, "granted": 3, "rate": 1.0},
        "calls": {"attempts": 4, "answered": 3, "answer_rate": 0.75},
        "interviews_completed": 3,
        "reports_ready": 3,
        "average_cv_score": 61.5,
        "average_interview_score": 2.0,
        "median_seconds_to_report": 36 * HOUR,  # of 24, 36, 48 hours
        "decisions": {"made": 4, "shortlisted": 0, "rejected": 3, "hired": 0, "on_hold": 1},
        "ai_agreement": {"compared": 1, "agreed": 1, "rate": 1.0},
    }


def test_a_closed_position_has_no_open_position_and_no_candidates(company, recruiter_a):
    body = get(recruiter_a, OVERVIEW, position=str(company["old"].pk)).json()

    assert body["open_positions"] == 0 and body["candidates"] == {"total": 0, "added": 0}


# --- The pipeline -----------------------------------------------------------------------------


def statuses(counts):
    order = ["new", "cv_scored", "consent_pending", "consent_given", "consent_declined", "interview_scheduled",
             "interview_in_progress", "interview_done", "report_ready", "shortlisted", "rejected", "hired"]
    return [counts.get(status, 0) for status in order]


def test_the_pipeline_counts_each_status_and_each_steps_conversion(company, other_company, viewer_a):
    body = get(viewer_a, PIPELINE).json()

    assert body["total"] == 9
    assert [row["count"] for row in body["statuses"]] == statuses(
        {"consent_pending": 1, "consent_declined": 1, "report_ready": 1, "shortlisted": 2, "rejected": 3, "hired": 1})
    assert body["statuses"][4] == {"status": "consent_declined", "label": "Consent declined", "count": 1}
    funnel = [(step["step"], step["reached"], step["conversion_to_next"]) for step in body["funnel"]]
    # Driss (declined) reached the request; Farid (rejected on his CV) the CV score; Emma and Ines
    # (rejected after their report) the report; Hana (hired) every step.
    assert funnel == [
        ("new", 9, 1.0), ("cv_scored", 9, 0.8889), ("consent_pending", 8, 0.75), ("consent_given", 6, 1.0),
        ("interview_scheduled", 6, 1.0), ("interview_in_progress", 6, 1.0), ("interview_done", 6, 1.0),
        ("report_ready", 6, 0.5), ("shortlisted", 3, 0.3333), ("hired", 1, None),
    ]
    assert [(row["title"], row["total"]) for row in body["positions"]] == [("Backend developer", 5), ("Data analyst", 4)]
    data = body["positions"][1]
    assert data["id"] == str(company["data"].pk)
    assert [row["count"] for row in data["statuses"]] == statuses({"report_ready": 1, "rejected": 3})
    assert [step["reached"] for step in data["funnel"]] == [4, 4, 3, 3, 3, 3, 3, 3, 0, 0]
    assert [step["conversion_to_next"] for step in data["funnel"]][7:] == [0.0, None, None]


def test_the_pipeline_takes_the_filters(company, recruiter_a):
    body = get(recruiter_a, PIPELINE, position=str(company["backend"].pk), **{"from": "2026-03-01"}).json()

    assert body["total"] == 4 and [row["title"] for row in body["positions"]] == ["Backend developer"]
    assert [step["reached"] for step in body["funnel"]] == [4, 4, 4, 2, 2, 2, 2, 2, 2, 0]


# --- Per position -----------------------------------------------------------------------------


def test_positions_stats_give_each_positions_figures_newest_first(company, other_company, viewer_a):
    body = get(viewer_a, POSITIONS).json()

    assert body["count"] == 3 and body["next"] is None
    old, data, backend = body["results"]
    assert backend == {
        "id": str(company["backend"].pk), "title": "Backend developer", "status": "open",
        "candidates": 5, "cvs_scored": 4, "consented": 2, "interviewed": 2, "reports_ready": 2, "shortlisted": 2, "hired": 1,
        "average_cv_score": 77.5, "average_interview_score": 2.5, "median_seconds_to_screen": 18 * HOUR,
    }
    assert data == {
        "id": str(company["data"].pk), "title": "Data analyst", "status": "open",
        "candidates": 4, "cvs_scored": 4, "consented": 3, "interviewed": 3, "reports_ready": 3, "shortlisted": 0, "hired": 0,
        "average_cv_score": 61.5, "average_interview_score": 2.0, "median_seconds_to_screen": 36 * HOUR,
    }
    assert old == {
        "id": str(company["old"].pk), "title": "Old role", "status": "closed",
        "candidates": 0, "cvs_scored": 0, "consented": 0, "interviewed": 0, "reports_ready": 0, "shortlisted": 0, "hired": 0,
        "average_cv_score": None, "average_interview_score": None, "median_seconds_to_screen": None,
    }


def test_positions_stats_are_paginated_and_filtered(company, recruiter_a):
    first = get(recruiter_a, POSITIONS, page_size=2).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    assert [row["title"] for row in get(recruiter_a, POSITIONS, page_size=2, page=2).json()["results"]] == ["Backend developer"]

    body = get(recruiter_a, POSITIONS, position=str(company["backend"].pk), **{"from": "2026-03-01"}).json()
    assert body["count"] == 1
    backend = body["results"][0]
    assert (backend["candidates"], backend["cvs_scored"], backend["hired"], backend["average_cv_score"]) == (4, 3, 0, 70.0)


def test_a_page_past_the_end_is_a_404(company, recruiter_a):
    response = get(recruiter_a, POSITIONS, page=9)

    assert response.status_code == 404 and "message" in response.json()


# --- Bad filters ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("params, message", [
    ({"from": "2026-13-01"}, "from: Enter a valid date."),
    ({"to": "10/03/2026"}, "to: Enter a valid date."),
    ({"from": "2026-03-10", "to": "2026-03-09"}, "to: The end of the period (to) is before its start (from)."),
    ({"position": "not-an-id"}, "position: “not-an-id” is not a valid UUID."),
    ({"position": "6f1c2f4e-0000-4000-8000-000000000000"}, "position: No position of your company has this id."),
])
def test_a_bad_filter_is_a_400_naming_it(recruiter_a, route, params, message):
    response = get(recruiter_a, route, **params)

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert list(response.json()["errors"]) == [message.split(":")[0]]


@pytest.mark.parametrize("route", ROUTES)
def test_another_companys_position_is_refused_like_an_unknown_one(company, other_company, recruiter_a, route):
    response = get(recruiter_a, route, position=str(other_company.pk))

    assert response.status_code == 400
    assert response.json()["message"] == "position: No position of your company has this id."


# --- Tenants and roles ------------------------------------------------------------------------


def test_each_company_sees_its_own_figures_only(company, other_company, admin_b):
    overview = get(admin_b, OVERVIEW).json()
    assert overview["candidates"] == {"total": 1, "added": 1}
    assert overview["average_cv_score"] == 5.0 and overview["average_interview_score"] == 5.0
    assert overview["ai_agreement"] == {"compared": 1, "agreed": 0, "rate": 0.0}
    assert overview["calls"] == {"attempts": 1, "answered": 0, "answer_rate": 0.0}
    assert [row["title"] for row in get(admin_b, PIPELINE).json()["positions"]] == ["Globex role"]
    assert [row["title"] for row in get(admin_b, POSITIONS).json()["results"]] == ["Globex role"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["admin", "recruiter", "viewer"])
def test_every_role_reads_the_analytics(tenant_a, route, role):
    user = factories.UserFactory(tenant=tenant_a, role=role)

    assert get(user, route).status_code == 200


@pytest.mark.parametrize("route", ROUTES)
def test_without_a_token_it_is_a_401(route):
    response = APIClient().get(reverse(route))

    assert response.status_code == 401


# --- A company with nothing yet ---------------------------------------------------------------


def test_an_empty_company_gets_zeros_and_nulls(admin_a):
    assert get(admin_a, OVERVIEW).json() == {
        "open_positions": 0,
        "candidates": {"total": 0, "added": 0},
        "cvs_scored": 0,
        "consent": {"asked": 0, "granted": 0, "rate": None},
        "calls": {"attempts": 0, "answered": 0, "answer_rate": None},
        "interviews_completed": 0,
        "reports_ready": 0,
        "average_cv_score": None,
        "average_interview_score": None,
        "median_seconds_to_report": None,
        "decisions": {"made": 0, "shortlisted": 0, "rejected": 0, "hired": 0, "on_hold": 0},
        "ai_agreement": {"compared": 0, "agreed": 0, "rate": None},
    }
    pipeline = get(admin_a, PIPELINE).json()
    assert pipeline["total"] == 0 and pipeline["positions"] == []
    assert {row["count"] for row in pipeline["statuses"]} == {0} and len(pipeline["statuses"]) == 12
    assert {(step["reached"], step["conversion_to_next"]) for step in pipeline["funnel"]} == {(0, None)}
    assert get(admin_a, POSITIONS).json() == {"count": 0, "next": None, "previous": None, "results": []}


# --- Queries ----------------------------------------------------------------------------------


def fill(tenant, user, count):
    """`count` candidates in two positions, every fact the figures read on some of them, in bulk."""
    with tenant_context(tenant.pk):
        positions = [factories.PositionFactory(), factories.PositionFactory()]
        scripts = [factories.ScriptVersionFactory(position=position) for position in positions]
        candidates = Candidate.objects.bulk_create(
            Candidate(tenant_id=tenant.pk, position=positions[n % 2], full_name=f"Candidate {n}", phone=f"+2126{n:08d}",
                      timezone="Africa/Casablanca", scoring_status="scored", cv_score=n % 101,
                      status=["new", "consent_given", "report_ready", "rejected", "shortlisted"][n % 5])
            for n in range(count)
        )
        ConsentRequest.objects.bulk_create(
            ConsentRequest(tenant_id=tenant.pk, candidate=person, language="fr", expires_at=timezone.now())
            for person in candidates[::2])
        ConsentRecord.objects.bulk_create(
            ConsentRecord(tenant_id=tenant.pk, candidate=person, candidate_ref=person.pk, decision="granted", channel="web",
                          text_version="v1", text_hash="0" * 64, language="fr")
            for person in candidates[::3])
        interviews = Interview.objects.bulk_create(
            Interview(tenant_id=tenant.pk, candidate=person, script=scripts[n % 2], language="fr", state="audio_complete")
            for n, person in enumerate(candidates[::3]))
        CallAttempt.objects.bulk_create(
            CallAttempt(tenant_id=tenant.pk, interview=call, number=1, state="ended", outcome="completed",
                        answered_at=timezone.now())
            for call in interviews)
        InterviewAnalysis.objects.bulk_create(
            InterviewAnalysis(tenant_id=tenant.pk, interview=call, version=1, state="done", overall_score=n % 6,
                              recommendation="advance", finished_at=timezone.now())
            for n, call in enumerate(interviews))
        mirror_first_reports()
        CandidateDecision.objects.bulk_create(
            CandidateDecision(tenant_id=tenant.pk, candidate=person, decision=person.status, decided_by=user)
            for person in candidates if person.status in ("rejected", "shortlisted"))
        Candidate.objects.filter(status__in=("rejected", "shortlisted")).update(decided_at=timezone.now(), decision=F("status"))
    return positions[0]


def queries(user, route, **params):
    client = bearer_for(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(route), params)
    assert response.status_code == 200, response.json()
    return len(captured)


# The account with its company, then: the overview's positions, candidates, interviews and call
# attempts; the pipeline's one grouped query; the page of positions' count, page, candidates and
# interviews. A position filter reads the position once more.
EXPECTED_QUERIES = {OVERVIEW: 5, PIPELINE: 2, POSITIONS: 5}


@pytest.mark.django_db(transaction=True, databases=["default", PRIVILEGED_DB])
def test_the_number_of_queries_does_not_grow_with_the_candidates(tenant_a, tenant_b, admin_a, admin_b):
    small, large = fill(tenant_a, admin_a, 10), fill(tenant_b, admin_b, 1000)
    with connections[PRIVILEGED_DB].cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics up to date, as autovacuum keeps them: the planner's real choices
    filtered = {"from": "2026-01-01", "to": "2030-12-31"}

    for route in ROUTES:
        assert queries(admin_a, route) == queries(admin_b, route) == EXPECTED_QUERIES[route], route
        assert (queries(admin_a, route, position=str(small.pk), **filtered)
                == queries(admin_b, route, position=str(large.pk), **filtered) == EXPECTED_QUERIES[route] + 1), route
    assert get(admin_b, OVERVIEW).json()["candidates"]["added"] == 1000
    assert get(admin_b, POSITIONS, position=str(large.pk)).json()["results"][0]["candidates"] == 500


# --- The schema -------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_routes_their_filters_and_the_pagination():
    from tests.openapi_contract import openapi_document

    paths = openapi_document()["paths"]
    for route in ("overview", "pipeline", "positions-stats"):
        operation = paths[f"/api/v1/analytics/{route}"]["get"]
        parameters = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
        assert parameters["from"] == parameters["to"] == {"type": "string", "format": "date"}
        assert parameters["position"] == {"type": "string", "format": "uuid"}
        assert {"200", "400", "401", "403"} <= set(operation["responses"])
    stats = paths["/api/v1/analytics/positions-stats"]["get"]
    assert stats["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PaginatedPositionStatsList"}
    assert {"page", "page_size"} <= {parameter["name"] for parameter in stats["parameters"]}
