"""The webhook matrix, through the real views with real Twilio signatures: the voice webhook, the
call status callback and the recording callback, each valid, unsigned, wrongly signed, replayed
with a changed value, as a GET, and for an unknown attempt; then duplicates, callbacks out of
order or late, a forged recording callback, and the Host header. Twilio's form bodies are below
as fixtures."""

import io
import uuid
import wave
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aihm.tenancy import bypassing_rls, tenant_context
from interviews import telephony
from interviews.models import (
    Answer, AnswerState, AttemptState, CallAttempt, CallOutcome, Interview, InterviewEvent, InterviewState, WebhookEvent,
)
from interviews.webhook_security import signature_for
from tests import factories
from tests.interviews_support import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, WEBHOOK_BASE_URL, twilio_stub
from tests.stubs import StubServer

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

PHONE_A, PHONE_B = "+212612345678", "+33612345678"
CALL_SID_A, CALL_SID_B = "CA" + "a1" * 16, "CA" + "b1" * 16
RECORDING_SID = "RE" + "c2" * 16
OTHER_RECORDING_SID = "RE" + "d3" * 16
# A Tuesday, 11:00 in Casablanca: inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
SIGNED = object()


# --- Twilio's form bodies ---------------------------------------------------------------------


def status_body(status, call_sid=CALL_SID_A, to=PHONE_A, **extra):
    body = {
        "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "CallSid": call_sid, "CallStatus": status,
        "Called": to, "Caller": FROM_NUMBER, "Direction": "outbound-api", "From": FROM_NUMBER, "To": to,
        "CallbackSource": "call-progress-events", "SequenceNumber": "0", "Timestamp": "Tue, 10 Mar 2026 10:00:05 +0000",
    }
    if status in ("completed", "busy", "no-answer", "failed", "canceled"):
        body.update({"CallDuration": "0", "Duration": "0"})
    return {**body, **extra}


def voice_body(call_sid=CALL_SID_A, to=PHONE_A, answered_by="human"):
    return {
        "AccountSid": ACCOUNT_SID, "AnsweredBy": answered_by, "ApiVersion": "2010-04-01", "CallSid": call_sid,
        "CallStatus": "in-progress", "Called": to, "Caller": FROM_NUMBER, "Direction": "outbound-api",
        "From": FROM_NUMBER, "MachineDetectionDuration": "2150", "To": to,
    }


def recording_body(recording_sid=RECORDING_SID, call_sid=CALL_SID_A, recording_url=None):
    return {
        "AccountSid": ACCOUNT_SID, "CallSid": call_sid, "ErrorCode": "0", "RecordingChannels": "1",
        "RecordingDuration": "14", "RecordingSid": recording_sid, "RecordingSource": "RecordVerb",
        "RecordingStartTime": "Tue, 10 Mar 2026 10:01:12 +0000", "RecordingStatus": "completed",
        "RecordingUrl": recording_url or f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}",
    }


# --- Fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def twilio_api(settings):
    with twilio_stub(settings) as stub:
        yield stub


def pcm_wav(seconds=1, rate=8000):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * rate * seconds)
    return buffer.getvalue()


def live_attempt(tenant, phone, call_sid, *, attempt_state=AttemptState.DIALLING, interview_state=InterviewState.DIALLING):
    """An interview being dialled (its first attempt), built directly inside its tenant."""
    with tenant_context(tenant.pk):
        candidate = factories.CandidateFactory(phone=phone, position=factories.PositionFactory(language="fr"))
        interview = factories.InterviewFactory(candidate=candidate, state=interview_state, attempts_made=1)
        return CallAttempt.objects.create(interview=interview, number=1, state=attempt_state, call_sid=call_sid)


@pytest.fixture
def attempt(twilio_api, tenant_a):
    return live_attempt(tenant_a, PHONE_A, CALL_SID_A)


