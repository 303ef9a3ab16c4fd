"""What several migrations share. A migration imports only what stays stable here, since its
history must keep running as written."""


def postgresql_only_indexes(model_name, indexes):
    """(forwards, backwards) for RunPython: `indexes` made on PostgreSQL only and kept out of the
    model state (SQLite refuses `DESC NULLS LAST` in an index, and needs none: it sorts NULLs last
    when descending)."""

    def add(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for index in indexes:
                schema_editor.add_index(apps.get_model(*model_name.split(".")), index)

    def remove(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for index in indexes:
                schema_editor.remove_index(apps.get_model(*model_name.split(".")), index)

    return add, remove
