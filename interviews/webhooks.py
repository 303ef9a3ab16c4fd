"""Twilio's webhooks (and the simulator's, signed the same way). In order: the signature over
the public URL (403 and nothing changed when it fails); the attempt named by the unguessable id
in the URL (one cross-tenant read; unknown: 200 and nothing done, so that the provider stops
retrying); its tenant entered; then one function of `interviews.calls`, which answers fast."""

from django.http import HttpResponse
from django.urls import path
from django.utils import translation

from aihm.tenancy import bypassing_rls, tenant_context
from consent import callback_codes
from interviews import calls, inbound, telephony, twiml
from interviews.models import CallAttempt, CallDirection
from interviews.states import recruiter_language
from interviews.messaging import message_status
from interviews.webhook_security import twilio_webhook

TWIML = "text/xml"


def _tenant_of(attempt_id):
    row = bypassing_rls(CallAttempt).filter(pk=attempt_id).values_list("tenant_id", flat=True).first()
    return str(row) if row else None


def _attempt(attempt_id):
    return CallAttempt.objects.select_related("interview", "interview__script", "interview__candidate",
                                              "interview__candidate__position").filter(pk=attempt_id).first()


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _in_attempt(tenant_id, attempt_id, step):
    """`step(attempt)` inside the attempt's tenant, in its recruiter's language; None when the
    attempt is not there."""
    with tenant_context(tenant_id):
        attempt = _attempt(attempt_id)
        if attempt is None:
            return None
        with translation.override(recruiter_language(attempt.interview_id)):
            return step(attempt)


def attempt_webhook(*, answers_twiml):
    """A webhook of one attempt: the view gets the attempt, inside its tenant."""

    def decorator(view):
        @twilio_webhook(telephony.auth_token)
        def wrapper(request, attempt_id, *args, **kwargs):
            tenant_id = _tenant_of(attempt_id)
            result = None
            if tenant_id is not None:
                result = _in_attempt(tenant_id, attempt_id, lambda attempt: view(request, attempt, *args, **kwargs))
            if not answers_twiml:
                return HttpResponse(status=204)
            return HttpResponse(twiml.hangup() if result is None else result, content_type=TWIML)

        return wrapper

    return decorator


@attempt_webhook(answers_twiml=True)
def voice(request, attempt):
    return calls.answered(attempt, answered_by=request.POST.get("AnsweredBy", "human"))


@attempt_webhook(answers_twiml=True)
def language(request, attempt):
    return calls.language_chosen(attempt, digits=request.POST.get("Digits", ""), default=request.GET.get(twiml.LANGUAGE_PARAM, ""))


@attempt_webhook(answers_twiml=True)
def confirm(request, attempt):
    return calls.confirmed(
        attempt, digits=request.POST.get("Digits", ""), speech=request.POST.get("SpeechResult", ""),
        no_input=request.GET.get(twiml.NO_INPUT_PARAM) == "1", tries=_int(request.GET.get("tries"), 1),
    )


@attempt_webhook(answers_twiml=True)
def callback(request, attempt):
    return calls.callback_chosen(attempt, digits=request.POST.get("Digits", ""))


@attempt_webhook(answers_twiml=True)
def answer(request, attempt, index):
    no_input = request.GET.get(twiml.NO_INPUT_PARAM) == "1"
    return calls.recorded(
        attempt, index=index, take=_int(request.GET.get("take"), 1),
        recording_sid="" if no_input else request.POST.get("RecordingSid", ""),
        duration=_int(request.POST.get("RecordingDuration")), digits=request.POST.get("Digits", ""), no_input=no_input,
    )


@attempt_webhook(answers_twiml=False)
def recording(request, attempt, index):
    calls.recording_status(
        attempt, index=index, take=_int(request.GET.get("take"), 1), recording_sid=request.POST.get("RecordingSid", ""),
        status=request.POST.get("RecordingStatus", ""), duration=_int(request.POST.get("RecordingDuration")),
    )


@attempt_webhook(answers_twiml=False)
def call_status(request, attempt):
    calls.call_status(
        attempt, status=request.POST.get("CallStatus", ""), duration=_int(request.POST.get("CallDuration")),
        call_sid=request.POST.get("CallSid", ""),
    )


# --- The candidate calls back (the number's own webhooks: no attempt in the URL) ---------------


@twilio_webhook(telephony.auth_token)
def inbound_voice(request):
    return HttpResponse(inbound.greeting(request.POST.get("From", "")), content_type=TWIML)


@twilio_webhook(telephony.auth_token)
def inbound_code(request):
    """The code the caller entered: with their number, it names a candidate (one cross-tenant
    read in `callback_codes`), whose waiting interview becomes this call's attempt."""
    caller, call_sid = request.POST.get("From", ""), request.POST.get("CallSid", "")
    tries = _int(request.GET.get("tries"), 1)
    digits = "" if request.GET.get(twiml.NO_INPUT_PARAM) == "1" else request.POST.get("Digits", "")
    match = callback_codes.matching_candidate(caller, digits) if digits and call_sid else None
    if match is None:
        return HttpResponse(inbound.wrong_code(caller, tries), content_type=TWIML)
    tenant_id, candidate_id = match
    with tenant_context(tenant_id):
        attempt = inbound.start_attempt(candidate_id, call_sid)
    if attempt is None:
        return HttpResponse(inbound.nothing_to_resume(), content_type=TWIML)
    result = _in_attempt(tenant_id, attempt.pk, lambda found: calls.answered(found, answered_by="human"))
    return HttpResponse(result or twiml.hangup(), content_type=TWIML)


@twilio_webhook(telephony.auth_token)
def inbound_status(request):
    """An inbound call's progress: the number's one status URL; the attempt is found by the
    call's SID (none before the code named it: nothing to do)."""
    call_sid = request.POST.get("CallSid", "")
    row = bypassing_rls(CallAttempt).filter(call_sid=call_sid, direction=CallDirection.INBOUND).values_list(
        "pk", "tenant_id").first() if call_sid else None
    if row is not None:
        _in_attempt(str(row[1]), row[0], lambda attempt: calls.call_status(
            attempt, status=request.POST.get("CallStatus", ""), duration=_int(request.POST.get("CallDuration")), call_sid=call_sid,
        ))
    return HttpResponse(status=204)


urlpatterns = [
    path("inbound/voice", inbound_voice, name="webhook_inbound_voice"),
    path("inbound/code", inbound_code, name="webhook_inbound_code"),
    path("inbound/status", inbound_status, name="webhook_inbound_status"),
    path("attempts/<uuid:attempt_id>/language", language, name="webhook_language"),
    path("attempts/<uuid:attempt_id>/voice", voice, name="webhook_voice"),
    path("attempts/<uuid:attempt_id>/confirm", confirm, name="webhook_confirm"),
    path("attempts/<uuid:attempt_id>/callback", callback, name="webhook_callback"),
    path("attempts/<uuid:attempt_id>/questions/<int:index>/answer", answer, name="webhook_answer"),
    path("attempts/<uuid:attempt_id>/questions/<int:index>/recording", recording, name="webhook_recording"),
    path("attempts/<uuid:attempt_id>/status", call_status, name="webhook_call_status"),
    path("messages/<uuid:heads_up_id>/status", message_status, name="webhook_message_status"),
]
