"""The languages a position's call is offered in, each question's translations, and the languages of a frozen script."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recruiting', '0003_candidate_list_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='position',
            name='call_languages',
            field=models.JSONField(blank=True, default=list, verbose_name='call languages'),
        ),
        migrations.AddField(
            model_name='question',
            name='translations',
            field=models.JSONField(blank=True, default=dict, verbose_name='translations'),
        ),
        migrations.AddField(
            model_name='scriptversion',
            name='languages',
            field=models.JSONField(blank=True, default=list, verbose_name='languages'),
        ),
    ]
