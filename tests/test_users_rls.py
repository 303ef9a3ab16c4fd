"""Accounts behind row-level security: the runtime role reads and changes a company's members only
inside that company, never a staff account, and every way in still finds its account."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import selectors
from accounts.models import User
from aihm.api import TenantRefreshToken
from aihm.middleware import SESSION_TENANT_KEY
from aihm.tenancy import tenant_context
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


@pytest.fixture
def members(admin_a, recruiter_a, admin_b):
    return admin_a, recruiter_a, admin_b


def test_with_no_company_the_runtime_role_reads_no_account(members):
    assert raw("SELECT count(*) FROM accounts_user") == [(0,)]
    assert raw("SELECT password FROM accounts_user WHERE email = 'boss@globex.test'") == []


def test_inside_a_company_only_its_members_and_their_hashes_are_readable(members):
    admin_a, recruiter_a, admin_b = members
    with tenant_context(admin_a.tenant_id):
        emails = {email for (email,) in raw("SELECT email FROM accounts_user")}
        assert emails == {admin_a.email, recruiter_a.email}
        assert raw("SELECT password FROM accounts_user WHERE id = %s", [admin_b.pk]) == []


def test_another_companys_account_cannot_be_changed_or_removed(members):
    admin_a, _recruiter, admin_b = members
    with tenant_context(admin_a.tenant_id):
        assert raw("UPDATE accounts_user SET role = 'viewer', password = 'x' WHERE id = %s", [admin_b.pk]) == 0
        assert raw("DELETE FROM accounts_user WHERE id = %s", [admin_b.pk]) == 0
    with tenant_context(admin_b.tenant_id):
        admin_b.refresh_from_db()
    assert admin_b.role == "admin" and admin_b.check_password(factories.DEFAULT_PASSWORD)


def test_an_account_cannot_be_moved_into_or_created_in_another_company(members):
    admin_a, recruiter_a, admin_b = members
    with tenant_context(admin_a.tenant_id):
        with pytest.raises(ProgrammingError, match="row-level security"):
            with transaction.atomic():
                raw("UPDATE accounts_user SET tenant_id = %s WHERE id = %s", [admin_b.tenant_id, recruiter_a.pk])
        with pytest.raises(ProgrammingError, match="row-level security"):
            with transaction.atomic():
                raw(
                    "INSERT INTO accounts_user (id, email, full_name, tenant_id, role, language, is_active, is_staff,"
                    " is_superuser, password, date_joined) VALUES (gen_random_uuid(), 'mole@globex.test', 'Mole', %s,"
                    " 'admin', 'en', true, false, false, 'x', now())",
                    [admin_b.tenant_id],
                )


def test_the_runtime_role_can_neither_read_nor_create_a_staff_account(tenant_a):
    with tenant_context(tenant_a.pk):
        with pytest.raises(ProgrammingError, match="row-level security"):
            with transaction.atomic():
                raw(
                    "INSERT INTO accounts_user (id, email, full_name, tenant_id, role, language, is_active, is_staff,"
                    " is_superuser, password, date_joined) VALUES (gen_random_uuid(), 'root@aihm.test', 'Root', NULL,"
                    " 'admin', 'en', true, true, true, 'x', now())"
                )


def test_the_orm_follows_the_same_wall(members):
    admin_a, _recruiter, admin_b = members
    assert not User.objects.filter(pk=admin_b.pk).exists()
    with tenant_context(admin_a.tenant_id):
        assert set(User.objects.values_list("email", flat=True)) == {"admin@acme.test", "rita@acme.test"}
        assert selectors.user_by_id(admin_b.pk) is None


def test_a_member_is_saved_inside_their_company_whatever_the_caller(admin_a):
    admin_a.full_name = "Alice Renamed"
    admin_a.save(update_fields=["full_name"])  # no company active: the account's own is entered
    with tenant_context(admin_a.tenant_id):
        assert User.objects.get(pk=admin_a.pk).full_name == "Alice Renamed"


def test_sign_in_finds_the_account_before_its_company_is_known(members):
    admin_a, _recruiter, admin_b = members
    assert selectors.user_by_email("BOSS@globex.test") == admin_b
    assert selectors.user_for_reset_link(str(admin_a.pk)) == admin_a
    assert selectors.email_in_use("rita@acme.test") and not selectors.email_in_use("nobody@acme.test")
    with tenant_context(admin_a.tenant_id):  # inside a company, another company's account is nobody
        assert selectors.user_by_email("boss@globex.test") is None


def test_the_pre_company_look_up_answers_an_id_and_a_company_only(admin_b):
    [row] = raw("SELECT * FROM accounts_user_home(NULL, %s)", ["boss@globex.test"])
    assert row == (admin_b.pk, admin_b.tenant_id)


def test_a_page_sign_in_stores_the_company_in_the_session_and_pages_work(admin_a):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": admin_a.email, "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_TENANT_KEY] == str(admin_a.tenant_id)
    assert client.get(reverse("recruiting:position_list")).status_code == 200


def test_a_session_naming_another_company_is_nobody(admin_a, admin_b):
    client = Client()
    client.force_login(admin_a)
    session = client.session
    session[SESSION_TENANT_KEY] = str(admin_b.tenant_id)
    session.save()
    response = client.get(reverse("recruiting:position_list"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])  # looked up as staff
def test_a_session_without_a_company_is_nobody_for_a_member(admin_a):
    client = Client()
    client.force_login(admin_a)
    session = client.session
    del session[SESSION_TENANT_KEY]
    session.save()
    assert client.session[SESSION_KEY] == str(admin_a.pk)
    assert client.get(reverse("recruiting:position_list")).status_code == 302


def test_an_access_token_names_its_company_and_works(admin_a):
    token = TenantRefreshToken.for_user(admin_a).access_token
    assert token["tenant_id"] == str(admin_a.tenant_id)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(reverse("api-auth-me")).status_code == 200


def test_a_token_naming_no_company_or_another_one_is_refused(admin_a, admin_b):
    for claimed in (None, str(admin_b.tenant_id), "not-a-company"):
        token = TenantRefreshToken.for_user(admin_a).access_token
        if claimed is None:
            del token["tenant_id"]
        else:
            token["tenant_id"] = claimed  # signed anew with the server's key: only the claim is wrong
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get(reverse("api-auth-me")).status_code == 401, claimed


def test_a_refresh_token_is_spent_inside_its_company(admin_a):
    refresh = TenantRefreshToken.for_user(admin_a)
    response = APIClient().post(reverse("api-auth-refresh"), {"refresh": str(refresh)}, format="json")
    assert response.status_code == 200
    assert TenantRefreshToken(response.json()["refresh"])["tenant_id"] == str(admin_a.tenant_id)
