"""Every order a candidate list offers is read from an index, within a position and within the
company: a page of 25 never sorts all the candidates (recruiting.models, Candidate.Meta.indexes)."""

import pytest
from django.db import connection, connections

from aihm.tenancy import PRIVILEGED_DB, tenant_context
from recruiting import selectors
from recruiting.models import Candidate
from recruiting.views import PER_PAGE
from tests import factories

pytestmark = pytest.mark.postgres


def plan(queryset):
    return queryset[:PER_PAGE].explain()


def seed(position, count):
    Candidate.objects.bulk_create(
        Candidate(position=position, tenant_id=position.tenant_id, full_name=f"Candidate {n}", phone=f"+2126{n:08d}",
                  timezone="Africa/Casablanca", cv_score=None if n % 5 == 0 else n % 101)
        for n in range(count)
    )


@pytest.mark.django_db(transaction=True, databases=["default", PRIVILEGED_DB])
def test_a_positions_first_page_of_candidates_is_read_from_an_index_on_analysed_rows(tenant_a):
    """What the planner really does: 2,000 candidates in the position and as many in another,
    statistics up to date."""
    with tenant_context(tenant_a.pk):
        position, other_position = factories.PositionFactory(), factories.PositionFactory()
        seed(position, 2000)
        seed(other_position, 2000)
    with connections[PRIVILEGED_DB].cursor() as cursor:
        cursor.execute("ANALYZE recruiting_candidate")
    with tenant_context(tenant_a.pk):
        explained = plan(selectors.candidates_for_position(position))
    assert "Index Scan using recruiting_cand_pos_newest" in explained, explained
    assert "Sort" not in explained, explained


@pytest.fixture
def planner_avoiding_scans_and_sorts(db):
    """A sort is then chosen only where no index gives the order (undone with the test's rollback)."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", selectors.CANDIDATE_ORDERINGS)
@pytest.mark.parametrize("within", ["position", "company"])
def test_every_candidate_order_has_an_index(tenant_a, planner_avoiding_scans_and_sorts, ordering, within):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory()
        seed(position, 20)
        if within == "position":
            candidates = selectors.candidates_for_position(position, ordering=ordering)
        else:
            candidates = selectors.all_candidates(ordering=ordering)
        explained = plan(candidates)
    assert "Sort" not in explained, explained
