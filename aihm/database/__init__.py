"""The `aihm.database` backend: Django's PostgreSQL backend with the tenant key (aihm.tenancy)."""
