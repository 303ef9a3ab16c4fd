"""Interview analyses (InterviewAnalysis), one version per analysis, behind the tenant walls."""

import aihm.tenancy
import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('interviews', '0003_transcripts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='InterviewAnalysis',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('version', models.PositiveSmallIntegerField(verbose_name='version')),
                ('state', models.CharField(choices=[('pending', 'being analysed'), ('done', 'done'), ('failed', 'failed')], default='pending', max_length=12, verbose_name='state')),
                ('output', models.JSONField(blank=True, default=dict)),
                ('recommendation', models.CharField(blank=True, choices=[('advance', 'Advance'), ('hold', 'Hold'), ('do_not_advance', 'Do not advance'), ('insufficient_evidence', 'Insufficient evidence')], max_length=24, verbose_name='recommendation')),
                ('overall_score', models.FloatField(blank=True, null=True, verbose_name='interview score')),
                ('gate_reason', models.CharField(blank=True, max_length=300, verbose_name='why there is not enough to assess')),
                ('provider', models.CharField(blank=True, max_length=20, verbose_name='provider')),
                ('model', models.CharField(blank=True, max_length=100, verbose_name='model')),
                ('prompt_version', models.CharField(blank=True, max_length=40, verbose_name='prompt version')),
                ('script_version', models.PositiveIntegerField(blank=True, null=True, verbose_name='script version')),
                ('transcription', models.JSONField(blank=True, default=dict, verbose_name='transcription model and settings')),
                ('usage', models.JSONField(blank=True, default=dict)),
                ('dropped', models.PositiveSmallIntegerField(default=0, verbose_name='points dropped')),
                ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('queued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('pdf_files', models.JSONField(blank=True, default=dict)),
                ('interview', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='analyses', to='interviews.interview')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'verbose_name': 'interview analysis',
                'verbose_name_plural': 'interview analyses',
                'ordering': ['interview', '-version'],
                'indexes': [models.Index(fields=['tenant', 'interview', '-version'], name='interviews_analysis_latest')],
                'constraints': [models.UniqueConstraint(fields=('interview', 'version'), name='interviews_analysis_version_unique'), models.UniqueConstraint(condition=models.Q(('state', 'pending')), fields=('interview',), name='interviews_analysis_one_pending')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        aihm.tenancy.EnableRowLevelSecurity("interviewanalysis"),
        aihm.tenancy.TenantForeignKeys("interviewanalysis"),
    ]
