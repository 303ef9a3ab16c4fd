"""The KPIs, computed by the database: conditional counts and averages over the candidates the
filters select, a median (analytics.db.Median), and per-candidate facts: the columns the services
mirror on the candidate (status, decision, consent, interview score), membership in a table read
once (`id IN (SELECT candidate_id ...)`), and a few correlated subqueries for the candidates
they concern. Each function runs a fixed number of queries whatever the number of rows, and
every figure has one definition, here.

Figures are about a cohort: the candidates added in the period (and position) asked for, and what
happened to them since, whenever it happened (their CV scores, consents, calls, interviews,
reports and decisions).
"""

from datetime import datetime, time, timedelta

from django.db.models import Avg, Case, CharField, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncWeek
from django.db.models.lookups import Exact, In, IsNull
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.db import Median, SecondsBetween
from consent.models import ConsentRecord, ConsentRequest, Decision
from interviews.analysis import SCALE_MAX
from interviews.models import (
    AnalysisState,
    AttemptState,
    CallAttempt,
    CallDirection,
    CallOutcome,
    Interview,
    InterviewAnalysis,
    Recommendation,
)
from interviews.services import CANDIDATE_STATUS
from recruiting.models import ON_HOLD, Candidate, PipelineStatus, Position, PositionStatus, ScoringStatus

S = PipelineStatus

# An interview whose call reached its end: the states the pipeline shows as "Interview done".
COMPLETED_INTERVIEW_STATES = tuple(state for state, status in CANDIDATE_STATUS.items() if status == S.INTERVIEW_DONE)

# The advisory recommendation a recruiter's standing decision agrees with.
AGREEING_DECISIONS = {
    Recommendation.ADVANCE: (S.SHORTLISTED, S.HIRED),
    Recommendation.DO_NOT_ADVANCE: (S.REJECTED,),
    Recommendation.HOLD: (ON_HOLD,),
}

# The pipeline's main path, in PipelineStatus order; consent declined and rejected leave it.
FUNNEL_STEPS = (
    S.NEW, S.CV_SCORED, S.CONSENT_PENDING, S.CONSENT_GIVEN, S.INTERVIEW_SCHEDULED,
    S.INTERVIEW_IN_PROGRESS, S.INTERVIEW_DONE, S.REPORT_READY, S.SHORTLISTED, S.HIRED,
)
_STEP = {step: index for index, step in enumerate(FUNNEL_STEPS)}


def _ratio(part, whole, digits=4):
    return round(part / whole, digits) if whole else None


def _rounded(value, digits=1):
    return round(value, digits) if value is not None else None


# --- Per-candidate facts ----------------------------------------------------------------------


def _done_analyses():
    return InterviewAnalysis.objects.filter(state=AnalysisState.DONE)


class Facts:
    """What the figures need to know of each candidate, as expressions on the candidate row.

    A yes/no fact is membership of the candidate's id in one uncorrelated subquery (`id IN
    (SELECT candidate_id ...)`): PostgreSQL reads that table once and hashes it, instead of one
    index look-up per candidate. A value (a time, a decision, a recommendation) is a correlated
    subquery behind a CASE on such a membership, so that it runs only for the candidates who
    have one: at 2,400 candidates, ten look-ups per candidate were 170 ms of a 200 ms overview.
    They are written into the aggregates themselves, not annotated first: Django cannot
    aggregate over boolean subquery annotations (it loses them when it wraps the query), and
    written in, one query serves `.aggregate()` and `.values("position_id").annotate()` alike."""

    def __init__(self):
        candidate = OuterRef("pk")
        recorded = ConsentRecord.objects.values("candidate_id")
        # Asked: a consent request was sent, or a decision recorded (a recruiter may record one
        # obtained otherwise). Granted: at least once (a later withdrawal does not undo the step).
        self.asked = Q(pk__in=ConsentRequest.objects.values("candidate_id")) | Q(pk__in=recorded)
        self.granted = Q(pk__in=recorded.filter(decision=Decision.GRANTED))
        # An interview whose call reached its end.
        self.interviewed = Q(pk__in=Interview.objects.filter(state__in=COMPLETED_INTERVIEW_STATES).values("candidate_id"))
        # When the candidate's first analysis was done: their first report (mirrored on the
        # candidate by interviews.pipeline).
        self.reported = Q(first_report_at__isnull=False)
        self.report_ready_at = F("first_report_at")
        # The latest decision a person recorded (on hold included, mirrored on the candidate),
        # and the advice it agrees with.
        self.decided = ~Q(decision="")
        self.agreeing_advice = Case(
            *(When(decision__in=decisions, then=Value(advice)) for advice, decisions in AGREEING_DECISIONS.items()),
            default=Value(None), output_field=CharField(),
        )
        # The recommendation of the latest analysis done before that decision: the one it could follow.
        self.advice = _only_when(self.decided & self.reported, Subquery(
            _done_analyses().filter(interview__candidate=candidate, finished_at__lte=OuterRef("decided_at"))
            .order_by("-finished_at", "-version").values("recommendation")[:1]))


