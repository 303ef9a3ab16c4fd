"""A reused database connection never carries a tenant into the next request.

Connections live across requests (CONN_MAX_AGE), and entering a tenant costs no query of its own:
the RLS key rides in front of the first statement that needs it (aihm.tenancy.tenant_key_wrapper).
These tests serve several companies, an anonymous visitor and a request that fails half-way on one
PostgreSQL session as the runtime role, and check what each one sees.
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aihm.tenancy import tenant_context
from recruiting.models import Candidate, Position
from tests import factories
from tests.conftest import bearer_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def backend_pid():
    return connection.connection.info.backend_pid


def rows_seen(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]


@pytest.fixture
def companies(admin_a, admin_b):
    for admin, count in ((admin_a, 3), (admin_b, 2)):
        with tenant_context(admin.tenant_id):
            position = factories.PositionFactory(title=f"Role at {admin.tenant.name}")
            factories.CandidateFactory.create_batch(count, position=position)
    return admin_a, admin_b


def candidates_listed(client):
    response = client.get(reverse("api-candidates"))
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_companies_served_one_after_another_on_one_connection_see_only_their_rows(companies):
    admin_a, admin_b = companies
    client_a, client_b = bearer_for(admin_a), bearer_for(admin_b)
    rows_seen("accounts_tenant")  # open the session the requests will share
    pid = backend_pid()

    for _ in range(2):
        assert candidates_listed(client_a) == 3
        assert rows_seen("recruiting_candidate") == 0  # between requests: no company's key applies
        assert candidates_listed(client_b) == 2
        page = Client()
        page.force_login(admin_a)
        assert "Role at Acme" in page.get(reverse("recruiting:position_list")).content.decode()
        assert Client().get(reverse("accounts:login")).status_code == 200  # anonymous, same session
        assert rows_seen("recruiting_position") == 0
    assert backend_pid() == pid, "the requests were meant to share one connection"


def test_a_request_that_fails_half_way_leaves_nothing_behind(companies, monkeypatch):
    admin_a, admin_b = companies
    from recruiting import api

    def fail_after_reading(self, *args, **kwargs):
        with transaction.atomic():
            list(Candidate.objects.all())  # the key of company A is set inside the transaction
            raise DatabaseError("the database went away half-way")

    monkeypatch.setattr(api.CandidateListView, "list", fail_after_reading)
    client_a = bearer_for(admin_a)
    client_a.raise_request_exception = False
    rows_seen("accounts_tenant")
    pid = backend_pid()
    assert client_a.get(reverse("api-candidates")).status_code in (500, 503)
    monkeypatch.undo()

    assert rows_seen("recruiting_candidate") == 0
    assert candidates_listed(bearer_for(admin_b)) == 2
    assert backend_pid() == pid


def test_entering_a_tenant_costs_no_query_of_its_own(companies):
    admin_a, admin_b = companies
    rows_seen("accounts_tenant")
    with CaptureQueriesContext(connection) as queries:
        with tenant_context(admin_a.tenant_id):
            count_a = Position.objects.count()
        with tenant_context(admin_b.tenant_id):
            count_b = Position.objects.count()
        nobody = rows_seen("recruiting_position")
    assert (count_a, count_b, nobody) == (1, 1, 0)
    assert len(queries) == 3  # each key went out with the statement that needed it


def test_a_rolled_back_savepoint_cannot_bring_back_another_companys_key(companies):
    admin_a, admin_b = companies
    with transaction.atomic():
        with tenant_context(admin_a.tenant_id):
            savepoint = transaction.savepoint()  # taken under company A's key
        with tenant_context(admin_b.tenant_id):
            assert Position.objects.count() == 1  # B's key, set after the savepoint
            transaction.savepoint_rollback(savepoint)  # PostgreSQL puts A's key back...
            titles = list(Position.unscoped.values_list("title", flat=True))  # ...B's goes out again
    assert titles == ["Role at Globex"]


def test_a_failed_statement_leaves_the_key_unknown_not_wrong(companies):
    admin_a, admin_b = companies
    with tenant_context(admin_a.tenant_id):
        assert Position.objects.count() == 1
    with tenant_context(admin_b.tenant_id):
        with pytest.raises(DatabaseError):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")  # fails, and takes its set_config with it
        assert list(Position.unscoped.values_list("title", flat=True)) == ["Role at Globex"]


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_connections_never_jit_compile_a_query():
    """PostgreSQL's JIT compiles any query whose estimated cost passes `jit_above_cost`: 146 ms of
    compiling for the analytics overview's 11 ms of work. The settings turn it off on every
    connection the product opens (aihm.settings)."""
    from django.db import connections

    for alias in ("default", "privileged"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off", alias
