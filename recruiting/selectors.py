"""Reads that deserve a name, with their joins and counts done in a fixed number of queries."""

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower, RowNumber
from django.utils.translation import gettext_lazy as _

from aihm.errors import Invalid
from recruiting.models import Candidate, PipelineStatus, Position

_PIPELINE_RANK = Case(
    *(When(status=value, then=Value(rank)) for rank, value in enumerate(PipelineStatus.values)),
    default=Value(len(PipelineStatus.values)), output_field=IntegerField(),
)
# The orders a candidate list can take (page and API `ordering`), each with its SQL. Status follows
# the pipeline, not the alphabet; a missing CV score sorts last both ways; ties go newest first.
CANDIDATE_ORDERINGS = {
    "-cv_score": (_("Best CV score first"), [F("cv_score").desc(nulls_last=True)]),
    "cv_score": (_("Lowest CV score first"), [F("cv_score").asc(nulls_last=True)]),
    "full_name": (_("Name, A to Z"), [Lower("full_name").asc()]),
    "-full_name": (_("Name, Z to A"), [Lower("full_name").desc()]),
    "status": (_("Status, earliest stage first"), [_PIPELINE_RANK.asc()]),
    "-status": (_("Status, latest stage first"), [_PIPELINE_RANK.desc()]),
    "-interview_score": (_("Best interview score first"), [F("interview_score").desc(nulls_last=True)]),
    "interview_score": (_("Lowest interview score first"), [F("interview_score").asc(nulls_last=True)]),
    "-created_at": (_("Newest first"), []),
    "created_at": (_("Oldest first"), [F("created_at").asc()]),
}
DEFAULT_CANDIDATE_ORDERING = "-created_at"


def positions_list(*, search="", status=""):
    # A count per listed row (a correlated subquery on the candidates' position index) rather than
    # a join grouping every candidate of the company: the page's LIMIT then applies first.
    per_position = (
        Candidate.objects.filter(position=OuterRef("pk")).order_by().values("position")
        .annotate(n=Count("pk")).values("n")
    )
    positions = Position.objects.select_related("owner").annotate(
        candidate_count=Coalesce(Subquery(per_position, output_field=IntegerField()), 0)
    )
    if search:
        positions = positions.filter(Q(title__icontains=search) | Q(location__icontains=search))
    if status:
        positions = positions.filter(status=status)
    return positions.order_by("-created_at")


def funnel_counts(position):
    """{status: count} for every pipeline status, zeros included."""
    counts = dict(position.candidates.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in PipelineStatus.values}


BOARD_CARDS_PER_COLUMN = 30


def board_columns(position):
    """The position's pipeline as columns, one per status in order: each with its count and its
    first BOARD_CARDS_PER_COLUMN candidates (best CV score first). Two queries: the counts, then
    the cards, each status's first ones by a window over the statuses."""
    counts = funnel_counts(position)
    ranked = (Candidate.objects.filter(position=position).defer(*NOT_LISTED)
              .annotate(rank=Window(RowNumber(), partition_by=[F("status")],
                                    order_by=[F("cv_score").desc(nulls_last=True), F("created_at").desc()])))
    cards = {status: [] for status in PipelineStatus.values}
    for candidate in ranked.filter(rank__lte=BOARD_CARDS_PER_COLUMN).order_by("status", "rank"):
        cards[candidate.status].append(candidate)
    return [{"status": status, "label": status.label, "count": counts[status.value], "cards": cards[status.value],
             "more": counts[status.value] - len(cards[status.value])} for status in PipelineStatus]


def candidates_for_position(position, *, ordering=DEFAULT_CANDIDATE_ORDERING, **filters):
    """The position's candidates, filtered (`search`, `status`, `scoring`, `consent`, `min_score`,
    `max_score`, see `_filtered_candidates`) and ordered."""
    return _filtered_candidates(Candidate.objects.filter(position=position), ordering=ordering, **filters)


def all_candidates(*, ordering=DEFAULT_CANDIDATE_ORDERING, **filters):
    return _filtered_candidates(Candidate.objects.all(), ordering=ordering, **filters)


# What no candidate list shows: the CV's text, the score's evidence, notes, and the long columns
# of the position each row names. Lists leave them in the database.
NOT_LISTED = (
    "cv_text", "cv_score_details", "notes", "scoring_error",
    "position__description", "position__skills", "position__must_haves", "position__nice_to_haves",
)


def _filtered_candidates(candidates, *, ordering, search="", status="", scoring="", consent=None, min_score=None, max_score=None):
    candidates = candidates.select_related("position").defer(*NOT_LISTED).annotate(
        listed_score_provider=KT("cv_score_details__provider"),
    )
    if search:
        candidates = candidates.filter(Q(full_name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search))
    if status:
        candidates = candidates.filter(status=status)
    if scoring:
        candidates = candidates.filter(scoring_status=scoring)
    if consent is not None:
        candidates = candidates.filter(consent_state=consent)
    if min_score is not None:
        candidates = candidates.filter(cv_score__gte=min_score)
    if max_score is not None:
        candidates = candidates.filter(cv_score__lte=max_score)
    return ordered_candidates(candidates, ordering)


def ordered_candidates(candidates, ordering):
    """The candidates in one of CANDIDATE_ORDERINGS; an unknown order is refused, naming the field."""
    if ordering not in CANDIDATE_ORDERINGS:
        allowed = ", ".join(CANDIDATE_ORDERINGS)
        raise Invalid(_("Unknown order “%(value)s”: use one of %(allowed)s.") % {"value": ordering, "allowed": allowed},
                      field="ordering")
    return candidates.order_by(*CANDIDATE_ORDERINGS[ordering][1], "-created_at", "-pk")
