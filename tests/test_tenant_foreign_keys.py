"""Foreign keys between tenant tables carry the tenant: row-level security hides another tenant's
rows but PostgreSQL checks references without it, so only a composite key `(tenant_id, x_id)
REFERENCES target (tenant_id, id)` stops a row from naming another tenant's row in raw SQL."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.migrations.loader import MigrationLoader

from aihm.tenancy import PRIVILEGED_DB, TenantForeignKeys, TenantOwned, tenant_context
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def is_tenant_keyed(model):
    """Tenant-owned rows, and users: a tenant row names only a member of its own tenant."""
    return issubclass(model, TenantOwned) or model is get_user_model()


def expected_tenant_foreign_keys():
    """(table, column, target table) for every foreign key from a tenant-owned table to a table
    keyed by tenant, derived from the models so that a new model or field is covered."""
    return {
        (model._meta.db_table, field.column, field.related_model._meta.db_table)
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and model._meta.managed and not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.name != "tenant" and field.db_constraint
        and is_tenant_keyed(field.related_model)
    }


CONSTRAINTS_SQL = """
SELECT c.contype, c.conrelid::regclass::text, c.confrelid::regclass::text,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i),
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.i),
       c.condeferrable, c.condeferred, c.confdeltype
FROM pg_constraint c
WHERE c.contype IN ('f', 'u') AND c.connamespace = current_schema()::regnamespace
"""


def constraints(using):
    with connections[using].cursor() as cursor:
        cursor.execute(CONSTRAINTS_SQL)
        return cursor.fetchall()


def composite_tenant_foreign_keys(using="default"):
    """{(table, column, target table): (deferrable, deferred, on delete)} of the composite keys."""
    return {
        (table, columns[1], target): (deferrable, deferred, on_delete)
        for kind, table, target, columns, target_columns, deferrable, deferred, on_delete in constraints(using)
        if kind == "f" and len(columns) == 2 and columns[0] == "tenant_id" and target_columns == ["tenant_id", "id"]
    }


def tenant_keys(using="default"):
    """Tables with the unique `(tenant_id, id)` that composite keys point at."""
    return {table for kind, table, _, columns, *_ in constraints(using) if kind == "u" and columns == ["tenant_id", "id"]}


def test_the_derivation_sees_the_known_foreign_keys():
    expected = expected_tenant_foreign_keys()
    assert {
        ("recruiting_candidate", "position_id", "recruiting_position"),
        ("recruiting_candidate", "created_by_id", "accounts_user"),
        ("consent_calltimepreference", "candidate_id", "recruiting_candidate"),
        ("consent_consentrecord", "request_id", "consent_consentrequest"),
    } <= expected
    assert not any(column == "tenant_id" for _, column, _ in expected)


def test_every_foreign_key_between_tenant_tables_carries_the_tenant():
    found = composite_tenant_foreign_keys()
    missing = sorted(expected_tenant_foreign_keys() - set(found))
    assert missing == [], f"add aihm.tenancy.TenantForeignKeys to the migration of: {missing}"
    # Deferred like Django's own keys, and no ON DELETE action: Django applies on_delete itself.
    assert {key: flags for key, flags in found.items() if flags != (True, True, "a")} == {}


def raw_write(sql, params):
    """One raw statement as the runtime role, its keys checked now rather than at commit."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


@pytest.fixture
def acme_and_globex_rows(tenant_a, tenant_b, admin_a, admin_b):
    with tenant_context(tenant_a.pk):
        acme = factories.CandidateFactory(position=factories.PositionFactory(owner=admin_a))
    with tenant_context(tenant_b.pk):
        globex = factories.CandidateFactory(position=factories.PositionFactory(owner=admin_b))
    return acme, globex


