"""The tenant walls: a context variable, a scoped default manager, PostgreSQL row-level security.

Everything tenant-related goes through this module; other apps only use it.
- `tenant_context(tenant_id)` activates a tenant for the current thread of work. The RLS key
  `app.tenant_id` follows it on the runtime connection: `tenant_key_wrapper` (installed by the
  `aihm.database` backend) puts `set_config` in front of the first statement that runs with a key
  the connection does not hold yet, in the same round trip, so entering and leaving a tenant costs
  no query of its own, and a reused connection never runs a statement under an earlier key.
- `TenantOwned` is the base of every tenant-owned model: its default manager filters by the
  active tenant and refuses to run when none is active.
- `EnableRowLevelSecurity` is the migration operation that puts the third wall on a table.
- `bypassing_rls(model)` is the one, loudly named, way to read across tenants (staff, sweepers).
"""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.migrations.operations.base import Operation

_active_tenant_id = ContextVar("aihm_tenant_id", default=None)

PRIVILEGED_DB = "privileged"
DB_SETTING = "app.tenant_id"
TENANT_KEY_ATTR = "aihm_tenant_key"  # on a DatabaseWrapper: the key its session holds
UNKNOWN_KEY = object()  # a new statement must set it (rolled back, failed, or not yet read)


class TenantNotSet(RuntimeError):
    """A tenant-scoped query ran with no tenant active, or a context was misused."""


def current_tenant_id():
    """The active tenant's id, or None."""
    return _active_tenant_id.get()


def _set_key_sql(key):
    """`key` is a canonical UUID (tenant_context checked it) or '': safe as a literal."""
    return f"SELECT set_config('{DB_SETTING}', '{key}', false)"


def tenant_key_wrapper(execute, sql, params, many, context):
    """Execute wrapper of the runtime connection: the statement runs under the active tenant's key.

    When the connection holds another key (or one a rollback may have undone), `set_config` goes
    first in the same query string; PostgreSQL runs both in one round trip and, outside a
    transaction, as one implicit transaction, so a failing statement leaves the key unknown, never
    wrong. A batch (`executemany`), a server-side cursor or a composed query sets it on its own.
    """
    connection = context["connection"]
    wanted = _active_tenant_id.get() or ""
    if getattr(connection, TENANT_KEY_ATTR, UNKNOWN_KEY) == wanted:
        return execute(sql, params, many, context)
    setattr(connection, TENANT_KEY_ATTR, UNKNOWN_KEY)
    raw_cursor = context["cursor"].cursor
    if many or not isinstance(sql, str) or getattr(raw_cursor, "name", None):
        connection.connection.execute(_set_key_sql(wanted))
        result = execute(sql, params, many, context)
    else:
        result = execute(f"{_set_key_sql(wanted)}; {sql}", params, many, context)
        raw_cursor.nextset()
    setattr(connection, TENANT_KEY_ATTR, wanted)
    return result


def forget_tenant_key(connection, key=UNKNOWN_KEY):
    """The backend's hook: a new session holds no key (''); after a rollback it is unknown."""
    setattr(connection, TENANT_KEY_ATTR, key)


def canonical_tenant_id(value):
    """A tenant id in the one form the context and the RLS key hold it in, or None when `value`
    is not one (a tenant id is a UUID)."""
    if value is None or value == "":
        return None
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        return None


@contextmanager
def tenant_context(tenant_id):
    """Activate a tenant; nesting the same tenant is allowed, switching to another is a bug."""
    if tenant_id is None or tenant_id == "":
        raise TenantNotSet("None is not a tenant")
    canonical = canonical_tenant_id(tenant_id)
    if canonical is None:
        raise TenantNotSet(f"{tenant_id!r} is not a tenant id")
    tenant_id = canonical
    outer = _active_tenant_id.get()
    if outer not in (None, tenant_id):
        raise TenantNotSet("switching tenants inside a tenant context is a bug")
    token = _active_tenant_id.set(tenant_id)
    try:
        yield
    finally:
        _active_tenant_id.reset(token)


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


def privileged_write_alias():
    """Where writes that must bypass row-level security go: the privileged role under PostgreSQL.
    SQLite has no row-level security and one file, whose write lock a transaction on the default
    connection may already hold, so writes stay there."""
    return PRIVILEGED_DB if connections[PRIVILEGED_DB].vendor == "postgresql" else DEFAULT_DB_ALIAS


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


class _DatabaseOnlyOperation(Operation):
    """A migration operation that changes the PostgreSQL schema only, never Django's model state."""

    reduces_to_sql = True
    reversible = True

    def state_forwards(self, app_label, state):
        pass


class EnableRowLevelSecurity(_DatabaseOnlyOperation):
    """Migration operation: ENABLE + FORCE row-level security on a model's table (PostgreSQL only).

    `allow_platform_rows` lets rows without a tenant be written (never read) by the runtime role,
    for platform-level records such as a failed login with an unknown email.
    """

    def __init__(self, model_name, allow_platform_rows=False):
        self.model_name = model_name
        self.allow_platform_rows = allow_platform_rows

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.allow_platform_rows:
            kwargs["allow_platform_rows"] = True
        return self.__class__.__qualname__, [], kwargs

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
    if runtime["ENGINE"] not in settings.POSTGRESQL_ENGINES:
        return None
    if runtime.get("USER") and runtime.get("USER") != privileged.get("USER"):
        return runtime["USER"]
    return None


