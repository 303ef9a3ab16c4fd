"""Every foreign key of a recruiting table to a table keyed by tenant (positions, users) also
matches the tenant: row-level security does not stop a row from naming another tenant's row."""

from django.conf import settings
from django.db import migrations

import aihm.tenancy


class Migration(migrations.Migration):
    dependencies = [
        ("recruiting", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        aihm.tenancy.TenantForeignKeys("position"),
        aihm.tenancy.TenantForeignKeys("question"),
        aihm.tenancy.TenantForeignKeys("scriptversion"),
        aihm.tenancy.TenantForeignKeys("candidate"),
    ]
