"""Candidates are ranked by CV score, interview score, name, status or date, on the pages and the
API (`ordering`), keeping the filters and the pagination; a missing score sorts last; an unknown
order is a 400 on the API and the default order on a page. The pages also filter by consent and by
a CV score range."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aihm.tenancy import tenant_context
from recruiting.models import Candidate, ConsentState, PipelineStatus
from tests import factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(tenant_a):
    """Four candidates added a day apart: Dina first, Bilal last; Bilal has no CV score yet, amine
    no interview score and no consent decision."""
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(title="Comptable")
        rows = [
            ("Dina Zerouali", 95, PipelineStatus.HIRED, 4.5, ConsentState.GRANTED),
            ("amine Alaoui", 80, PipelineStatus.NEW, None, ConsentState.NONE),
            ("Chloé Martin", 40, PipelineStatus.CONSENT_PENDING, 2.0, ConsentState.DECLINED),
            ("Bilal Naciri", None, PipelineStatus.SHORTLISTED, 3.5, ConsentState.WITHDRAWN),
        ]
        start = timezone.now() - timedelta(days=10)
        for day, (name, score, status, interview_score, consent) in enumerate(rows):
            candidate = factories.CandidateFactory(position=position, full_name=name, cv_score=score, status=status,
                                                   interview_score=interview_score, consent_state=consent)
            Candidate.objects.filter(pk=candidate.pk).update(created_at=start + timedelta(days=day))
        return position


ORDERS = {
    "-cv_score": ["Dina Zerouali", "amine Alaoui", "Chloé Martin", "Bilal Naciri"],
    "cv_score": ["Chloé Martin", "amine Alaoui", "Dina Zerouali", "Bilal Naciri"],
    "full_name": ["amine Alaoui", "Bilal Naciri", "Chloé Martin", "Dina Zerouali"],
    "-full_name": ["Dina Zerouali", "Chloé Martin", "Bilal Naciri", "amine Alaoui"],
    "status": ["amine Alaoui", "Chloé Martin", "Bilal Naciri", "Dina Zerouali"],
    "-status": ["Dina Zerouali", "Bilal Naciri", "Chloé Martin", "amine Alaoui"],
    "-interview_score": ["Dina Zerouali", "Bilal Naciri", "Chloé Martin", "amine Alaoui"],
    "interview_score": ["Chloé Martin", "Bilal Naciri", "Dina Zerouali", "amine Alaoui"],
    "created_at": ["Dina Zerouali", "amine Alaoui", "Chloé Martin", "Bilal Naciri"],
    "-created_at": ["Bilal Naciri", "Chloé Martin", "amine Alaoui", "Dina Zerouali"],
}


def page_names(response):
    assert response.status_code == 200
    return [candidate.full_name for candidate in response.context["page"].object_list]


@pytest.mark.parametrize("ordering", ORDERS)
@pytest.mark.parametrize("route", ["recruiting:candidate_list", "recruiting:position_candidates"])
def test_candidate_pages_sort_by_score_name_status_and_date_with_missing_scores_last(admin_a, position, route, ordering):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)
    args = [position.pk] if route == "recruiting:position_candidates" else []

    assert page_names(client.get(reverse(route, args=args), {"ordering": ordering})) == ORDERS[ordering]


@pytest.mark.parametrize("ordering", ORDERS)
@pytest.mark.parametrize("route", ["api-candidates", "api-position-candidates"])
def test_candidate_api_lists_sort_with_ordering(admin_a, position, route, ordering):
    url = reverse(route, kwargs={"pk": position.pk} if "position" in route else {})

    body = bearer_for(admin_a).get(url, {"ordering": ordering}).json()

    assert [row["full_name"] for row in body["results"]] == ORDERS[ordering]


def test_the_lists_are_newest_first_by_default(admin_a, position):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)

    assert page_names(client.get(reverse("recruiting:candidate_list"))) == ORDERS["-created_at"]
    assert [row["full_name"] for row in bearer_for(admin_a).get(reverse("api-candidates")).json()["results"]] == ORDERS["-created_at"]


@pytest.mark.parametrize("route", ["api-candidates", "api-position-candidates"])
def test_an_unknown_order_is_a_400_that_names_the_field_and_the_allowed_orders(admin_a, position, route):
    url = reverse(route, kwargs={"pk": position.pk} if "position" in route else {})

    response = bearer_for(admin_a).get(url, {"ordering": "salary"})

    assert response.status_code == 400
    body = response.json()
    assert "ordering" in body["errors"]
    assert "salary" in body["message"] and "-cv_score" in body["message"] and "full_name" in body["message"]


def test_an_unknown_order_on_a_page_falls_back_to_newest_first(admin_a, position):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)

    assert page_names(client.get(reverse("recruiting:candidate_list"), {"ordering": "salary"})) == ORDERS["-created_at"]


def test_sorting_keeps_the_filters_and_the_api_filters_still_apply(admin_a, position):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)
    wanted = {"status": PipelineStatus.HIRED}

    assert page_names(client.get(reverse("recruiting:candidate_list"), {**wanted, "ordering": "cv_score"})) == ["Dina Zerouali"]
    body = bearer_for(admin_a).get(reverse("api-candidates"), {"search": "a", "ordering": "-cv_score", "status": "new"}).json()
    assert [row["full_name"] for row in body["results"]] == ["amine Alaoui"]


def test_column_headers_sort_keep_the_search_and_say_which_way_the_list_runs(admin_a, position):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)

    page = client.get(reverse("recruiting:candidate_list"), {"q": "a", "ordering": "-cv_score", "page": "1"}).content.decode()

    score_header = re.search(r'<th scope="col" aria-sort="descending"><a class="sort-link" href="([^"]+)">CV score</a></th>', page)
    assert score_header, "the CV score column says it is sorted, best first"
    assert score_header.group(1).replace("&amp;", "&") == "?q=a&ordering=cv_score"  # a second click reverses; page one
    name_header = re.search(r'<th scope="col"><a class="sort-link" href="([^"]+)">Name</a></th>', page)
    assert name_header.group(1).replace("&amp;", "&") == "?q=a&ordering=full_name"
    assert page.count("aria-sort=") == 1
    assert '<input type="hidden" name="ordering" value="-cv_score">' in page  # a new search keeps the order


def test_page_links_keep_the_sort(admin_a, tenant_a, position):
    with tenant_context(tenant_a.pk):
        factories.CandidateFactory.create_batch(30, position=position, cv_score=10)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)

    first = client.get(reverse("recruiting:position_candidates", args=[position.pk]), {"ordering": "-cv_score"})
    next_link = re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    second = client.get(reverse("recruiting:position_candidates", args=[position.pk]) + next_link)

    assert next_link == "?ordering=-cv_score&page=2"
    assert page_names(first)[:2] == ["Dina Zerouali", "amine Alaoui"]
    assert page_names(second)[-1] == "Bilal Naciri"  # the one without a score is last of all


FILTERS = [
    ({"consent": "granted"}, ["Dina Zerouali"]),
    ({"consent": "declined"}, ["Chloé Martin"]),
    ({"consent": "withdrawn"}, ["Bilal Naciri"]),
    ({"consent": "none"}, ["amine Alaoui"]),
    ({"min_score": "50"}, ["amine Alaoui", "Dina Zerouali"]),
    ({"min_score": "30", "max_score": "85"}, ["Chloé Martin", "amine Alaoui"]),
    ({"max_score": "0"}, []),
    ({"consent": "granted", "min_score": "90", "ordering": "-interview_score"}, ["Dina Zerouali"]),
]


@pytest.mark.parametrize(("query", "names"), FILTERS)
@pytest.mark.parametrize("route", ["recruiting:candidate_list", "recruiting:position_candidates"])
def test_candidate_pages_filter_by_consent_and_cv_score_range(admin_a, position, route, query, names):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)
    args = [position.pk] if route == "recruiting:position_candidates" else []

    response = client.get(reverse(route, args=args), query)
    assert page_names(response) == names
    if not names:
        assert "No candidate matches your search" in response.content.decode()


def test_a_score_range_that_is_not_a_number_is_said_and_left_out(admin_a, position):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)

    response = client.get(reverse("recruiting:candidate_list"), {"min_score": "abc", "max_score": "150", "consent": "granted"})
    body = response.content.decode()
    assert page_names(response) == ["Dina Zerouali"], "the valid filter still applies"
    assert 'role="alert"' in body and "CV score from: Enter a whole number." in body
    assert "CV score to: Ensure this value is less than or equal to 100." in body


def test_the_interview_score_shows_in_the_list(admin_a, position):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)
    body = client.get(reverse("recruiting:position_candidates", args=[position.pk])).content.decode()
    assert "4.5 / 5" in body and "Interview score" in body


def test_page_links_keep_the_filters(admin_a, tenant_a, position):
    with tenant_context(tenant_a.pk):
        factories.CandidateFactory.create_batch(30, position=position, cv_score=70, consent_state=ConsentState.GRANTED)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_a)

    first = client.get(reverse("recruiting:position_candidates", args=[position.pk]), {"consent": "granted", "min_score": "60"})
    next_link = re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    assert next_link == "?consent=granted&min_score=60&page=2"
    second = client.get(reverse("recruiting:position_candidates", args=[position.pk]) + next_link)
    assert len(page_names(first)) + len(page_names(second)) == 31  # the 30 and Dina


def test_the_consent_and_interview_score_mirrors_follow_the_services(tenant_a, recruiter_a, settings):
    from consent import services as consent_services
    from interviews.models import InterviewAnalysis
    from tests.interviews_support import finished_interview

    settings.ANTHROPIC_API_KEY = ""
    interview = finished_interview(tenant_a, recruiter_a)  # consent recorded, then analysed offline
    with tenant_context(tenant_a.pk):
        candidate = Candidate.objects.get(pk=interview.candidate_id)
        analysis = InterviewAnalysis.objects.get(interview=interview)
        assert candidate.consent_state == ConsentState.GRANTED
        assert analysis.overall_score is not None and candidate.interview_score == analysis.overall_score
        consent_services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="Asked by phone to stop.")
        assert Candidate.objects.get(pk=candidate.pk).consent_state == ConsentState.WITHDRAWN


API_FILTERS = [
    ({"consent": "granted"}, ["Dina Zerouali"]),
    ({"consent": "none"}, ["amine Alaoui"]),
    ({"min_score": 30, "max_score": 85}, ["Chloé Martin", "amine Alaoui"]),
]


@pytest.mark.parametrize(("query", "names"), API_FILTERS)
@pytest.mark.parametrize("route", ["api-candidates", "api-position-candidates"])
def test_the_api_lists_filter_by_consent_and_cv_score_range_too(admin_a, position, route, query, names):
    url = reverse(route, kwargs={"pk": position.pk} if "position" in route else {})
    body = bearer_for(admin_a).get(url, query).json()
    assert [row["full_name"] for row in body["results"]] == names
    assert {row["consent_state"] for row in body["results"]} <= {"granted", "declined", "withdrawn", ""}


def test_the_api_refuses_a_bad_score_range_or_consent(admin_a, position):
    client = bearer_for(admin_a)
    response = client.get(reverse("api-candidates"), {"min_score": 101, "consent": "maybe"})
    assert response.status_code == 400 and {"min_score", "consent"} <= set(response.json()["errors"])
    row = client.get(reverse("api-candidates"), {"ordering": "-interview_score"}).json()["results"][0]
    assert (row["full_name"], row["interview_score"]) == ("Dina Zerouali", 4.5)
