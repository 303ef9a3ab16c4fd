"""Django's PostgreSQL backend, with the RLS key of `aihm.tenancy` kept in step on every statement.

The runtime connection (`default`) carries `tenancy.tenant_key_wrapper`; the backend tells
tenancy what the session's key is where only the backend can know it: a new session holds none,
and a rollback (of a transaction or a savepoint) may undo a `set_config` run inside it.
tenancy is imported on first use: it defines models, and models need this backend loaded.
"""

from django.db import DEFAULT_DB_ALIAS
from django.db.backends.postgresql import base


def _tenancy():
    from aihm import tenancy

    return tenancy


def _tenant_key(execute, sql, params, many, context):
    return _tenancy().tenant_key_wrapper(execute, sql, params, many, context)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, alias=DEFAULT_DB_ALIAS):
        super().__init__(settings_dict, alias)
        if alias == DEFAULT_DB_ALIAS:
            self.execute_wrappers.append(_tenant_key)

    def ensure_connection(self):
        """A session the server ended (a restart, a failover, a terminated backend) is replaced
        before the next statement rather than failing it too; within a transaction it cannot be,
        and the transaction fails as it must. Reused connections make this matter: Django checks
        them between requests, not between the statements of a task or of one request's retries."""
        if self.connection is not None and self.connection.closed and not self.in_atomic_block:
            self.close()
        super().ensure_connection()

    def init_connection_state(self):
        super().init_connection_state()
        tenancy = _tenancy()
        # A session from psycopg's pool may have served another request: its key is unknown.
        pooled = bool(self.settings_dict["OPTIONS"].get("pool"))
        tenancy.forget_tenant_key(self, key=tenancy.UNKNOWN_KEY if pooled else "")

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            _tenancy().forget_tenant_key(self)

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            _tenancy().forget_tenant_key(self)

    def _close(self):
        try:
            return super()._close()
        finally:
            _tenancy().forget_tenant_key(self)
