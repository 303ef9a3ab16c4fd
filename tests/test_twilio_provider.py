"""Twilio through its real SDK (and `requests` for the recording's WAV) against a stub of its REST
API on 127.0.0.1: what the dialler asks for, what each kind of refusal or outage means for the
interview, how a recording is fetched by its SID, stored and deleted, and how a call is hung up.
The text message before a call is in tests/test_heads_up.py."""

import base64
import io
import time
import wave
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from aihm.tenancy import tenant_context
from consent import services as consent_services
from interviews import dialler, services, telephony
from interviews.models import (
    Answer, AnswerState, AttemptState, CallAttempt, CallOutcome, CallPolicy, Interview, InterviewState,
)
from interviews.tasks import fetch_recording_task
from interviews.telephony import _twilio_client
from tests import factories
from tests.interviews_support import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, WEBHOOK_BASE_URL, twilio_stub
from tests.stubs import StubResponse, StubServer

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

PHONE = "+212612345678"
CALL_SID = "CA" + "a1" * 16
RECORDING_SID = "RE" + "b2" * 16
ACCOUNT_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
# A Tuesday, 11:00 in Casablanca: inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"


def call_resource(sid=CALL_SID, status="queued"):
    """Twilio's answer to calls.create / calls(sid).update: the call resource."""
    return {
        "sid": sid, "account_sid": ACCOUNT_SID, "to": PHONE, "from": FROM_NUMBER, "status": status,
        "direction": "outbound-api", "api_version": "2010-04-01", "price": None,
        "date_created": "Tue, 10 Mar 2026 10:00:00 +0000", "uri": f"{ACCOUNT_PATH}/Calls/{sid}.json",
    }


