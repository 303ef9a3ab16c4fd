"""Fills Candidate.first_report_at (recruiting 0009) for the reports already made: the time the
first done analysis of each candidate's interviews was finished."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery


def fill_the_mirror(apps, schema_editor):
    alias = schema_editor.connection.alias
    candidates = apps.get_model("recruiting", "Candidate")._base_manager.using(alias)
    analyses = apps.get_model("interviews", "InterviewAnalysis")._base_manager.using(alias)
    reports = analyses.filter(interview__candidate=OuterRef("pk"), state="done", finished_at__isnull=False)
    first = reports.order_by("finished_at").values("finished_at")[:1]
    candidates.filter(Exists(reports)).update(first_report_at=Subquery(first))


class Migration(migrations.Migration):

    dependencies = [
        ("interviews", "0004_analyses"),
        ("recruiting", "0009_first_report_at"),
    ]

    operations = [
        migrations.RunPython(fill_the_mirror, migrations.RunPython.noop),
    ]
