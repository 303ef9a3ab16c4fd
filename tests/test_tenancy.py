"""The three tenant walls, proven against PostgreSQL as the runtime role."""

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from accounts.models import AuditLog, Tenant, User
from aihm.tenancy import TenantManager, TenantNotSet, bypassing_rls, tenant_context
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants_with_rows(tenant_a, tenant_b):
    for tenant, count in ((tenant_a, 3), (tenant_b, 2)):
        with tenant_context(tenant.pk):
            for _ in range(count):
                factories.AuditLogFactory()
    return tenant_a, tenant_b


def tenant_models():
    """Every table with a tenant key, the accounts table included: all are behind RLS."""
    return [m for m in apps.get_models() if any(f.name == "tenant" for f in m._meta.fields)]


def test_scoped_queries_see_only_the_active_tenant(two_tenants_with_rows):
    tenant_a, tenant_b = two_tenants_with_rows
    with tenant_context(tenant_a.pk):
        assert AuditLog.objects.count() == 3
        assert {str(t) for t in AuditLog.objects.values_list("tenant_id", flat=True)} == {str(tenant_a.pk)}
        assert not AuditLog.objects.filter(tenant=tenant_b).exists()
    with tenant_context(tenant_b.pk):
        assert AuditLog.objects.count() == 2


@pytest.mark.parametrize("query", [
    lambda: list(AuditLog.objects.all()),
    lambda: AuditLog.objects.count(),
    lambda: AuditLog.objects.exists(),
    lambda: AuditLog.objects.first(),
    lambda: AuditLog.objects.get(action="x"),
    lambda: AuditLog.objects.filter(action="x").update(action="y"),
    lambda: AuditLog.objects.create(action="x"),
    lambda: len(AuditLog.objects.filter(action="x")),
])
def test_a_scoped_query_with_no_tenant_raises(two_tenants_with_rows, query):
    with pytest.raises(TenantNotSet):
        query()


def test_a_scoped_subquery_with_no_tenant_matches_nothing(two_tenants_with_rows):
    assert list(Tenant.objects.filter(pk__in=AuditLog.objects.values("tenant_id"))) == []


def test_saving_without_a_tenant_or_into_another_tenant_is_refused(tenant_a, tenant_b):
    with pytest.raises(TenantNotSet):
        factories.TenantFactory  # noqa: B018  (tenants are not tenant-owned)
        from aihm.tenancy import fill_tenant

        fill_tenant(AuditLog(action="x"))
    with tenant_context(tenant_a.pk):
        from aihm.tenancy import fill_tenant

        with pytest.raises(TenantNotSet):
            fill_tenant(AuditLog(action="x", tenant_id=tenant_b.pk))


def test_switching_tenant_inside_a_context_is_refused(tenant_a, tenant_b):
    with tenant_context(tenant_a.pk):
        with tenant_context(tenant_a.pk):
            pass
        with pytest.raises(TenantNotSet):
            with tenant_context(tenant_b.pk):
                pass


def test_none_is_not_a_tenant():
    with pytest.raises(TenantNotSet):
        with tenant_context(None):
            pass


def test_every_tenant_model_has_the_scoped_manager_as_default():
    """Accounts keep Django's user manager: the auth machinery (sign-in, the admin's forms, the
    email constraint's validation) reads through the default manager before a tenant is known.
    Row-level security and the explicit filters of accounts.selectors are their walls."""
    models = tenant_models()
    assert AuditLog in models and User in models
    for model in models:
        if model is not User:
            assert isinstance(model._default_manager, TenantManager), model._meta.label


@pytest.mark.postgres
class TestRowLevelSecurity:
    def raw_count(self, table, where=""):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{table}" {where}')
            return cursor.fetchone()[0]

    def test_runtime_role_is_neither_superuser_nor_bypassrls(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone() == (False, False)

    def test_every_tenant_table_has_rls_enabled_and_forced(self):
        tables = [m._meta.db_table for m in tenant_models()]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)", [tables]
            )
            found = {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}
        assert set(found) == set(tables)
        assert all(flags == (True, True) for flags in found.values()), found

    def test_raw_select_in_a_tenant_context_returns_only_its_rows(self, two_tenants_with_rows):
        tenant_a, tenant_b = two_tenants_with_rows
        with tenant_context(tenant_a.pk):
            assert self.raw_count("accounts_auditlog") == 3
            assert self.raw_count("accounts_auditlog", f"WHERE tenant_id = '{tenant_b.pk}'") == 0

    def test_raw_select_with_no_tenant_returns_nothing(self, two_tenants_with_rows):
        for model in tenant_models():
            assert self.raw_count(model._meta.db_table) == 0

    def test_raw_insert_into_another_tenant_is_rejected(self, two_tenants_with_rows):
        tenant_a, tenant_b = two_tenants_with_rows
        with tenant_context(tenant_a.pk):
            with pytest.raises(ProgrammingError, match="row-level security"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO accounts_auditlog (id, tenant_id, action, target_type, target_id, details, created_at)"
                        " VALUES (gen_random_uuid(), %s, 'forged', '', '', '{}', now())",
                        [str(tenant_b.pk)],
                    )

    def test_the_runtime_role_cannot_rewrite_or_delete_the_audit_log(self, two_tenants_with_rows):
        tenant_a, _ = two_tenants_with_rows
        with tenant_context(tenant_a.pk):
            for statement in ("UPDATE accounts_auditlog SET action = 'x'", "DELETE FROM accounts_auditlog"):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute(statement)

    @pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
    def test_the_privileged_alias_sees_every_tenant(self, two_tenants_with_rows):
        assert bypassing_rls(AuditLog).count() == 5
