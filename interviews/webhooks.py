"""Twilio's webhooks (and the simulator's, signed the same way). In order: the signature over
the public URL (403 and nothing changed when it fails); the attempt named by the unguessable id
in the URL (one cross-tenant read; unknown: 200 and nothing done, so that the provider stops
retrying); its tenant entered; then one function of `interviews.calls`, which answers fast."""

from django.http import HttpResponse
from django.urls import path
from django.utils import translation

from aihm.tenancy import bypassing_rls, tenant_context
from interviews import calls, telephony, twiml
from interviews.models import CallAttempt
from interviews.states import recruiter_language
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


def attempt_webhook(*, answers_twiml):
    """A webhook of one attempt: the view gets the attempt, inside its tenant."""

    def decorator(view):
        @twilio_webhook(telephony.auth_token)
        def wrapper(request, attempt_id, *args, **kwargs):
            tenant_id = _tenant_of(attempt_id)
            if tenant_id is None:
                return HttpResponse(twiml.hangup(), content_type=TWIML) if answers_twiml else HttpResponse(status=204)
            with tenant_context(tenant_id):
                attempt = _attempt(attempt_id)
                if attempt is None:
                    return HttpResponse(status=204)
                with translation.override(recruiter_language(attempt.interview_id)):
                    result = view(request, attempt, *args, **kwargs)
            return HttpResponse(result, content_type=TWIML) if answers_twiml else HttpResponse(status=204)

        return wrapper

    return decorator


@attempt_webhook(answers_twiml=True)
def voice(request, attempt):
    return calls.answered(attempt, answered_by=request.POST.get("AnsweredBy", "human"))


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


urlpatterns = [
    path("attempts/<uuid:attempt_id>/voice", voice, name="webhook_voice"),
    path("attempts/<uuid:attempt_id>/confirm", confirm, name="webhook_confirm"),
    path("attempts/<uuid:attempt_id>/callback", callback, name="webhook_callback"),
    path("attempts/<uuid:attempt_id>/questions/<int:index>/answer", answer, name="webhook_answer"),
    path("attempts/<uuid:attempt_id>/questions/<int:index>/recording", recording, name="webhook_recording"),
    path("attempts/<uuid:attempt_id>/status", call_status, name="webhook_call_status"),
]
