"""The tenant walls: a context variable, a scoped default manager, PostgreSQL row-level security.

Everything tenant-related goes through this module; other apps only use it.
- `tenant_context(tenant_id)` activates a tenant for the current thread of work and sets
  `app.tenant_id` on the database connection, which the RLS policies read.
- `TenantOwned` is the base of every tenant-owned model: its default manager filters by the
  active tenant and refuses to run when none is active.
- `EnableRowLevelSecurity` is the migration operation that puts the third wall on a table.
- `bypassing_rls(model)` is the one, loudly named, way to read across tenants (staff, sweepers).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections, models
from django.db.backends.signals import connection_created
from django.db.migrations.operations.base import Operation
from django.dispatch import receiver

_active_tenant_id = ContextVar("aihm_tenant_id", default=None)

PRIVILEGED_DB = "privileged"
DB_SETTING = "app.tenant_id"


class TenantNotSet(RuntimeError):
    """A tenant-scoped query ran with no tenant active, or a context was misused."""


def current_tenant_id():
    """The active tenant's id, or None."""
    return _active_tenant_id.get()


def _apply_db_tenant(connection, value):
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [DB_SETTING, value])


def _set_db_tenant(value):
    """Set the RLS key on the runtime connection; a connection that cannot take it is closed."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    connection.ensure_connection()
    try:
        _apply_db_tenant(connection, value)
    except DatabaseError:
        # An aborted transaction cannot run set_config; a closed connection forgets the setting.
        if not connection.in_atomic_block:
            connection.close()
        raise


@receiver(connection_created)
def _carry_tenant_to_new_connection(sender, connection, **kwargs):
    """A connection opened inside a tenant context starts with that tenant's RLS key."""
    if connection.alias == "default" and connection.vendor == "postgresql":
        tenant_id = _active_tenant_id.get()
        with connection.connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, %s, false)",
                [DB_SETTING, "" if tenant_id is None else str(tenant_id)],
            )


@contextmanager
def tenant_context(tenant_id):
    """Activate a tenant; nesting the same tenant is allowed, switching to another is a bug."""
    if tenant_id is None or tenant_id == "":
        raise TenantNotSet("None is not a tenant")
    tenant_id = str(tenant_id)
    outer = _active_tenant_id.get()
    if outer not in (None, tenant_id):
        raise TenantNotSet("switching tenants inside a tenant context is a bug")
    token = _active_tenant_id.set(tenant_id)
    try:
        if outer is None:
            _set_db_tenant(tenant_id)
        yield
    finally:
        _active_tenant_id.reset(token)
        if outer is None:
            _set_db_tenant("")


class _RefusingQuerySet(models.QuerySet):
    """What a scoped manager hands out with no tenant: it refuses to run, and matches nothing
    when slipped into a subquery."""

    def _fetch_all(self):
        raise TenantNotSet(f"{self.model.__name__}: no tenant is active")

    def _refuse(self, *args, **kwargs):
        raise TenantNotSet(f"{self.model.__name__}: no tenant is active")

    count = exists = aggregate = update = delete = iterator = _refuse
    get = create = get_or_create = update_or_create = bulk_create = bulk_update = _refuse
    first = last = earliest = latest = in_bulk = contains = explain = _refuse


class TenantManager(models.Manager):
    """Default manager of tenant-owned models: rows of the active tenant, or a refusal."""

    def get_queryset(self):
        tenant_id = _active_tenant_id.get()
        if tenant_id is None:
            return _RefusingQuerySet(self.model, using=self._db).filter(pk__in=[])
        return super().get_queryset().filter(tenant_id=tenant_id)


class TenantOwned(models.Model):
    """Base of every tenant-owned model: tenant key, scoped manager, tenant filled from context.

    `unscoped` skips the second wall only; under PostgreSQL the third (RLS) still holds unless
    the query goes through `bypassing_rls()`.
    """

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", editable=False)

    objects = TenantManager()
    unscoped = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "unscoped"

    def save(self, *args, **kwargs):
        fill_tenant(self)
        super().save(*args, **kwargs)


def fill_tenant(instance):
    """Take the tenant from the context; refuse a mismatch or a missing context."""
    tenant_id = _active_tenant_id.get()
    if tenant_id is None:
        raise TenantNotSet(f"{type(instance).__name__}: saving needs an active tenant")
    if instance.tenant_id is None:
        instance.tenant_id = tenant_id
    elif str(instance.tenant_id) != tenant_id:
        raise TenantNotSet(f"{type(instance).__name__}: belongs to another tenant")


def bypassing_rls(model):
    """Rows of every tenant, through the privileged connection (BYPASSRLS).

    For platform staff and for sweepers that find due work across tenants; every call site is
    a cross-tenant access and must be rare and audited where a person triggers it.
    """
    return model.unscoped.using(PRIVILEGED_DB)


def rls_policy_sql(table, allow_platform_rows=False):
    """SQL that puts a table behind row-level security keyed by `app.tenant_id`."""
    key = f"NULLIF(current_setting('{DB_SETTING}', true), '')::uuid"
    check = f"tenant_id = {key}"
    if allow_platform_rows:
        check = f"tenant_id IS NULL OR {check}"
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"',
        f'CREATE POLICY tenant_isolation ON "{table}" USING (tenant_id = {key}) WITH CHECK ({check})',
    ]


class EnableRowLevelSecurity(Operation):
    """Migration operation: ENABLE + FORCE row-level security on a model's table (PostgreSQL only).

    `allow_platform_rows` lets rows without a tenant be written (never read) by the runtime role,
    for platform-level records such as a failed login with an unknown email.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name, allow_platform_rows=False):
        self.model_name = model_name
        self.allow_platform_rows = allow_platform_rows

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.allow_platform_rows:
            kwargs["allow_platform_rows"] = True
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        for statement in rls_policy_sql(table, self.allow_platform_rows):
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = from_state.apps.get_model(app_label, self.model_name)._meta.db_table
        schema_editor.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
        schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')

    def describe(self):
        return f"Enable row-level security on {self.model_name}"


def runtime_role_grants_sql(runtime_role, append_only_tables=()):
    """Privileges of the runtime role on what the owner created; append-only tables lose
    UPDATE and DELETE."""
    role = runtime_role.replace('"', '""')
    statements = [
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
    ]
    for table in append_only_tables:
        statements.append(f'REVOKE UPDATE, DELETE ON "{table}" FROM "{role}"')
    return statements


def runtime_role_name():
    """The role the application runs as, when it differs from the migrating owner."""
    runtime = settings.DATABASES["default"]
    privileged = settings.DATABASES.get(PRIVILEGED_DB, runtime)
    if runtime["ENGINE"] != "django.db.backends.postgresql":
        return None
    if runtime.get("USER") and runtime.get("USER") != privileged.get("USER"):
        return runtime["USER"]
    return None
