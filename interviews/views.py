"""Interview pages: schedule, reschedule and cancel from the candidate page, and one interview's
page (attempts, answers, timeline). Thin: parse, call a service, redirect with a message."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.views import member_required, writer_required
from aihm.errors import DomainError
from consent.calling_hours import zone
from interviews import pipeline, report, selectors, services, telephony
from interviews.models import DUE_STATES, Interview, InterviewAnalysis
from recruiting.models import Candidate
from recruiting.views import DECISION_BUTTONS


def _local_moment(request, candidate):
    """The moment the form asks for: None for "as soon as allowed", else the date and time
    typed, read in the candidate's time zone (the picker shows the candidate's local time)."""
    if request.POST.get("when", "now") == "now":
        return None
    raw = request.POST.get("scheduled_at", "").strip()
    try:
        typed = datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError(_("Give a date and a time for the call.")) from None
    if typed.tzinfo is None:
        typed = typed.replace(tzinfo=zone(candidate.timezone))
    return typed


def _back_to(candidate):
    return redirect(reverse("recruiting:candidate_detail", args=[candidate.pk]) + "#interview")


@writer_required
@require_POST
def schedule(request, pk):
    candidate = get_object_or_404(Candidate.objects.select_related("position"), pk=pk)
    try:
        interview = services.schedule_interview(
            by=request.user, candidate=candidate, at=_local_moment(request, candidate),
            persona=request.POST.get("persona", ""), request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The phone interview is scheduled for %(when)s (candidate's time).") % {
            "when": _local_text(interview.next_call_at, candidate)})
    return _back_to(candidate)


@writer_required
@require_POST
def reschedule(request, pk):
    interview = get_object_or_404(Interview.objects.select_related("candidate"), pk=pk)
    candidate = interview.candidate
    try:
        services.reschedule_interview(by=request.user, interview=interview, at=_local_moment(request, candidate), request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The phone interview is moved to %(when)s (candidate's time).") % {
            "when": _local_text(interview.next_call_at, candidate)})
    return _back_to(candidate)


@writer_required
@require_POST
def cancel(request, pk):
    interview = get_object_or_404(Interview.objects.select_related("candidate"), pk=pk)
    try:
        services.cancel_interview(by=request.user, interview=interview, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The phone interview is cancelled."))
    return _back_to(interview.candidate)


@writer_required
@require_POST
def simulate_call_back(request, pk):
    """The embedded default only: the simulated candidate calls the line back with a code."""
    interview = get_object_or_404(Interview.objects.select_related("candidate"), pk=pk)
    try:
        services.simulate_call_back(by=request.user, interview=interview, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The simulated candidate is calling the line back."))
    return redirect("interviews:detail", pk=interview.pk)


@member_required
@require_GET
def interview_detail(request, pk):
    interview = selectors.interview_detail(pk)
    if interview is None:
        raise Http404
    return TemplateResponse(request, "interviews/interview_detail.html", {
        "interview": interview, "candidate": interview.candidate, "candidate_zone": zone(interview.candidate.timezone),
        "questions": list(enumerate(interview.script.questions)),
        "simulated": telephony.is_simulated(), "line_number": settings.TWILIO_FROM_NUMBER,
        "awaits_call": interview.state in DUE_STATES,
    })


def _local_text(moment, candidate):
    return formats.date_format(moment.astimezone(zone(candidate.timezone)), "DATETIME_FORMAT")


# --- The report ---------------------------------------------------------------------------------


def _report_or_404(pk):
    interview = report.interview_for_report(pk)
    if interview is None:
        raise Http404
    return interview


@member_required
@require_GET
def interview_report(request, pk):
    """The report: the candidate, consent, calls, each answer with its transcript and the AI's
    assessment, the analysis and its provenance, and the recruiter's decision."""
    interview = _report_or_404(pk)
    chosen = None
    if request.GET.get("version"):
        chosen = InterviewAnalysis.objects.filter(interview=interview, version=_int(request.GET["version"])).first()
        if chosen is None:
            raise Http404
    data = report.report_data(interview, analysis=chosen)
    return TemplateResponse(request, "interviews/report.html", {
        "interview": interview, "candidate": interview.candidate, "report": data,
        "decisions": DECISION_BUTTONS, "can_write": request.user.can_write,
    })


@member_required
@never_cache
@require_GET
def pipeline_status(request, pk):
    """The live state of one interview after its call (htmx polls it while the pipeline runs;
    the fragment stops polling once the report is ready or a step failed)."""
    interview = get_object_or_404(Interview, pk=pk)
    status = pipeline.status(interview)
    refresh = request.GET.get("refresh") == "1"
    response = TemplateResponse(request, "interviews/_pipeline_status.html", {
        "interview": interview, "status": status, "refresh": refresh,
    })
    if refresh and not status.running:
        response["HX-Refresh"] = "true"  # the report page shows what the finished step gave
    return response


@writer_required
@require_POST
def pipeline_retry(request, pk):
    interview = get_object_or_404(Interview, pk=pk)
    try:
        step = pipeline.retry(by=request.user, interview=interview, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The transcription is resumed.") if step == "transcription" else _("The analysis is made again."))
    return redirect("interviews:report", pk=interview.pk)


@writer_required
@require_POST
def reanalyse(request, pk):
    interview = get_object_or_404(Interview, pk=pk)
    try:
        analysis = pipeline.reanalyse(by=request.user, interview=interview, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A new analysis (version %(n)d) is being made; the earlier ones stay.") % {"n": analysis.version})
    return redirect("interviews:report", pk=interview.pk)


def _int(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