def _only_when(condition, value):
    """`value` where `condition` holds, else NULL; the value is not computed for the other rows."""
    return Case(When(condition, then=value), default=None, output_field=value.output_field)


def candidate_figures():
    """Aggregates over candidates, for `.aggregate()` (the company) or
    `.values("position_id").annotate()` (per position).

    The AI/human agreement compares a candidate's standing decision with the advice it could
    follow: advance agrees with shortlisted or hired, do not advance with rejected, hold with on
    hold (AGREEING_DECISIONS). Only decided candidates whose advice is one of those three are
    compared: "insufficient evidence" is no verdict to agree with.
    """
    facts = Facts()
    scored = Q(scoring_status=ScoringStatus.SCORED)
    return {
        "candidates": Count("pk"),
        "cvs_scored": Count("pk", filter=scored),
        "consent_asked": Count("pk", filter=facts.asked),
        "consent_granted": Count("pk", filter=facts.granted),
        "interviewed": Count("pk", filter=facts.interviewed),
        "reports_ready": Count("pk", filter=facts.reported),
        "shortlisted": Count("pk", filter=Q(status=S.SHORTLISTED)),
        "rejected": Count("pk", filter=Q(status=S.REJECTED)),
        "hired": Count("pk", filter=Q(status=S.HIRED)),
        "decided": Count("pk", filter=facts.decided),
        "on_hold": Count("pk", filter=Q(decision=ON_HOLD)),
        "ai_compared": Count("pk", filter=Q(In(facts.advice, list(AGREEING_DECISIONS))) & Q(IsNull(facts.agreeing_advice, False))),
        "ai_agreed": Count("pk", filter=Exact(facts.advice, facts.agreeing_advice)),
        "average_cv_score": Avg("cv_score", filter=scored),
        "median_seconds_to_report": Median(SecondsBetween("created_at", facts.report_ready_at)),
    }


def interview_figures():
    """Aggregates over interviews: those completed, and the average of each interview's latest
    done analysis score (an interview analysed again counts once, with its latest score)."""
    latest_score = _done_analyses().filter(interview=OuterRef("pk")).order_by("-version").values("overall_score")[:1]
    return {
        "interviews_completed": Count("pk", filter=Q(state__in=COMPLETED_INTERVIEW_STATES)),
        "average_interview_score": Avg(Subquery(latest_score)),
    }


def _interviews_of(candidates):
    return Interview.objects.filter(candidate__in=candidates)


def _attempts_of(candidates):
    """Outbound calls whose outcome is known (ended): an inbound call (the candidate calling back)
    is always answered and would flatter the rate."""
    return CallAttempt.objects.filter(
        interview__candidate__in=candidates, direction=CallDirection.OUTBOUND, state=AttemptState.ENDED)


# --- The three reports ------------------------------------------------------------------------


