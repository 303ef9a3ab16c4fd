"""Every foreign key of a consent table to a table keyed by tenant (candidates, requests, users)
also matches the tenant: row-level security does not stop a row from naming another tenant's row."""

from django.conf import settings
from django.db import migrations

import aihm.tenancy


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        aihm.tenancy.TenantForeignKeys("consentrequest"),
        aihm.tenancy.TenantForeignKeys("consentlink"),
        aihm.tenancy.TenantForeignKeys("consentrecord"),
        aihm.tenancy.TenantForeignKeys("calltimepreference"),
        aihm.tenancy.TenantForeignKeys("retentionpolicy"),
    ]
