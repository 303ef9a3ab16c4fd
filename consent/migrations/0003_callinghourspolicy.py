"""A company's calling hours (CallingHoursPolicy), behind the tenant walls like every consent table."""

import uuid

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

import aihm.tenancy
import consent.models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_users_behind_rls"),
        ("consent", "0002_tenant_foreign_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CallingHoursPolicy",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("days", models.JSONField(default=consent.models.default_calling_days, verbose_name="calling days")),
                ("start", models.TimeField(default=consent.models.default_calling_start, verbose_name="calls from")),
                ("end", models.TimeField(default=consent.models.default_calling_end, verbose_name="calls until")),
                ("second_start", models.TimeField(blank=True, null=True, verbose_name="after the break, calls from")),
                ("second_end", models.TimeField(blank=True, null=True, verbose_name="after the break, calls until")),
                ("skip_public_holidays", models.BooleanField(default=True, verbose_name="no calls on public holidays")),
                ("french_decree_for_french_numbers", models.BooleanField(default=True, verbose_name="French numbers follow the French decree's hours")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("tenant", models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.tenant")),
                ("updated_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "calling hours policy",
                "verbose_name_plural": "calling hours policies",
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="consent_calling_hours_one_per_tenant"),
                    models.CheckConstraint(condition=models.Q(("start__lt", models.F("end"))), name="consent_calling_hours_window"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("second_end__isnull", True), ("second_start__isnull", True)),
                            models.Q(("second_end__gt", models.F("second_start")), ("second_start__gte", models.F("end"))),
                            _connector="OR",
                        ),
                        name="consent_calling_hours_second_window",
                    ),
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("unscoped", django.db.models.manager.Manager()),
            ],
        ),
        aihm.tenancy.EnableRowLevelSecurity("callinghourspolicy"),
        aihm.tenancy.TenantForeignKeys("callinghourspolicy"),
    ]
