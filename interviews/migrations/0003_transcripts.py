"""One transcript per answer (Transcript), behind the tenant walls."""

import aihm.tenancy
import django.db.models.deletion
import django.db.models.manager
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('interviews', '0002_inbound_and_heads_up'),
    ]

    operations = [
        migrations.CreateModel(
            name='Transcript',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('state', models.CharField(choices=[('pending', 'pending'), ('done', 'done'), ('failed', 'failed')], default='pending', max_length=12, verbose_name='state')),
                ('text', models.TextField(blank=True, verbose_name='transcript')),
                ('segments', models.JSONField(blank=True, default=list)),
                ('language', models.CharField(blank=True, max_length=8, verbose_name='language')),
                ('language_probability', models.FloatField(blank=True, null=True)),
                ('avg_logprob', models.FloatField(blank=True, null=True)),
                ('no_speech_prob', models.FloatField(blank=True, null=True)),
                ('speech_seconds', models.FloatField(blank=True, null=True, verbose_name='speech (s)')),
                ('model', models.CharField(blank=True, max_length=100, verbose_name='model')),
                ('settings', models.JSONField(blank=True, default=dict)),
                ('quality', models.CharField(blank=True, choices=[('good', 'good'), ('poor', 'poor'), ('empty', 'empty')], max_length=8, verbose_name='quality')),
                ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('answer', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='transcript', to='interviews.answer')),
                ('interview', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transcripts', to='interviews.interview')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'verbose_name': 'transcript',
                'verbose_name_plural': 'transcripts',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        aihm.tenancy.EnableRowLevelSecurity("transcript"),
        aihm.tenancy.TenantForeignKeys("transcript"),
    ]
