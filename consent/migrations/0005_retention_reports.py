"""Retention of transcripts, analyses and report PDFs (reports_months, 12 by default), and six
months (183 days) as the default for recordings. Companies that saved a policy keep their periods."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('consent', '0004_callback_codes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='retentionpolicy',
            name='reports_months',
            field=models.PositiveSmallIntegerField(default=12, verbose_name='keep transcripts, analyses and reports (months)'),
        ),
        migrations.AlterField(
            model_name='retentionpolicy',
            name='recordings_days',
            field=models.PositiveSmallIntegerField(default=183, verbose_name='keep call recordings (days)'),
        ),
        migrations.AddConstraint(
            model_name='retentionpolicy',
            constraint=models.CheckConstraint(condition=models.Q(('reports_months__gte', 1), ('reports_months__lte', 120)), name='consent_retention_reports_1_120'),
        ),
    ]
