"""Lists run a fixed number of queries, whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aihm.tenancy import tenant_context
from tests import factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db


def fill(tenant, count):
    with tenant_context(tenant.pk):
        position = factories.PositionFactory()
        factories.CandidateFactory.create_batch(
            count, position=position, scoring_status="scored", cv_score=70,
            cv_score_details={"provider": "offline", "criteria": []},
        )
    return position


def queries_for(request):
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("ordering", ["-created_at", "-cv_score", "full_name", "status"])
@pytest.mark.parametrize("route", ["recruiting:position_candidates", "recruiting:candidate_list"])
def test_candidates_list_page_queries_do_not_grow(client, tenant_a, tenant_b, recruiter_a, admin_b, route, ordering):
    small, large = fill(tenant_a, 5), fill(tenant_b, 200)

    def page(user, position):
        client.force_login(user)
        url = reverse(route, kwargs={"pk": position.pk}) if "position" in route else reverse(route)
        return lambda: client.get(url, {"page_size": 100, "ordering": ordering})

    assert queries_for(page(recruiter_a, small)) == queries_for(page(admin_b, large))


@pytest.mark.parametrize("ordering", ["-created_at", "-cv_score", "full_name", "status"])
@pytest.mark.parametrize("route", ["api-position-candidates", "api-candidates"])
def test_candidates_list_api_queries_do_not_grow(tenant_a, tenant_b, recruiter_a, admin_b, route, ordering):
    small, large = fill(tenant_a, 5), fill(tenant_b, 200)

    def listing(user, position):
        url = reverse(route, kwargs={"pk": position.pk}) if "position" in route else reverse(route)
        return lambda: bearer_for(user).get(url, {"page_size": 100, "ordering": ordering})

    assert queries_for(listing(recruiter_a, small)) == queries_for(listing(admin_b, large))


def test_positions_list_queries_do_not_grow(client, tenant_a, tenant_b, recruiter_a, admin_b):
    for tenant, count in ((tenant_a, 2), (tenant_b, 40)):
        with tenant_context(tenant.pk):
            factories.PositionFactory.create_batch(count)
    client.force_login(recruiter_a)
    few = queries_for(lambda: client.get(reverse("recruiting:position_list")))
    client.force_login(admin_b)
    many = queries_for(lambda: client.get(reverse("recruiting:position_list")))
    assert few == many


def test_an_api_request_reads_its_account_and_company_in_one_query_and_sets_no_key_apart(recruiter_a):
    position = fill(recruiter_a.tenant, 3)
    with tenant_context(recruiter_a.tenant_id):
        candidate = position.candidates.first()
    client = bearer_for(recruiter_a)
    url = reverse("api-candidate", args=[candidate.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    account, detail = (query["sql"] for query in captured.captured_queries)
    assert 'FROM "accounts_user" INNER JOIN "accounts_tenant"' in account
    assert 'FROM "recruiting_candidate"' in detail


def test_a_page_reads_its_session_from_the_cache_and_its_account_in_one_query(client, recruiter_a):
    fill(recruiter_a.tenant, 3)
    client.force_login(recruiter_a)
    url = reverse("recruiting:position_list")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    assert not any("django_session" in statement for statement in sql)
    assert sum('FROM "accounts_user"' in statement for statement in sql) == 1
    assert len(sql) == 4  # the account with its company, the count, the page of positions, the unread notifications
