"""Call-back codes (CallbackCode: keyed digests only), behind the tenant walls like every consent table."""

import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
from django.db import migrations, models

import aihm.tenancy


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('consent', '0003_callinghourspolicy'),
        ('recruiting', '0003_candidate_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='CallbackCode',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('digest', models.CharField(max_length=64)),
                ('purpose', models.CharField(choices=[('consent_confirmation', 'Consent confirmation'), ('heads_up', 'Text message before the call'), ('simulated', 'Simulated call-back')], max_length=24, verbose_name='sent with')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='issued at')),
                ('expires_at', models.DateTimeField(verbose_name='expires at')),
                ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='callback_codes', to='recruiting.candidate')),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'verbose_name': 'call-back code',
                'verbose_name_plural': 'call-back codes',
                'indexes': [models.Index(fields=['tenant', 'candidate', 'expires_at'], name='consent_callback_code_live')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        aihm.tenancy.EnableRowLevelSecurity("callbackcode"),
        aihm.tenancy.TenantForeignKeys("callbackcode"),
    ]
