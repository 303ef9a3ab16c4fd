"""The two SQL pieces the figures need and Django lacks: a median that PostgreSQL computes with
`percentile_cont`, and the seconds between two moments. SQLite (the embedded default) has
neither: it gets a median aggregate registered on each of its connections, so the figures stay
one query on both databases."""

import statistics

from django.db.models import Aggregate, FloatField, Func

SQLITE_MEDIAN = "AIHM_MEDIAN"
_REGISTERED = "_aihm_median_registered"


class _MedianOfValues:
    """SQLite's aggregate protocol: `step` per row, `finalize` once; NULLs are left out, as SQL does."""

    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def register_sqlite_functions(sender=None, connection=None, **kwargs):
    """`connection_created` receiver: the median aggregate on every new SQLite connection."""
    if connection is not None and connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _MedianOfValues)
        setattr(connection, _REGISTERED, connection.connection)


class Median(Aggregate):
    """The median of the values (the mean of the two middle ones for an even count), NULLs left out."""

    name = "Median"
    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        if connection.connection is not None and getattr(connection, _REGISTERED, None) is not connection.connection:
            register_sqlite_functions(connection=connection)  # a connection opened before the app was ready
        return super().as_sql(compiler, connection, function=SQLITE_MEDIAN, template="%(function)s(%(expressions)s)",
                              **extra_context)


class SecondsBetween(Func):
    """`end - start` in seconds, as a float; NULL when either is NULL."""

    output_field = FloatField()

    def __init__(self, start, end, **extra):
        super().__init__(start, end, **extra)

    def _compiled(self, compiler):
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return start, end, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):
        start, end, params = self._compiled(compiler)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))::double precision", params

    def as_sqlite(self, compiler, connection, **extra_context):
        start, end, params = self._compiled(compiler)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params
