"""The candidate lists sort by interview score and filter by consent: Candidate.interview_score (the
latest analysis's overall score) and Candidate.consent_state (the latest consent decision),
mirrored by the services that own them, filled here for the candidates already there, with their
indexes. Best interview score first sorts `DESC NULLS LAST`, PostgreSQL's only (as in 0003).
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery

from aihm.migration_helpers import postgresql_only_indexes

TIES = [models.F("created_at").desc(), models.F("id").desc()]
BEST_INTERVIEW_FIRST = [models.F("interview_score").desc(nulls_last=True), *TIES]
POSTGRESQL_ONLY = [
    models.Index(models.F("tenant"), models.F("position"), *BEST_INTERVIEW_FIRST, name="recruiting_cand_pos_itv_desc"),
    models.Index(models.F("tenant"), *BEST_INTERVIEW_FIRST, name="recruiting_cand_itv_desc"),
]


def fill_the_mirrors(apps, schema_editor):
    alias = schema_editor.connection.alias
    candidates = apps.get_model("recruiting", "Candidate")._base_manager.using(alias)
    records = apps.get_model("consent", "ConsentRecord")._base_manager.using(alias)
    analyses = apps.get_model("interviews", "InterviewAnalysis")._base_manager.using(alias)
    latest_decision = records.filter(candidate=OuterRef("pk")).order_by("-created_at", "-pk").values("decision")[:1]
    candidates.filter(Exists(records.filter(candidate=OuterRef("pk")))).update(consent_state=Subquery(latest_decision))
    latest_score = (analyses.filter(interview__candidate=OuterRef("pk"), state="done").order_by("-finished_at", "-version")
                    .values("overall_score")[:1])
    candidates.update(interview_score=Subquery(latest_score))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_users_behind_rls'),
        ('recruiting', '0006_notifications'),
        ('consent', '0006_keep_the_announced_recordings_period'),
        ('interviews', '0004_analyses'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='candidate',
            name='consent_state',
            field=models.CharField(blank=True, choices=[('', 'No decision yet'), ('granted', 'Consent given'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], default='', max_length=10, verbose_name='consent'),
        ),
        migrations.AddField(
            model_name='candidate',
            name='interview_score',
            field=models.FloatField(blank=True, null=True, verbose_name='interview score'),
        ),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(models.F('tenant'), models.F('position'), models.OrderBy(models.F('interview_score')), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='recruiting_cand_pos_itv_asc'),
        ),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(models.F('tenant'), models.OrderBy(models.F('interview_score')), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='recruiting_cand_itv_asc'),
        ),
        migrations.AddConstraint(
            model_name='candidate',
            constraint=models.CheckConstraint(condition=models.Q(('interview_score__isnull', True), models.Q(('interview_score__gte', 0), ('interview_score__lte', 5)), _connector='OR'), name='recruiting_candidate_interview_score_0_5'),
        ),
        migrations.RunPython(*postgresql_only_indexes("recruiting.Candidate", POSTGRESQL_ONLY)),
        migrations.RunPython(fill_the_mirrors, migrations.RunPython.noop),
    ]
