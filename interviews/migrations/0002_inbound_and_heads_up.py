"""Inbound call-backs (CallAttempt.direction) and the text message before a call (HeadsUp, CallPolicy fields), behind the tenant walls."""

import django.db.models.deletion
import django.db.models.manager
import uuid
from django.conf import settings
from django.db import migrations, models

import aihm.tenancy


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('interviews', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="simulated_text",
            field=models.TextField(blank=True, max_length=4000, verbose_name="simulated answer (text only)"),
        ),
        migrations.CreateModel(
            name='HeadsUp',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('call_at', models.DateTimeField(verbose_name='for the call at')),
                ('state', models.CharField(choices=[('queued', 'Queued'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('undelivered', 'Not delivered'), ('failed', 'Failed')], default='queued', max_length=12, verbose_name='state')),
                ('message_sid', models.CharField(blank=True, max_length=64, verbose_name='provider message id')),
                ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'text message before the call',
                'verbose_name_plural': 'text messages before the call',
                'ordering': ['interview', 'created_at'],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name='callattempt',
            name='direction',
            field=models.CharField(choices=[('outbound', 'We called'), ('inbound', 'The candidate called back')], default='outbound', max_length=8, verbose_name='direction'),
        ),
        migrations.AddField(
            model_name='callpolicy',
            name='heads_up_minutes',
            field=models.PositiveSmallIntegerField(default=10, verbose_name='minutes before the call'),
        ),
        migrations.AddField(
            model_name='callpolicy',
            name='heads_up_sms',
            field=models.BooleanField(default=False, verbose_name='send a text message before each scheduled call'),
        ),
        migrations.AddConstraint(
            model_name='callpolicy',
            constraint=models.CheckConstraint(condition=models.Q(('heads_up_minutes__gte', 2), ('heads_up_minutes__lte', 120)), name='interviews_policy_heads_up_2_120'),
        ),
        migrations.AddField(
            model_name='headsup',
            name='interview',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='heads_ups', to='interviews.interview'),
        ),
        migrations.AddField(
            model_name='headsup',
            name='tenant',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant'),
        ),
        migrations.AddConstraint(
            model_name='headsup',
            constraint=models.UniqueConstraint(fields=('interview', 'call_at'), name='interviews_heads_up_once_per_call'),
        ),
        migrations.AddConstraint(
            model_name='headsup',
            constraint=models.UniqueConstraint(condition=models.Q(('message_sid', ''), _negated=True), fields=('message_sid',), name='interviews_heads_up_sid_unique'),
        ),
        aihm.tenancy.EnableRowLevelSecurity("headsup"),
        aihm.tenancy.TenantForeignKeys("headsup"),
    ]
