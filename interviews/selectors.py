"""Named reads of the interviews app."""

from django.conf import settings
from django.utils import timezone

from consent import calling_hours
from consent.services import ConsentMissing, ensure_can_call
from interviews import telephony
from interviews.models import ACTIVE_STATES, CallPolicy, Interview


def call_policy():
    """The active company's call policy; an unsaved one with the defaults when it has none."""
    return CallPolicy.objects.first() or CallPolicy(**CallPolicy.DEFAULTS)


def interviews_of(candidate):
    return list(
        Interview.objects.filter(candidate=candidate).select_related("script").prefetch_related("attempts")
        .order_by("-created_at")
    )


def interviews_of_candidate(candidate):
    """The candidate's interviews, newest first, as the API lists them (unevaluated, to paginate)."""
    return Interview.objects.filter(candidate=candidate).select_related("script").order_by("-created_at", "-pk")


def interview_detail(interview_id):
    """One interview with what its page and API show, or None (another tenant's is None too)."""
    return (
        Interview.objects.filter(pk=interview_id)
        .select_related("candidate", "candidate__position", "script")
        .prefetch_related("attempts", "answers", "events", "heads_ups")
        .first()
    )


def interview_panel(candidate, user):
    """The candidate page's interview panel: the interviews, the active one, whether one can be
    scheduled, and the calling hours that apply (shown even when the simulator ignores them)."""
    from interviews.personas import persona_choices
    from interviews.services import calling_hours_hold

    interviews = interviews_of(candidate)
    active = next((i for i in interviews if i.state in ACTIVE_STATES), None)
    rules = calling_hours.rules_for(candidate)
    candidate_zone = calling_hours.zone(candidate.timezone)  # the zone the form's times are read in
    try:
        ensure_can_call(candidate)
        call_refusal = ""
    except ConsentMissing as refusal:
        call_refusal = refusal.message
    statuses = pipeline_statuses(interviews)
    for interview in interviews:
        interview.pipeline_status = statuses[interview.pk]
    return {
        "call_refusal": call_refusal,
        "can_schedule": user.can_write and not call_refusal and active is None,
        "local_now": timezone.now().astimezone(candidate_zone),
        "candidate_zone": candidate_zone,
        "candidate": candidate,
        "interviews": interviews,
        "active_interview": active,
        "can_write": user.can_write,
        "simulated": telephony.is_simulated(),
        "calling_hours_hold": calling_hours_hold(candidate),
        "keep_hours_setting": settings.SIMULATED_CALLS_KEEP_CALLING_HOURS,
        "calling_rules": rules.describe(),
        "personas": persona_choices() if telephony.is_simulated() else [],
        "active_persona_label": dict(persona_choices()).get(active.persona, active.persona) if active else "",
    }


def latest_interviews(candidate_ids):
    """{candidate id: its newest interview} for a page of candidates, in one query."""
    rows = Interview.objects.filter(candidate_id__in=candidate_ids).order_by("candidate_id", "-created_at", "-pk")
    latest = {}
    for interview in rows.only("id", "candidate_id", "state", "created_at", "tenant_id"):
        latest.setdefault(interview.candidate_id, interview)
    return latest


def pipeline_statuses(interviews):
    """{interview id: pipeline.Status} for many interviews, in two queries."""
    from interviews import pipeline
    from interviews.models import InterviewAnalysis, Transcript

    ids = [i.pk for i in interviews if i.state in pipeline.ANALYSED_STATES]
    transcripts, analyses = {}, {}
    for transcript in Transcript.objects.filter(interview_id__in=ids).only("state", "error", "interview_id"):
        transcripts.setdefault(transcript.interview_id, []).append(transcript)
    for analysis in InterviewAnalysis.objects.filter(interview_id__in=ids).order_by("interview_id", "-version").only(
            "state", "error", "interview_id", "version"):
        analyses.setdefault(analysis.interview_id, analysis)
    return {
        interview.pk: pipeline.status(interview, transcripts=transcripts.get(interview.pk, []), analysis=analyses.get(interview.pk))
        for interview in interviews
    }


def interview_cells(candidates):
    """The candidate lists' interview column: the newest interview's state, and after the call
    the pipeline's live state (polled while it runs); three queries for the page."""
    from django.template.loader import render_to_string

    latest = latest_interviews([c.pk for c in candidates])
    statuses = pipeline_statuses(list(latest.values()))
    return {
        candidate_id: render_to_string("interviews/_interview_cell.html", {"interview": interview, "status": statuses[interview.pk]})
        for candidate_id, interview in latest.items()
    }