def path_of(name, attempt_id, *args, **query):
    path = reverse(name, args=[attempt_id, *args])
    return f"{path}?{urlencode(query)}" if query else path


def post(path, params, *, signature=SIGNED, **extra):
    """POST as Twilio would: signed over the public URL (TWILIO_WEBHOOK_BASE_URL + path)."""
    if signature is SIGNED:
        signature = signature_for(WEBHOOK_BASE_URL + path, params, telephony.auth_token())
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return Client().post(path, params, **headers, **extra)


def snapshot(attempt):
    """Everything a callback could change for this attempt, its interview and their answers."""
    with tenant_context(attempt.tenant_id):
        return (
            CallAttempt.objects.filter(pk=attempt.pk).values(
                "state", "outcome", "call_sid", "answered_by", "answered_at", "ended_at", "duration_seconds").get(),
            Interview.objects.filter(pk=attempt.interview_id).values("state", "next_call_at", "attempts_made", "ended_at").get(),
            list(Answer.objects.filter(attempt_id=attempt.pk).order_by("question_index", "take").values_list(
                "question_index", "take", "state", "recording_sid", "storage_key")),
            InterviewEvent.objects.filter(interview_id=attempt.interview_id).count(),
        )


def webhook_events(attempt):
    with tenant_context(attempt.tenant_id):
        return list(WebhookEvent.objects.filter(attempt_id=attempt.pk).order_by("id").values_list("kind", "key"))


# The three webhooks of the matrix: the path of an attempt's webhook, and Twilio's body.
WEBHOOKS = {
    "voice": (lambda attempt_id: path_of("interviews:webhook_voice", attempt_id), voice_body),
    "call_status": (lambda attempt_id: path_of("interviews:webhook_call_status", attempt_id), lambda: status_body("completed")),
    "recording": (lambda attempt_id: path_of("interviews:webhook_recording", attempt_id, 0, take=1), recording_body),
}


# --- The matrix: signatures, method, unknown attempt ------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_signed_voice_webhook_is_answered_and_applied(attempt):
    response = post(path_of("interviews:webhook_voice", attempt.pk), voice_body())

    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert b"<Gather" in response.content
    state, interview, _answers, _events = snapshot(attempt)
    assert state["state"] == AttemptState.IN_PROGRESS and state["answered_by"] == "human"
    assert state["answered_at"] == timezone.now()
    assert interview["state"] == InterviewState.IN_CALL


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_signed_final_status_ends_the_attempt_and_the_dialler_decides(attempt):
    response = post(path_of("interviews:webhook_call_status", attempt.pk), status_body("completed"))

    assert response.status_code == 204
    state, interview, _answers, _events = snapshot(attempt)
    assert state["state"] == AttemptState.ENDED and state["outcome"] == CallOutcome.NO_ANSWER
    assert state["duration_seconds"] == 0
    assert interview["state"] == InterviewState.SCHEDULED and interview["next_call_at"] > timezone.now()
    assert webhook_events(attempt) == [("status", "completed")]


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_signed_recording_callback_fetches_the_recording_by_its_sid(twilio_api, attempt):
    twilio_api.add(200, pcm_wav(1), headers={"content-type": "audio/x-wav"})
    twilio_api.add(204, b"")

    response = post(path_of("interviews:webhook_recording", attempt.pk, 0, take=1), recording_body())

    assert response.status_code == 204
    [(index, take, state, recording_sid, storage_key)] = snapshot(attempt)[2]
    assert (index, take, state, recording_sid) == (0, 1, AnswerState.STORED, RECORDING_SID)
    assert storage_key.startswith(f"tenants/{attempt.tenant_id}/recordings/")
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in twilio_api.requests] == [
        ("GET", f"{RECORDING_SID}.wav"), ("DELETE", f"{RECORDING_SID}.json")]


def _other_params(params):
    """The same callback replayed with one value changed."""
    if "RecordingSid" in params:
        return {**params, "RecordingSid": OTHER_RECORDING_SID}
    if "AnsweredBy" in params:
        return {**params, "AnsweredBy": "machine_start"}
    return {**params, "CallStatus": "busy"}