def overview(candidates, *, position=None):
    """The company's KPIs over `candidates` (already filtered by period and position), in four
    queries: positions, candidates, interviews, call attempts.

    - open_positions: positions open now (the position asked for, if any); candidates.total:
      every candidate of those positions whatever the period, candidates.added: those selected;
    - consent.rate: granted / asked; calls.answer_rate: attempts a person answered (picked up,
      not a voicemail) / outbound attempts ended;
    - median_seconds_to_report: from the candidate added to their first report;
    - decisions.made: candidates with a standing decision (on hold included).
    """
    positions = Position.objects.filter(pk=position.pk) if position else Position.objects.all()
    company = positions.aggregate(
        open_positions=Count("pk", filter=Q(status=PositionStatus.OPEN), distinct=True),
        candidates_total=Count("candidates"),
    )
    figures = candidates.aggregate(**candidate_figures())
    interviews = _interviews_of(candidates).aggregate(**interview_figures())
    calls = _attempts_of(candidates).aggregate(
        attempts=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False) & ~Q(outcome=CallOutcome.VOICEMAIL)),
    )
    return {
        "open_positions": company["open_positions"],
        "candidates": {"total": company["candidates_total"], "added": figures["candidates"]},
        "cvs_scored": figures["cvs_scored"],
        "consent": {"asked": figures["consent_asked"], "granted": figures["consent_granted"],
                    "rate": _ratio(figures["consent_granted"], figures["consent_asked"])},
        "calls": {"attempts": calls["attempts"], "answered": calls["answered"],
                  "answer_rate": _ratio(calls["answered"], calls["attempts"])},
        "interviews_completed": interviews["interviews_completed"],
        "reports_ready": figures["reports_ready"],
        "average_cv_score": _rounded(figures["average_cv_score"]),
        "average_interview_score": _rounded(interviews["average_interview_score"], 2),
        "median_seconds_to_report": _rounded(figures["median_seconds_to_report"]),
        "decisions": {"made": figures["decided"], "shortlisted": figures["shortlisted"], "rejected": figures["rejected"],
                      "hired": figures["hired"], "on_hold": figures["on_hold"]},
        "ai_agreement": {"compared": figures["ai_compared"], "agreed": figures["ai_agreed"],
                         "rate": _ratio(figures["ai_agreed"], figures["ai_compared"])},
    }


def position_stats(positions, candidates):
    """Per position of `positions` (a page), the figures over its `candidates`: two queries, one
    grouped over the candidates, one over their interviews."""
    ids = [position.pk for position in positions]
    selected = candidates.filter(position_id__in=ids)
    per_candidate = {
        row["position_id"]: row
        for row in selected.values("position_id").annotate(**candidate_figures()).order_by()
    }
    per_interview = {
        row["position_id"]: row
        for row in _interviews_of(selected).values(position_id=F("candidate__position_id"))
        .annotate(**interview_figures()).order_by()
    }
    rows = []
    for position in positions:
        figures = per_candidate.get(position.pk, {})
        interviews = per_interview.get(position.pk, {})
        rows.append({
            "id": position.pk,
            "title": position.title,
            "status": position.status,
            "candidates": figures.get("candidates", 0),
            "cvs_scored": figures.get("cvs_scored", 0),
            "consented": figures.get("consent_granted", 0),
            "interviewed": figures.get("interviewed", 0),
            "reports_ready": figures.get("reports_ready", 0),
            "shortlisted": figures.get("shortlisted", 0),
            "hired": figures.get("hired", 0),
            "average_cv_score": _rounded(figures.get("average_cv_score")),
            "average_interview_score": _rounded(interviews.get("average_interview_score"), 2),
            "median_seconds_to_screen": _rounded(figures.get("median_seconds_to_report")),
        })
    return rows


