"""The interviews app: interviews, their events, call attempts, answers and the call policy, each behind row-level security, with foreign keys that carry the tenant."""

import django.db.models.deletion
import django.db.models.manager
import uuid
from django.conf import settings
from django.db import migrations, models

import aihm.tenancy


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('recruiting', '0003_candidate_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Interview',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('language', models.CharField(choices=[('fr', 'French'), ('en', 'English'), ('ar', 'Arabic')], max_length=2, verbose_name='language of the call')),
                ('state', models.CharField(choices=[('scheduled', 'Scheduled'), ('dialling', 'Dialling'), ('in_call', 'In call'), ('partial', 'Interrupted, to resume'), ('awaiting_audio', 'Collecting the recordings'), ('audio_complete', 'Recordings complete'), ('cancelled', 'Cancelled'), ('unreachable', 'Unreachable'), ('declined_on_call', 'Declined on the call'), ('failed', 'Failed')], default='scheduled', max_length=20, verbose_name='state')),
                ('next_call_at', models.DateTimeField(blank=True, null=True, verbose_name='next call at')),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('attempts_made', models.PositiveSmallIntegerField(default=0, verbose_name='attempts made')),
                ('persona', models.CharField(blank=True, max_length=32, verbose_name='simulated persona')),
                ('failure_reason', models.CharField(blank=True, max_length=500, verbose_name='reason')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='ended at')),
                ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='interviews', to='recruiting.candidate')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('script', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='interviews', to='recruiting.scriptversion')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'verbose_name': 'interview',
                'verbose_name_plural': 'interviews',
                'ordering': ['-created_at'],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='CallAttempt',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('number', models.PositiveSmallIntegerField(verbose_name='attempt')),
                ('state', models.CharField(choices=[('created', 'Created'), ('dialling', 'Dialling'), ('unknown', 'Unknown: being checked'), ('ringing', 'Ringing'), ('in_progress', 'In progress'), ('ended', 'Ended')], default='created', max_length=12, verbose_name='state')),
                ('call_sid', models.CharField(blank=True, max_length=64, verbose_name='provider call id')),
                ('answered_by', models.CharField(blank=True, max_length=24, verbose_name='answered by')),
                ('started_at', models.DateTimeField(auto_now_add=True, verbose_name='started at')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='ended at')),
                ('duration_seconds', models.PositiveIntegerField(blank=True, null=True, verbose_name='duration (s)')),
                ('outcome', models.CharField(blank=True, choices=[('completed', 'Completed'), ('no_answer', 'No answer'), ('busy', 'Busy'), ('failed', 'Failed'), ('voicemail', 'Voicemail'), ('dropped', 'Hung up mid-interview'), ('declined_on_call', 'Declined on the call'), ('callback_requested', 'Asked to be called back')], max_length=20, verbose_name='outcome')),
                ('last_question_index', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('callback_at', models.DateTimeField(blank=True, null=True, verbose_name='call back at')),
                ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
                ('interview', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts', to='interviews.interview')),
            ],
            options={
                'verbose_name': 'call attempt',
                'verbose_name_plural': 'call attempts',
                'ordering': ['interview', 'number'],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='Answer',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('question_index', models.PositiveSmallIntegerField(verbose_name='question')),
                ('question_id', models.CharField(blank=True, max_length=36)),
                ('take', models.PositiveSmallIntegerField(default=1)),
                ('state', models.CharField(choices=[('recording', 'Being recorded'), ('awaiting_audio', 'Waiting for the recording'), ('stored', 'Audio stored'), ('audio_missing', 'Audio missing'), ('discarded', 'Discarded (question repeated)'), ('silent', 'No answer')], default='recording', max_length=16, verbose_name='state')),
                ('recording_sid', models.CharField(blank=True, max_length=64, verbose_name='provider recording id')),
                ('duration_seconds', models.PositiveIntegerField(blank=True, null=True, verbose_name='duration (s)')),
                ('storage_key', models.CharField(blank=True, max_length=255)),
                ('size_bytes', models.PositiveIntegerField(blank=True, null=True)),
                ('checksum', models.CharField(blank=True, max_length=64, verbose_name='SHA-256')),
                ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('stored_at', models.DateTimeField(blank=True, null=True)),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
                ('attempt', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='interviews.callattempt')),
                ('interview', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='interviews.interview')),
            ],
            options={
                'verbose_name': 'answer',
                'verbose_name_plural': 'answers',
                'ordering': ['interview', 'question_index', 'created_at'],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='InterviewEvent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('from_state', models.CharField(choices=[('scheduled', 'Scheduled'), ('dialling', 'Dialling'), ('in_call', 'In call'), ('partial', 'Interrupted, to resume'), ('awaiting_audio', 'Collecting the recordings'), ('audio_complete', 'Recordings complete'), ('cancelled', 'Cancelled'), ('unreachable', 'Unreachable'), ('declined_on_call', 'Declined on the call'), ('failed', 'Failed')], max_length=20)),
                ('to_state', models.CharField(choices=[('scheduled', 'Scheduled'), ('dialling', 'Dialling'), ('in_call', 'In call'), ('partial', 'Interrupted, to resume'), ('awaiting_audio', 'Collecting the recordings'), ('audio_complete', 'Recordings complete'), ('cancelled', 'Cancelled'), ('unreachable', 'Unreachable'), ('declined_on_call', 'Declined on the call'), ('failed', 'Failed')], max_length=20)),
                ('reason', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('interview', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='interviews.interview')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'verbose_name': 'interview event',
                'verbose_name_plural': 'interview events',
                'ordering': ['interview', 'id'],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='WebhookEvent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('kind', models.CharField(max_length=24)),
                ('key', models.CharField(max_length=100)),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('attempt', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_events', to='interviews.callattempt')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'verbose_name': 'provider callback',
                'verbose_name_plural': 'provider callbacks',
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='CallPolicy',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('max_attempts', models.PositiveSmallIntegerField(default=3, verbose_name='attempts before unreachable')),
                ('retry_after_minutes', models.PositiveSmallIntegerField(default=120, verbose_name='minutes between attempts')),
                ('busy_retry_after_minutes', models.PositiveSmallIntegerField(default=20, verbose_name='minutes before calling a busy line again')),
                ('call_time_limit_minutes', models.PositiveSmallIntegerField(default=15, verbose_name='longest call (minutes)')),
                ('answer_silence_seconds', models.PositiveSmallIntegerField(default=6, verbose_name='seconds of silence that end an answer')),
                ('max_simultaneous_calls', models.PositiveSmallIntegerField(default=5, verbose_name='simultaneous calls')),
                ('voicemail_message', models.BooleanField(default=False, verbose_name='leave a short message on voicemail')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'call policy',
                'verbose_name_plural': 'call policies',
                'constraints': [models.UniqueConstraint(fields=('tenant',), name='interviews_call_policy_one_per_tenant'), models.CheckConstraint(condition=models.Q(('max_attempts__gte', 1), ('max_attempts__lte', 10)), name='interviews_policy_attempts_1_10'), models.CheckConstraint(condition=models.Q(('retry_after_minutes__gte', 10)), name='interviews_policy_retry_10'), models.CheckConstraint(condition=models.Q(('call_time_limit_minutes__gte', 3), ('call_time_limit_minutes__lte', 60)), name='interviews_policy_limit_3_60'), models.CheckConstraint(condition=models.Q(('answer_silence_seconds__gte', 2), ('answer_silence_seconds__lte', 30)), name='interviews_policy_silence_2_30'), models.CheckConstraint(condition=models.Q(('max_simultaneous_calls__gte', 1), ('max_simultaneous_calls__lte', 100)), name='interviews_policy_calls_1_100')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(fields=['state', 'next_call_at'], name='interviews_due'),
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(fields=['tenant', 'candidate', '-created_at'], name='interviews_of_candidate'),
        ),
        migrations.AddConstraint(
            model_name='interview',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ('scheduled', 'dialling', 'in_call', 'partial', 'awaiting_audio'))), fields=('candidate',), name='interviews_one_active_per_candidate'),
        ),
        migrations.AddIndex(
            model_name='callattempt',
            index=models.Index(fields=['state', 'started_at'], name='interviews_attempt_live'),
        ),
        migrations.AddConstraint(
            model_name='callattempt',
            constraint=models.UniqueConstraint(fields=('interview', 'number'), name='interviews_attempt_number_unique'),
        ),
        migrations.AddConstraint(
            model_name='callattempt',
            constraint=models.UniqueConstraint(condition=models.Q(('call_sid', ''), _negated=True), fields=('call_sid',), name='interviews_attempt_call_sid_unique'),
        ),
        migrations.AddIndex(
            model_name='answer',
            index=models.Index(fields=['tenant', 'interview', 'question_index'], name='interviews_answer_of_interview'),
        ),
        migrations.AddConstraint(
            model_name='answer',
            constraint=models.UniqueConstraint(fields=('attempt', 'question_index', 'take'), name='interviews_answer_take_unique'),
        ),
        migrations.AddConstraint(
            model_name='answer',
            constraint=models.UniqueConstraint(condition=models.Q(('recording_sid', ''), _negated=True), fields=('recording_sid',), name='interviews_answer_recording_unique'),
        ),
        migrations.AddIndex(
            model_name='interviewevent',
            index=models.Index(fields=['tenant', 'interview', 'id'], name='interviews_event_timeline'),
        ),
        migrations.AddConstraint(
            model_name='webhookevent',
            constraint=models.UniqueConstraint(fields=('attempt', 'kind', 'key'), name='interviews_webhook_event_once'),
        ),
        aihm.tenancy.EnableRowLevelSecurity("interview"),
        aihm.tenancy.EnableRowLevelSecurity("interviewevent"),
        aihm.tenancy.EnableRowLevelSecurity("callattempt"),
        aihm.tenancy.EnableRowLevelSecurity("webhookevent"),
        aihm.tenancy.EnableRowLevelSecurity("answer"),
        aihm.tenancy.EnableRowLevelSecurity("callpolicy"),
        aihm.tenancy.TenantForeignKeys("interview"),
        aihm.tenancy.TenantForeignKeys("interviewevent"),
        aihm.tenancy.TenantForeignKeys("callattempt"),
        aihm.tenancy.TenantForeignKeys("webhookevent"),
        aihm.tenancy.TenantForeignKeys("answer"),
        aihm.tenancy.TenantForeignKeys("callpolicy"),
    ]