@pytest.mark.parametrize("webhook", WEBHOOKS)
@pytest.mark.parametrize("forgery", ["missing", "empty", "wrong", "other_token", "other_params", "other_attempt"])
@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_callback_not_signed_for_exactly_this_request_is_refused_and_changes_nothing(twilio_api, attempt, tenant_a, webhook, forgery):
    path_for, body = WEBHOOKS[webhook]
    path, params = path_for(attempt.pk), body()
    other = live_attempt(tenant_a, PHONE_B, CALL_SID_B)
    before = snapshot(attempt)
    signature = {
        "missing": None,
        "empty": "",
        "wrong": "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "other_token": signature_for(WEBHOOK_BASE_URL + path, params, "another-account-token"),
        "other_params": signature_for(WEBHOOK_BASE_URL + path, params, AUTH_TOKEN),
        "other_attempt": signature_for(WEBHOOK_BASE_URL + path_for(other.pk), params, AUTH_TOKEN),
    }[forgery]
    sent = _other_params(params) if forgery == "other_params" else params

    response = post(path, sent, signature=signature)

    assert response.status_code == 403
    assert response.content == b""
    assert snapshot(attempt) == before
    assert webhook_events(attempt) == []
    assert twilio_api.requests == []


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_a_get_is_405_and_changes_nothing(twilio_api, attempt, webhook):
    path_for, body = WEBHOOKS[webhook]
    path, params = path_for(attempt.pk), body()
    before = snapshot(attempt)
    query = f"{path}{'&' if '?' in path else '?'}{urlencode(params)}"

    response = Client().get(query, HTTP_X_TWILIO_SIGNATURE=signature_for(WEBHOOK_BASE_URL + query, {}, AUTH_TOKEN))

    assert response.status_code == 405
    assert snapshot(attempt) == before and webhook_events(attempt) == []


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_a_signed_callback_for_an_unknown_attempt_is_acknowledged_and_does_nothing(twilio_api, attempt, webhook):
    path_for, body = WEBHOOKS[webhook]
    before = snapshot(attempt)

    response = post(path_for(uuid.uuid4()), body())

    if webhook == "voice":
        assert response.status_code == 200 and b"<Hangup" in response.content
    else:
        assert response.status_code == 204
    assert snapshot(attempt) == before
    assert bypassing_rls(WebhookEvent).count() == 0 and bypassing_rls(Answer).count() == 0
    assert twilio_api.requests == []


# --- Duplicates, out of order, late -----------------------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_duplicate_status_callback_changes_nothing_the_second_time(attempt):
    path = path_of("interviews:webhook_call_status", attempt.pk)
    assert post(path, status_body("busy")).status_code == 204
    first = snapshot(attempt)
    assert first[0]["outcome"] == CallOutcome.BUSY and first[1]["state"] == InterviewState.SCHEDULED

    with time_machine.travel(timezone.now() + timedelta(seconds=40), tick=False):  # Twilio's retry
        assert post(path, status_body("busy")).status_code == 204

    assert snapshot(attempt) == first
    assert webhook_events(attempt) == [("status", "busy")]


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_ringing_after_completed_changes_nothing(attempt):
    path = path_of("interviews:webhook_call_status", attempt.pk)
    post(path, status_body("completed"))
    ended = snapshot(attempt)

    assert post(path, status_body("ringing")).status_code == 204
    assert post(path, status_body("initiated")).status_code == 204

    assert snapshot(attempt) == ended
    assert ended[0]["state"] == AttemptState.ENDED


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_ringing_after_the_call_was_answered_does_not_move_the_attempt_back(attempt):
    post(path_of("interviews:webhook_voice", attempt.pk), voice_body())
    answered = snapshot(attempt)

    post(path_of("interviews:webhook_call_status", attempt.pk), status_body("ringing"))

    assert snapshot(attempt) == answered and answered[0]["state"] == AttemptState.IN_PROGRESS