@pytest.mark.parametrize(("statement", "constraint"), [
    ("UPDATE recruiting_candidate SET position_id = %(acme_position)s WHERE id = %(globex_candidate)s",
     "recruiting_candidate_position_id_tenant_fk"),
    ("INSERT INTO consent_calltimepreference (id, tenant_id, candidate_id, windows, updated_at)"
     " VALUES (gen_random_uuid(), %(globex)s, %(acme_candidate)s, '[]', now())",
     "consent_calltimepreference_candidate_id_tenant_fk"),
    ("UPDATE recruiting_position SET owner_id = %(acme_admin)s WHERE id = %(globex_position)s",
     "recruiting_position_owner_id_tenant_fk"),
])
def test_a_raw_write_cannot_point_into_another_tenant(acme_and_globex_rows, admin_a, statement, constraint):
    acme, globex = acme_and_globex_rows
    params = {
        "globex": globex.tenant_id, "globex_candidate": globex.pk, "globex_position": globex.position_id,
        "acme_candidate": acme.pk, "acme_position": acme.position_id, "acme_admin": admin_a.pk,
    }
    with tenant_context(globex.tenant_id):
        with pytest.raises(IntegrityError, match=constraint):
            raw_write(statement, params)


def test_a_raw_write_inside_the_tenant_still_works(acme_and_globex_rows, admin_b):
    _, globex = acme_and_globex_rows
    with tenant_context(globex.tenant_id):
        other_position = factories.PositionFactory()
        raw_write("UPDATE recruiting_candidate SET position_id = %s WHERE id = %s", [other_position.pk, globex.pk])
        raw_write("UPDATE recruiting_position SET owner_id = %s WHERE id = %s", [admin_b.pk, other_position.pk])
        raw_write("UPDATE recruiting_candidate SET decided_by_id = NULL WHERE id = %s", [globex.pk])
        globex.refresh_from_db()
        assert globex.position_id == other_position.pk


@pytest.mark.django_db(transaction=True, databases=["default", PRIVILEGED_DB])
def test_naming_a_staff_account_in_a_tenant_row_is_refused_at_commit(tenant_b, staff_user):
    with tenant_context(tenant_b.pk):
        position = factories.PositionFactory()
        with pytest.raises(IntegrityError, match="recruiting_position_owner_id_tenant_fk"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE recruiting_position SET owner_id = %s WHERE id = %s", [staff_user.pk, position.pk])
        position.refresh_from_db()
        assert position.owner_id is None


def leaf_state_and_operations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    operations = [
        (app_label, operation)
        for (app_label, _), migration in sorted(loader.disk_migrations.items())
        for operation in migration.operations if isinstance(operation, TenantForeignKeys)
    ]
    return loader.project_state(), operations


def test_fields_limits_the_operation_to_the_keys_named():
    state, _ = leaf_state_and_operations()
    with connection.schema_editor(collect_sql=True) as editor:
        TenantForeignKeys("candidate", fields=["position"]).database_forwards("recruiting", editor, state, state)
    added = [sql for sql in editor.collected_sql if "FOREIGN KEY" in sql]
    assert len(added) == 1 and "recruiting_candidate_position_id_tenant_fk" in added[0]
    with pytest.raises(ValueError, match="full_name"):
        with connection.schema_editor(collect_sql=True) as editor:
            TenantForeignKeys("candidate", fields=["full_name"]).database_forwards("recruiting", editor, state, state)


# Only the owner's connection is used: its DDL locks the tables until the test's rollback.
@pytest.mark.django_db(databases=["default", PRIVILEGED_DB])
def test_the_operations_reverse_to_plain_keys_and_apply_again():
    state, operations = leaf_state_and_operations()
    applied = composite_tenant_foreign_keys(PRIVILEGED_DB)
    assert applied and tenant_keys(PRIVILEGED_DB)
    with connections[PRIVILEGED_DB].schema_editor() as editor:
        for app_label, operation in reversed(operations):
            operation.database_backwards(app_label, editor, state, state)
    assert composite_tenant_foreign_keys(PRIVILEGED_DB) == {} and tenant_keys(PRIVILEGED_DB) == set()
    with connections[PRIVILEGED_DB].schema_editor() as editor:
        for app_label, operation in operations:
            operation.database_forwards(app_label, editor, state, state)
    assert composite_tenant_foreign_keys(PRIVILEGED_DB) == applied
