"""An index for each order a candidate list offers (recruiting.selectors.CANDIDATE_ORDERINGS),
within a position and within the company, so a page is read from an index, not sorted.

Best score first sorts `cv_score DESC NULLS LAST`, which SQLite refuses in an index (it needs
none: it sorts NULLs last when descending). Those two indexes are made on PostgreSQL only and kept
out of the model state, so that no later migration tries them on SQLite.
"""

from django.db import migrations, models
from django.db.models.functions import Lower

from aihm.migration_helpers import postgresql_only_indexes

STATUSES = ["new", "cv_scored", "consent_pending", "consent_given", "consent_declined", "interview_scheduled",
            "interview_in_progress", "interview_done", "report_ready", "shortlisted", "rejected", "hired"]
PIPELINE_RANK = models.Case(
    *(models.When(status=status, then=models.Value(rank)) for rank, status in enumerate(STATUSES)),
    default=models.Value(len(STATUSES)), output_field=models.IntegerField(),
)
IN_POSITION, IN_TENANT = [models.F("tenant"), models.F("position")], [models.F("tenant")]
TIES = [models.F("created_at").desc(), models.F("id").desc()]
ORDERS = {
    "score_asc": [models.F("cv_score").asc(), *TIES],
    "name_asc": [Lower("full_name").asc(), *TIES],
    "name_desc": [Lower("full_name").desc(), *TIES],
    "stage_asc": [PIPELINE_RANK.asc(), *TIES],
    "stage_desc": [PIPELINE_RANK.desc(), *TIES],
    "newest": TIES,
    "oldest": [models.F("created_at").asc(), models.F("id").desc()],
}
BEST_SCORE_FIRST = [models.F("cv_score").desc(nulls_last=True), *TIES]
POSTGRESQL_ONLY = [
    models.Index(*IN_POSITION, *BEST_SCORE_FIRST, name="recruiting_cand_pos_score_desc"),
    models.Index(*IN_TENANT, *BEST_SCORE_FIRST, name="recruiting_cand_score_desc"),
]


class Migration(migrations.Migration):
    dependencies = [("recruiting", "0002_tenant_foreign_keys")]

    operations = [
        *(migrations.AddIndex("candidate", models.Index(*IN_POSITION, *order, name=f"recruiting_cand_pos_{name}"))
          for name, order in ORDERS.items()),
        *(migrations.AddIndex("candidate", models.Index(*IN_TENANT, *order, name=f"recruiting_cand_{name}"))
          for name, order in ORDERS.items()),
        migrations.RunPython(*postgresql_only_indexes("recruiting.Candidate", POSTGRESQL_ONLY)),
    ]