@pytest.mark.parametrize("late", ["completed", "no-answer", "failed"])
@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_late_final_status_for_an_ended_attempt_changes_nothing(attempt, late):
    path = path_of("interviews:webhook_call_status", attempt.pk)
    post(path, status_body("busy"))
    ended = snapshot(attempt)

    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert post(path, status_body(late, CallDuration="31")).status_code == 204

    assert snapshot(attempt) == ended
    assert ended[0]["outcome"] == CallOutcome.BUSY


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_voice_webhook_for_an_ended_attempt_hangs_up_and_changes_nothing(attempt):
    post(path_of("interviews:webhook_call_status", attempt.pk), status_body("no-answer"))
    ended = snapshot(attempt)

    response = post(path_of("interviews:webhook_voice", attempt.pk), voice_body())

    assert response.status_code == 200 and b"<Hangup" in response.content and b"<Gather" not in response.content
    assert snapshot(attempt) == ended


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_status_callback_names_the_call_of_an_attempt_whose_dial_timed_out(twilio_api, tenant_a):
    unknown = live_attempt(tenant_a, PHONE_A, "", attempt_state=AttemptState.UNKNOWN)

    post(path_of("interviews:webhook_call_status", unknown.pk), status_body("ringing"))

    state = snapshot(unknown)[0]
    assert state["call_sid"] == CALL_SID_A and state["state"] == AttemptState.RINGING


# --- Recordings: forged, or for another recording ---------------------------------------------