def _furthest_step():
    """The index in FUNNEL_STEPS of the furthest step a candidate reached, from their status. A
    candidate who declined consent reached the request; a rejected one, the furthest step their
    records show (a report, a completed interview, an interview, a consent, a request, a CV score):
    a rejection may come at any step. A shortlisting or a hire passes the steps before it."""
    candidate = OuterRef("pk")
    rejected_at = Case(
        When(Exists(_done_analyses().filter(interview__candidate=candidate)), then=Value(_STEP[S.REPORT_READY])),
        When(Exists(Interview.objects.filter(candidate=candidate, state__in=COMPLETED_INTERVIEW_STATES)),
             then=Value(_STEP[S.INTERVIEW_DONE])),
        When(Exists(Interview.objects.filter(candidate=candidate)), then=Value(_STEP[S.INTERVIEW_SCHEDULED])),
        When(Exists(ConsentRecord.objects.filter(candidate=candidate, decision=Decision.GRANTED)),
             then=Value(_STEP[S.CONSENT_GIVEN])),
        When(Exists(ConsentRequest.objects.filter(candidate=candidate)) | Exists(ConsentRecord.objects.filter(candidate=candidate)),
             then=Value(_STEP[S.CONSENT_PENDING])),
        When(scoring_status=ScoringStatus.SCORED, then=Value(_STEP[S.CV_SCORED])),
        default=Value(_STEP[S.NEW]),
    )
    return Case(
        *(When(status=step, then=Value(index)) for step, index in _STEP.items()),
        When(status=S.CONSENT_DECLINED, then=Value(_STEP[S.CONSENT_PENDING])),
        When(status=S.REJECTED, then=rejected_at),
        default=Value(_STEP[S.NEW]),
        output_field=IntegerField(),
    )


def _pipeline_of(counts):
    """{(status, step): count} -> candidates per status (every status, zeros included) and the
    funnel: how many reached each step, and the share of those who went on to the next one."""
    per_status = dict.fromkeys(S.values, 0)
    reached = [0] * len(FUNNEL_STEPS)
    for (status, step), number in counts.items():
        per_status[status] = per_status.get(status, 0) + number
        for index in range(step + 1):
            reached[index] += number
    funnel = [
        {"step": step, "label": str(step.label), "reached": reached[index],
         "conversion_to_next": _ratio(reached[index + 1], reached[index]) if index + 1 < len(reached) else None}
        for index, step in enumerate(FUNNEL_STEPS)
    ]
    return {
        "total": sum(per_status.values()),
        "statuses": [{"status": status, "label": str(S(status).label), "count": per_status[status]} for status in S.values],
        "funnel": funnel,
    }


def pipeline(candidates):
    """Candidates per pipeline status and the funnel, for the company and for each position that
    has candidates in the selection (by title): one grouped query."""
    rows = (
        candidates.annotate(step=_furthest_step())
        .values("position_id", "position__title", "status", "step")
        .annotate(number=Count("pk"))
        .order_by()
    )
    company, per_position, titles = {}, {}, {}
    for row in rows:
        key = (row["status"], row["step"])
        company[key] = company.get(key, 0) + row["number"]
        counts = per_position.setdefault(row["position_id"], {})
        counts[key] = counts.get(key, 0) + row["number"]
        titles[row["position_id"]] = row["position__title"]
    positions = sorted(per_position, key=lambda pk: (titles[pk].casefold(), str(pk)))
    return {
        **_pipeline_of(company),
        "positions": [{"id": pk, "title": titles[pk], **_pipeline_of(per_position[pk])} for pk in positions],
    }


# --- The dashboard's charts -------------------------------------------------------------------

# CV scores (0-100) in bands of ten points; a perfect 100 joins the top band (90-100).
CV_SCORE_BAND = 10
CV_SCORE_MAX = 100
# Interview scores (0 to SCALE_MAX) in bands of half a point; a perfect score joins the top band.
INTERVIEW_SCORE_BAND = 0.5


def _bands(width, top):
    """The lower bounds of the bands of `width` from 0 to `top` (the last band includes `top`)."""
    count = round(top / width)
    return [round(index * width, 2) for index in range(count)]


def _band_counts(field, width, top, *, where=Q()):
    """One conditional count per band of `field`, keyed by the band's lower bound as a string."""
    lows = _bands(width, top)
    counts = {}
    for index, low in enumerate(lows):
        last = index == len(lows) - 1
        in_band = Q(**{f"{field}__gte": low}) & (Q(**{f"{field}__lte": top}) if last else Q(**{f"{field}__lt": low + width}))
        counts[f"band_{index}"] = Count("pk", filter=where & in_band)
    return lows, counts


