"""Candidate.decision: the latest decision a person recorded (CandidateDecision keeps them all),
mirrored by recruiting.services.record_decision beside decided_by and decided_at, so that the
analytics count decisions on the candidate row instead of looking up each candidate's history.
Filled here for the candidates already decided."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def fill_the_mirror(apps, schema_editor):
    alias = schema_editor.connection.alias
    candidates = apps.get_model("recruiting", "Candidate")._base_manager.using(alias)
    decisions = apps.get_model("recruiting", "CandidateDecision")._base_manager.using(alias)
    latest = decisions.filter(candidate=OuterRef("pk")).order_by("-pk").values("decision")[:1]
    candidates.filter(Exists(decisions.filter(candidate=OuterRef("pk")))).update(decision=Subquery(latest))


class Migration(migrations.Migration):

    dependencies = [
        ('recruiting', '0007_list_mirrors'),
    ]

    operations = [
        migrations.AddField(
            model_name='candidate',
            name='decision',
            field=models.CharField(blank=True, choices=[('shortlisted', 'Shortlisted'), ('rejected', 'Rejected'), ('hired', 'Hired'), ('on_hold', 'On hold')], default='', max_length=20, verbose_name='decision'),
        ),
        migrations.RunPython(fill_the_mirror, migrations.RunPython.noop),
    ]