@pytest.fixture
def thief():
    with StubServer() as stub:
        stub.always(200, pcm_wav(1), headers={"content-type": "audio/x-wav"})
        yield stub


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_forged_recording_callback_touches_only_its_attempts_tenant_and_never_fetches_its_url(
        twilio_api, thief, tenant_a, tenant_b):
    mine = live_attempt(tenant_a, PHONE_A, CALL_SID_A, attempt_state=AttemptState.IN_PROGRESS, interview_state=InterviewState.IN_CALL)
    theirs = live_attempt(tenant_b, PHONE_B, CALL_SID_B, attempt_state=AttemptState.IN_PROGRESS, interview_state=InterviewState.IN_CALL)
    mine_before = snapshot(mine)
    twilio_api.add(200, pcm_wav(1), headers={"content-type": "audio/x-wav"})
    twilio_api.add(204, b"")
    # Signed correctly, for tenant B's attempt, but naming tenant A's call and a URL to "fetch".
    body = recording_body(call_sid=CALL_SID_A, recording_url=f"{thief.url}/steal")

    response = post(path_of("interviews:webhook_recording", theirs.pk, 0, take=1), body)

    assert response.status_code == 204
    assert thief.requests == []
    assert snapshot(mine) == mine_before and webhook_events(mine) == []
    with tenant_context(tenant_b.pk):
        [answer] = Answer.objects.filter(attempt_id=theirs.pk)
        assert answer.tenant_id == tenant_b.pk and answer.interview_id == theirs.interview_id
        assert answer.state == AnswerState.STORED and answer.storage_key.startswith(f"tenants/{tenant_b.pk}/")
    with tenant_context(tenant_a.pk):
        assert not Answer.objects.exists()
    assert [r.path.rsplit("/", 1)[-1] for r in twilio_api.requests] == [f"{RECORDING_SID}.wav", f"{RECORDING_SID}.json"]


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_recording_callback_naming_another_tenants_recording_takes_nothing_from_it(twilio_api, thief, tenant_a, tenant_b):
    mine = live_attempt(tenant_a, PHONE_A, CALL_SID_A, attempt_state=AttemptState.IN_PROGRESS, interview_state=InterviewState.IN_CALL)
    with tenant_context(tenant_a.pk):
        Answer.objects.create(interview_id=mine.interview_id, attempt=mine, question_index=0, question_id="q0",
                              state=AnswerState.AWAITING_AUDIO, recording_sid=RECORDING_SID)
    theirs = live_attempt(tenant_b, PHONE_B, CALL_SID_B, attempt_state=AttemptState.IN_PROGRESS, interview_state=InterviewState.IN_CALL)
    mine_before = snapshot(mine)

    response = post(path_of("interviews:webhook_recording", theirs.pk, 0, take=1),
                    recording_body(RECORDING_SID, call_sid=CALL_SID_B, recording_url=f"{thief.url}/steal"))

    assert response.status_code == 204
    assert snapshot(mine) == mine_before
    with tenant_context(tenant_b.pk):
        assert not Answer.objects.filter(recording_sid=RECORDING_SID).exists()
        assert not Answer.objects.filter(state__in=(AnswerState.STORED, AnswerState.AWAITING_AUDIO)).exists()
    assert thief.requests == [] and twilio_api.requests == []


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_an_answer_naming_another_tenants_recording_is_not_given_it_and_the_question_is_asked_again(twilio_api, tenant_a, tenant_b):
    mine = live_attempt(tenant_a, PHONE_A, CALL_SID_A, attempt_state=AttemptState.IN_PROGRESS, interview_state=InterviewState.IN_CALL)
    with tenant_context(tenant_a.pk):
        Answer.objects.create(interview_id=mine.interview_id, attempt=mine, question_index=0, question_id="q0",
                              state=AnswerState.AWAITING_AUDIO, recording_sid=RECORDING_SID)
    theirs = live_attempt(tenant_b, PHONE_B, CALL_SID_B, attempt_state=AttemptState.IN_PROGRESS, interview_state=InterviewState.IN_CALL)
    mine_before = snapshot(mine)
    # The <Record> action, as Twilio posts it, naming tenant A's recording.
    body = {**voice_body(CALL_SID_B, PHONE_B), "Digits": "#", "RecordingDuration": "14", "RecordingSid": RECORDING_SID,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"}

    response = post(path_of("interviews:webhook_answer", theirs.pk, 0, take=1), body)

    assert response.status_code == 200 and b"<Record" in response.content
    assert snapshot(mine) == mine_before
    assert snapshot(theirs)[2] == [(0, 1, AnswerState.DISCARDED, "", "")]
    assert twilio_api.requests == []


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_recording_callback_for_another_recording_than_the_answers_stores_nothing(twilio_api, tenant_a):
    attempt = live_attempt(tenant_a, PHONE_A, CALL_SID_A, attempt_state=AttemptState.IN_PROGRESS, interview_state=InterviewState.IN_CALL)
    with tenant_context(tenant_a.pk):
        Answer.objects.create(interview_id=attempt.interview_id, attempt=attempt, question_index=0, question_id="q0",
                              state=AnswerState.AWAITING_AUDIO, recording_sid=RECORDING_SID)
    before = snapshot(attempt)

    response = post(path_of("interviews:webhook_recording", attempt.pk, 0, take=1), recording_body(OTHER_RECORDING_SID))

    assert response.status_code == 204
    assert snapshot(attempt) == before
    assert twilio_api.requests == []


# --- The Host header --------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["testserver", "127.0.0.1:8000", "localhost"])
@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_signature_is_over_the_configured_public_url_whatever_the_host_header(attempt, host):
    path = path_of("interviews:webhook_call_status", attempt.pk)

    as_seen_by_django = f"http://{host}{path}"
    refused = post(path, status_body("ringing"), signature=signature_for(as_seen_by_django, status_body("ringing"), AUTH_TOKEN),
                   HTTP_HOST=host)
    accepted = post(path, status_body("ringing"), HTTP_HOST=host)

    assert refused.status_code == 403
    assert accepted.status_code == 204
    assert snapshot(attempt)[0]["state"] == AttemptState.RINGING
