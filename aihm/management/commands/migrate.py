"""`migrate` runs as the owner role: the runtime role cannot create tables, by design."""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS

from aihm.tenancy import PRIVILEGED_DB, runtime_role_name


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        if options["database"] == DEFAULT_DB_ALIAS and runtime_role_name():
            options["database"] = PRIVILEGED_DB
        return super().handle(*args, **options)
