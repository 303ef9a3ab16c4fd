"""Candidate.first_report_at: when the first done analysis of the candidate's interviews was
finished, mirrored by interviews.pipeline beside the interview score, so that the analytics time
the screening on the candidate row instead of looking up each candidate's analyses. The
interviews app fills it for the reports already made (interviews 0005)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recruiting', '0008_latest_decision'),
    ]

    operations = [
        migrations.AddField(
            model_name='candidate',
            name='first_report_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='first report ready at'),
        ),
    ]
