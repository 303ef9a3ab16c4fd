"""Each decision a person recorded on a candidate (CandidateDecision, with its comment), behind the tenant walls."""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

import aihm.tenancy


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('recruiting', '0004_position_languages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CandidateDecision',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('decision', models.CharField(choices=[('shortlisted', 'Shortlisted'), ('rejected', 'Rejected'), ('hired', 'Hired'), ('on_hold', 'On hold')], max_length=20, verbose_name='decision')),
                ('comment', models.TextField(blank=True, max_length=2000, verbose_name='comment')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='when')),
                ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='recruiting.candidate')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'verbose_name': 'decision',
                'verbose_name_plural': 'decisions',
                'ordering': ['candidate', '-id'],
                'indexes': [models.Index(fields=['tenant', 'candidate', '-id'], name='recruiting_decision_history')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        aihm.tenancy.EnableRowLevelSecurity("candidatedecision"),
        aihm.tenancy.TenantForeignKeys("candidatedecision"),
    ]
