"""The recruiters' dashboard inbox (Notification): reports ready, interviews failed or unreachable,
consent answers; behind the tenant walls."""

import django.db.models.deletion
import django.db.models.manager
import uuid
from django.conf import settings
from django.db import migrations, models

import aihm.tenancy


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('recruiting', '0005_decision_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('report_ready', 'Report ready'), ('interview_failed', 'Interview failed'), ('interview_unreachable', 'Candidate unreachable'), ('consent_granted', 'Consent received'), ('consent_declined', 'Consent declined'), ('consent_withdrawn', 'Consent withdrawn')], max_length=32, verbose_name='kind')),
                ('link', models.CharField(max_length=200, verbose_name='link')),
                ('detail', models.CharField(blank=True, max_length=300, verbose_name='detail')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='time')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='recruiting.candidate')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'notification',
                'verbose_name_plural': 'notifications',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['tenant', 'user', '-created_at'], name='recruiting_inbox'), models.Index(condition=models.Q(('read_at__isnull', True)), fields=['tenant', 'user'], name='recruiting_inbox_unread')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        aihm.tenancy.EnableRowLevelSecurity("notification"),
        aihm.tenancy.TenantForeignKeys("notification"),
    ]