# --- Foreign keys that stay inside their tenant -------------------------------------------------


def _tenant_column(model):
    """The column of the model's key to its tenant, or None for a table not keyed by tenant."""
    for field in model._meta.concrete_fields:
        if field.name == "tenant" and field.many_to_one and field.related_model._meta.label_lower == "accounts.tenant":
            return field.column
    return None


def _tenant_foreign_keys(model):
    """The model's foreign keys (one-to-one included) to tables keyed by tenant, users included."""
    return [
        field for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.name != "tenant" and field.db_constraint
        and field.target_field.primary_key and _tenant_column(field.related_model) is not None
    ]


class TenantForeignKeys(_DatabaseOnlyOperation):
    """Migration operation: the model's foreign keys to tables keyed by tenant also match the
    tenant, so no row points into another tenant, not even in raw SQL (PostgreSQL only).

    PostgreSQL checks a foreign key without row-level security, so a plain `position_id` may name
    another tenant's position. Each such key gets a composite twin `(tenant_id, position_id)
    REFERENCES (tenant_id, id)`, deferred like Django's and with no ON DELETE (Django applies
    on_delete); its target gets the unique `(tenant_id, id)` it needs, shared by every key to it.
    Users are targets too: every path that stores one in a tenant row (`owner`, `created_by`...)
    stores the member acting in that tenant, never platform staff (tenant NULL), so moving a user
    that rows still name to another company, or to staff, is refused at commit. `fields` limits
    the operation to the keys a later migration adds.
    """

    def __init__(self, model_name, fields=None):
        self.model_name = model_name
        self.fields = list(fields) if fields is not None else None

    def deconstruct(self):
        kwargs = {"model_name": self.model_name}
        if self.fields is not None:
            kwargs["fields"] = self.fields
        return self.__class__.__qualname__, [], kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        keys = self._foreign_keys(model)
        for target in _targets(keys):
            schema_editor.execute(_add_tenant_key_sql(schema_editor, target))
        for field in keys:
            schema_editor.execute(_add_tenant_foreign_key_sql(schema_editor, model, field))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        keys = self._foreign_keys(model)
        table = schema_editor.quote_name(model._meta.db_table)
        for field in keys:
            name = schema_editor.quote_name(_tenant_foreign_key_name(schema_editor, model, field))
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
        for target in _targets(keys):
            schema_editor.execute(_drop_unused_tenant_key_sql(schema_editor, target))

    def describe(self):
        return f"Keep the foreign keys of {self.model_name} inside its tenant"

    def _foreign_keys(self, model):
        if _tenant_column(model) is None:
            raise ValueError(f"{model._meta.label} has no tenant for its foreign keys to carry")
        keys = _tenant_foreign_keys(model)
        if self.fields is None:
            return keys
        unknown = set(self.fields) - {field.name for field in keys}
        if unknown:
            raise ValueError(f"{model._meta.label}: {sorted(unknown)} are not foreign keys to a table keyed by tenant")
        return [field for field in keys if field.name in self.fields]


def _targets(keys):
    return list({field.related_model._meta.db_table: field.related_model for field in keys}.values())


def _constraint_name(schema_editor, name):
    from django.db.backends.utils import truncate_name

    return truncate_name(name, schema_editor.connection.ops.max_name_length())


def _tenant_key_name(schema_editor, target):
    return _constraint_name(schema_editor, f"{target._meta.db_table}_tenant_id_id_key")


def _tenant_foreign_key_name(schema_editor, model, field):
    return _constraint_name(schema_editor, f"{model._meta.db_table}_{field.column}_tenant_fk")


def _add_tenant_key_sql(schema_editor, target):
    """The target's unique `(tenant_id, id)`, unless a key to it from another table made it."""
    quote, table, name = schema_editor.quote_name, target._meta.db_table, _tenant_key_name(schema_editor, target)
    columns = f"{quote(_tenant_column(target))}, {quote(target._meta.pk.column)}"
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = '{quote(table)}'::regclass"
        f" AND conname = '{name}') THEN ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} UNIQUE ({columns});"
        " END IF; END $$"
    )


def _drop_unused_tenant_key_sql(schema_editor, target):
    """The target's unique `(tenant_id, id)` goes once no foreign key relies on it."""
    quote, table, name = schema_editor.quote_name, target._meta.db_table, _tenant_key_name(schema_editor, target)
    return (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_constraint fk JOIN pg_constraint tenant_key"
        " ON fk.conindid = tenant_key.conindid AND fk.contype = 'f'"
        f" WHERE tenant_key.conrelid = '{quote(table)}'::regclass AND tenant_key.conname = '{name}')"
        f" THEN ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(name)}; END IF; END $$"
    )


def _add_tenant_foreign_key_sql(schema_editor, model, field):
    quote, target = schema_editor.quote_name, field.related_model
    name = _tenant_foreign_key_name(schema_editor, model, field)
    return (
        f"ALTER TABLE {quote(model._meta.db_table)} ADD CONSTRAINT {quote(name)}"
        f" FOREIGN KEY ({quote(_tenant_column(model))}, {quote(field.column)})"
        f" REFERENCES {quote(target._meta.db_table)} ({quote(_tenant_column(target))}, {quote(target._meta.pk.column)})"
        " DEFERRABLE INITIALLY DEFERRED"
    )
