"""Companies whose candidates consented before the default period for recordings went from 90
days to six months were told "90 days" by the notice: they get a saved policy with that period
(and the other defaults), so that no recording outlives what its candidate was told. A company
that saved its own policy, or has no consent yet, is left as it is."""

from django.db import migrations

ANNOUNCED_RECORDINGS_DAYS = 90


def keep_the_announced_period(apps, schema_editor):
    alias = schema_editor.connection.alias
    records = apps.get_model("consent", "ConsentRecord")._base_manager.using(alias)
    policies = apps.get_model("consent", "RetentionPolicy")._base_manager.using(alias)
    told = set(records.values_list("tenant_id", flat=True).distinct())
    told -= set(policies.values_list("tenant_id", flat=True))
    policies.bulk_create([
        policies.model(tenant_id=tenant_id, recordings_days=ANNOUNCED_RECORDINGS_DAYS) for tenant_id in sorted(told, key=str)
    ])


class Migration(migrations.Migration):

    dependencies = [("consent", "0005_retention_reports")]

    operations = [migrations.RunPython(keep_the_announced_period, migrations.RunPython.noop)]
