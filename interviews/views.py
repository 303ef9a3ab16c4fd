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
from django.views.decorators.http import require_GET, require_POST

from accounts.views import member_required, writer_required
from aihm.errors import DomainError
from consent.calling_hours import zone
from interviews import selectors, services, telephony
from interviews.models import DUE_STATES, Interview
from recruiting.models import Candidate


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