def twilio_error(code, message, status):
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def pcm_wav(seconds=1, rate=8000):
    """A phone-rate PCM WAV, as Twilio serves a recording."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * rate * seconds)
    return buffer.getvalue()


def basic_auth():
    return "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


@pytest.fixture
def twilio_api(settings):
    settings.CALL_RING_SECONDS = 25
    with twilio_stub(settings) as stub:
        yield stub


@pytest.fixture
def candidate(twilio_api, tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Développeur Python", language="en")
        for order in range(3):
            factories.QuestionFactory(position=position, order=order, max_answer_seconds=60)
        candidate = factories.CandidateFactory(position=position, full_name="Zineb El Amrani", phone=PHONE)
        consent_services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="Agreed by phone on 3 March.")
        return candidate


def schedule(candidate, recruiter):
    """Schedule for now: the dialler is woken on commit and dials at once (Celery is eager)."""
    with tenant_context(candidate.tenant_id):
        return services.schedule_interview(by=recruiter, candidate=candidate)


def reload(interview):
    with tenant_context(interview.tenant_id):
        return Interview.objects.get(pk=interview.pk)


def attempts_of(interview):
    with tenant_context(interview.tenant_id):
        return list(CallAttempt.objects.filter(interview=interview).order_by("number"))


# --- calls.create -----------------------------------------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_dialler_creates_the_call_with_detection_limits_and_the_attempts_own_callbacks(twilio_api, candidate, recruiter_a):
    with tenant_context(candidate.tenant_id):
        CallPolicy.objects.create(call_time_limit_minutes=12)
    twilio_api.add(201, call_resource())

    interview = schedule(candidate, recruiter_a)

    [create] = twilio_api.requests
    assert (create.method, create.path) == ("POST", f"{ACCOUNT_PATH}/Calls.json")
    assert create.headers["authorization"] == basic_auth()
    [attempt] = attempts_of(interview)
    form = create.form()
    assert form == {
        "To": [PHONE],
        "From": [FROM_NUMBER],
        "Url": [WEBHOOK_BASE_URL + reverse("interviews:webhook_voice", args=[attempt.pk])],
        "Method": ["POST"],
        "MachineDetection": ["Enable"],
        "Timeout": ["25"],
        "TimeLimit": [str(12 * 60)],
        "StatusCallback": [WEBHOOK_BASE_URL + reverse("interviews:webhook_call_status", args=[attempt.pk])],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "StatusCallbackMethod": ["POST"],
    }
    assert attempt.call_sid == CALL_SID and attempt.state == AttemptState.DIALLING
    interview = reload(interview)
    assert interview.state == InterviewState.DIALLING and interview.attempts_made == 1


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_time_limit_defaults_to_the_policys_default_without_a_policy(twilio_api, candidate, recruiter_a):
    twilio_api.add(201, call_resource())

    schedule(candidate, recruiter_a)

    assert twilio_api.requests[0].form()["TimeLimit"] == [str(CallPolicy.DEFAULTS["call_time_limit_minutes"] * 60)]


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_an_invalid_number_fails_the_interview_for_good_with_a_readable_reason(twilio_api, candidate, recruiter_a):
    twilio_api.add(400, twilio_error(21211, f"The 'To' number {PHONE} is not a valid phone number.", 400))

    interview = reload(schedule(candidate, recruiter_a))

    assert interview.state == InterviewState.FAILED
    # In the language of the recruiter who scheduled it (French by default), as a task writes it.
    assert interview.failure_reason.startswith("Le numéro n’a pas pu être appelé :")
    assert "21211" in interview.failure_reason
    assert interview.next_call_at is None
    [attempt] = attempts_of(interview)
    assert attempt.state == AttemptState.ENDED and attempt.outcome == CallOutcome.FAILED
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        assert dialler.dial_due_interviews() == []
    assert len(twilio_api.requests) == 1


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_an_outage_puts_the_interview_back_without_counting_an_attempt(twilio_api, candidate, recruiter_a):
    twilio_api.add(503, twilio_error(20503, "Service Unavailable", 503))

    interview = reload(schedule(candidate, recruiter_a))

    assert interview.state == InterviewState.SCHEDULED
    assert interview.attempts_made == 0
    assert interview.next_call_at == timezone.now() + dialler.OUTAGE_RETRY
    [attempt] = attempts_of(interview)
    assert attempt.state == AttemptState.ENDED and attempt.outcome == CallOutcome.FAILED
    assert "503" in attempt.error

    twilio_api.add(201, call_resource())
    with time_machine.travel(interview.next_call_at + timedelta(seconds=1), tick=False):
        dialler.dial_due_interviews()
    interview = reload(interview)
    assert interview.state == InterviewState.DIALLING and interview.attempts_made == 1
    assert attempts_of(interview)[1].call_sid == CALL_SID


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_twilio_unreachable_before_sending_is_an_outage(settings, twilio_api, candidate, recruiter_a):
    with StubServer() as gone:
        closed_url = gone.url
    settings.TWILIO_API_BASE_URL = closed_url  # nothing listens there any more: connection refused
    _twilio_client.cache_clear()

    interview = reload(schedule(candidate, recruiter_a))

    assert interview.state == InterviewState.SCHEDULED and interview.attempts_made == 0
    assert attempts_of(interview)[0].outcome == CallOutcome.FAILED


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_timeout_after_sending_leaves_the_attempt_unknown_and_never_dials_twice(twilio_api, candidate, recruiter_a, monkeypatch):
    monkeypatch.setattr(telephony, "HTTP_TIMEOUT_SECONDS", 0.3)
    _twilio_client.cache_clear()  # the client captures the timeout when it is created

    def slow(request):
        time.sleep(1.2)
        return StubResponse(201, call_resource())

    twilio_api.add(slow)

    interview = reload(schedule(candidate, recruiter_a))

    [attempt] = attempts_of(interview)
    assert attempt.state == AttemptState.UNKNOWN and attempt.call_sid == ""
    assert "did not answer in time" in attempt.error
    assert interview.state == InterviewState.DIALLING and interview.attempts_made == 1
    for minutes in (5, 30, 180):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False):
            assert dialler.dial_due_interviews() == []
    assert len(twilio_api.requests) == 1


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_connection_dropped_after_sending_is_ambiguous_too(twilio_api, candidate, recruiter_a):
    def drop(request):
        raise ConnectionAbortedError("the stub closes the connection without answering")

    twilio_api.add(drop)

    interview = reload(schedule(candidate, recruiter_a))

    [attempt] = attempts_of(interview)
    assert attempt.state == AttemptState.UNKNOWN
    assert interview.state == InterviewState.DIALLING
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert dialler.dial_due_interviews() == []
    assert len(twilio_api.requests) == 1


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_an_answer_twilio_sends_but_nobody_can_read_is_ambiguous(twilio_api, candidate, recruiter_a):
    twilio_api.add(201, "<html>proxy error</html>")

    interview = reload(schedule(candidate, recruiter_a))

    [attempt] = attempts_of(interview)
    assert attempt.state == AttemptState.UNKNOWN
    assert "could not be read" in attempt.error
    assert interview.state == InterviewState.DIALLING
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert dialler.dial_due_interviews() == []
    assert len(twilio_api.requests) == 1


# --- Recordings -------------------------------------------------------------------------------


@pytest.fixture
def awaiting_answer(candidate):
    """A call over, its only answer waiting for its audio at Twilio."""
    with tenant_context(candidate.tenant_id):
        interview = factories.InterviewFactory(candidate=candidate, state=InterviewState.AWAITING_AUDIO, next_call_at=None)
        attempt = CallAttempt.objects.create(interview=interview, number=1, state=AttemptState.ENDED, call_sid=CALL_SID,
                                             outcome=CallOutcome.COMPLETED)
        return Answer.objects.create(interview=interview, attempt=attempt, question_index=0, question_id="q0",
                                     state=AnswerState.AWAITING_AUDIO, recording_sid=RECORDING_SID, duration_seconds=1)


def fetch(answer):
    fetch_recording_task.delay(str(answer.tenant_id), str(answer.pk))
    with tenant_context(answer.tenant_id):
        return Answer.objects.get(pk=answer.pk), Interview.objects.get(pk=answer.interview_id)


def test_a_recording_is_fetched_by_its_sid_stored_then_deleted_at_twilio(twilio_api, awaiting_answer):
    audio = pcm_wav(1)
    twilio_api.add(200, audio, headers={"content-type": "audio/x-wav"})
    twilio_api.add(204, b"")

    answer, interview = fetch(awaiting_answer)

    download, deletion = twilio_api.requests
    assert (download.method, download.path) == ("GET", f"{ACCOUNT_PATH}/Recordings/{RECORDING_SID}.wav")
    assert download.headers["authorization"] == basic_auth()
    assert (deletion.method, deletion.path) == ("DELETE", f"{ACCOUNT_PATH}/Recordings/{RECORDING_SID}.json")
    assert deletion.headers["authorization"] == basic_auth()
    assert answer.state == AnswerState.STORED
    assert answer.storage_key.startswith(f"tenants/{awaiting_answer.tenant_id}/recordings/")
    assert answer.size_bytes == len(audio) and answer.duration_seconds == 1
    with default_storage.open(answer.storage_key) as stored:
        assert stored.read() == audio
    assert interview.state == InterviewState.AUDIO_COMPLETE
    default_storage.delete(answer.storage_key)

    fetch(awaiting_answer)  # run twice: a stored answer is left as it is
    assert len(twilio_api.requests) == 2


def test_a_recording_twilio_does_not_have_leaves_the_answer_audio_missing(twilio_api, awaiting_answer):
    twilio_api.add(404, twilio_error(20404, "The requested resource was not found", 404))

    answer, interview = fetch(awaiting_answer)

    assert answer.state == AnswerState.AUDIO_MISSING
    assert answer.error == "The recording could not be fetched: Twilio has no such recording"
    assert answer.storage_key == ""
    assert interview.state == InterviewState.AUDIO_COMPLETE  # completes with the rest
    assert [r.method for r in twilio_api.requests] == ["GET"]


def test_a_page_instead_of_a_wav_is_not_stored(twilio_api, awaiting_answer):
    twilio_api.add(200, "<!doctype html><html><body>Log in to Twilio</body></html>", headers={"content-type": "text/html"})

    answer, _interview = fetch(awaiting_answer)

    assert answer.state == AnswerState.AUDIO_MISSING
    assert "not a WAV file" in answer.error
    assert answer.storage_key == "" and answer.checksum == ""


@pytest.mark.parametrize("recording_sid", [
    "RE" + "b2" * 15,  # too short
    "RE" + "b2" * 15 + "/x",  # a path
    "CA" + "b2" * 16,  # a call, not a recording
    "RE" + "b2" * 15 + "..",
    "https://evil.test/r.wav",
])
def test_a_recording_sid_that_is_not_one_is_never_sent_to_twilio(twilio_api, awaiting_answer, recording_sid):
    with tenant_context(awaiting_answer.tenant_id):
        Answer.objects.filter(pk=awaiting_answer.pk).update(recording_sid=recording_sid)
    twilio_api.always(200, pcm_wav(1), headers={"content-type": "audio/x-wav"})

    answer, _interview = fetch(awaiting_answer)

    assert answer.state == AnswerState.AUDIO_MISSING and "not a recording id" in answer.error
    with tenant_context(awaiting_answer.tenant_id):
        Answer.objects.filter(pk=awaiting_answer.pk).update(state=AnswerState.DISCARDED)
    fetch(awaiting_answer)  # a discarded take is deleted at the provider: not with this id
    assert twilio_api.requests == []


# --- Hanging up -------------------------------------------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_cancelling_an_interview_in_call_hangs_up_its_live_call(twilio_api, candidate, recruiter_a):
    with tenant_context(candidate.tenant_id):
        interview = factories.InterviewFactory(candidate=candidate, state=InterviewState.IN_CALL, attempts_made=2)
        CallAttempt.objects.create(interview=interview, number=1, state=AttemptState.ENDED, call_sid="CA" + "c3" * 16,
                                   outcome=CallOutcome.NO_ANSWER)
        CallAttempt.objects.create(interview=interview, number=2, state=AttemptState.IN_PROGRESS, call_sid=CALL_SID,
                                   answered_at=timezone.now())
    twilio_api.add(200, call_resource(status="completed"))

    with tenant_context(candidate.tenant_id):
        services.cancel_interview(by=recruiter_a, interview=interview)

    [hang_up] = twilio_api.requests
    assert (hang_up.method, hang_up.path) == ("POST", f"{ACCOUNT_PATH}/Calls/{CALL_SID}.json")
    assert hang_up.form() == {"Status": ["completed"]}
    assert hang_up.headers["authorization"] == basic_auth()
    assert reload(interview).state == InterviewState.CANCELLED


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_failed_hang_up_still_cancels_the_interview(twilio_api, candidate, recruiter_a):
    with tenant_context(candidate.tenant_id):
        interview = factories.InterviewFactory(candidate=candidate, state=InterviewState.IN_CALL, attempts_made=1)
        CallAttempt.objects.create(interview=interview, number=1, state=AttemptState.IN_PROGRESS, call_sid=CALL_SID)
    twilio_api.add(500, twilio_error(20500, "Internal Server Error", 500))

    with tenant_context(candidate.tenant_id):
        services.cancel_interview(by=recruiter_a, interview=interview)

    assert len(twilio_api.requests) == 1
    assert reload(interview).state == InterviewState.CANCELLED


def test_erasing_the_candidate_deletes_the_recordings_twilio_still_holds(twilio_api, awaiting_answer, recruiter_a, django_capture_on_commit_callbacks):
    from recruiting.services import erase_candidate

    twilio_api.add(204, b"")
    with tenant_context(awaiting_answer.tenant_id):
        candidate = Interview.objects.get(pk=awaiting_answer.interview_id).candidate
        with django_capture_on_commit_callbacks(execute=True):
            erase_candidate(by=recruiter_a, candidate=candidate)
        assert not Answer.objects.filter(pk=awaiting_answer.pk).exists()

    [deletion] = twilio_api.requests
    assert (deletion.method, deletion.path) == ("DELETE", f"{ACCOUNT_PATH}/Recordings/{RECORDING_SID}.json")