def _histogram(lows, width, top, row):
    return [{"low": low, "high": top if index == len(lows) - 1 else round(low + width, 2), "count": row[f"band_{index}"]}
            for index, low in enumerate(lows)]


def cv_score_histogram(candidates):
    """How many of `candidates` have a scored CV in each band of ten points: one query."""
    scored = Q(scoring_status=ScoringStatus.SCORED, cv_score__isnull=False)
    lows, counts = _band_counts("cv_score", CV_SCORE_BAND, CV_SCORE_MAX, where=scored)
    row = candidates.aggregate(**counts)
    return _histogram(lows, CV_SCORE_BAND, CV_SCORE_MAX, row)


def latest_done_analyses(candidates):
    """Each interview's latest analysis done, for the interviews of `candidates` (an interview
    analysed again counts once, with its latest version, as in interview_figures)."""
    newer = _done_analyses().filter(interview=OuterRef("interview"), version__gt=OuterRef("version"))
    return _done_analyses().filter(interview__candidate__in=candidates).exclude(Exists(newer))


def interview_score_histogram(candidates):
    """Interviews of `candidates` per band of half a point of their latest done analysis's score,
    and how many of those analyses gave no score (insufficient evidence): one query."""
    lows, counts = _band_counts("overall_score", INTERVIEW_SCORE_BAND, SCALE_MAX)
    row = latest_done_analyses(candidates).aggregate(unscored=Count("pk", filter=Q(overall_score__isnull=True)), **counts)
    return {"bands": _histogram(lows, INTERVIEW_SCORE_BAND, SCALE_MAX, row), "unscored": row["unscored"]}


def calls_by_outcome(candidates):
    """Outbound calls to `candidates` that have ended, per outcome (every CallOutcome, zeros
    included, in its order; an ended call without an outcome last, only if there is one): one
    grouped query, over the same calls as the answer rate."""
    counts = dict(_attempts_of(candidates).values_list("outcome").annotate(number=Count("pk")).order_by())
    rows = [{"outcome": outcome.value, "label": str(outcome.label), "count": counts.get(outcome.value, 0)}
            for outcome in CallOutcome]
    if counts.get(""):
        rows.append({"outcome": "", "label": str(_("No outcome recorded")), "count": counts[""]})
    return rows


def week_start(moment):
    """The Monday (a date, in the current time zone) of the week holding `moment`."""
    day = timezone.localdate(moment)
    return day - timedelta(days=day.weekday())


def weekly_activity(*, weeks=12, now=None):
    """The company's activity in each of the last `weeks` weeks (Monday to Sunday, in the current
    time zone, this week last): candidates added, interviews whose call reached its end, and
    candidates' first reports. Unlike the other figures it is about when things happened, not
    about a cohort of candidates. Three grouped queries, one per table, with TruncWeek."""
    first = week_start(now or timezone.now()) - timedelta(weeks=weeks - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    call_ended_at = Coalesce("ended_at", Subquery(
        CallAttempt.objects.filter(interview=OuterRef("pk"), ended_at__isnull=False)
        .order_by("-ended_at").values("ended_at")[:1]))
    first_report = ~Exists(_done_analyses().filter(
        interview__candidate=OuterRef("interview__candidate"), finished_at__lt=OuterRef("finished_at")))
    series = {
        "added": Candidate.objects.annotate(at=F("created_at")),
        "interviewed": Interview.objects.filter(state__in=COMPLETED_INTERVIEW_STATES).annotate(at=call_ended_at),
        "reported": _done_analyses().filter(first_report).annotate(at=F("finished_at")),
    }
    days = [first + timedelta(weeks=index) for index in range(weeks)]
    rows = [{"week": day, **dict.fromkeys(series, 0)} for day in days]
    by_day = {row["week"]: row for row in rows}
    for name, queryset in series.items():
        grouped = (queryset.filter(at__gte=since).annotate(week=TruncWeek("at")).values("week")
                   .annotate(number=Count("pk")).order_by())
        for row in grouped:
            week = row["week"]
            day = timezone.localdate(week) if timezone.is_aware(week) else week.date()
            if day in by_day:
                by_day[day][name] += row["number"]
    return rows
