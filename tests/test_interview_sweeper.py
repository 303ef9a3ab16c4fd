"""The sweeper of stuck attempts (a worker killed mid-call, a final callback never delivered):
attempts still live past their company's call time limit + 10 minutes are settled; an ambiguous
dial is first looked up at Twilio (the real SDK against a stub on 127.0.0.1)."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from aihm.tenancy import tenant_context
from interviews import dialler
from interviews.models import (
    Answer, AnswerState, AttemptState, CallAttempt, CallOutcome, CallPolicy, Interview, InterviewEvent, InterviewState,
)
from interviews.tasks import reconcile_stuck_attempts as reconcile_task
from tests import factories
from tests.interviews_support import ACCOUNT_SID, twilio_stub

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

ACCOUNT_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
PHONE_A, PHONE_B = "+212612345678", "+33612345678"
CALL_SID, OTHER_CALL_SID = "CA" + "a1" * 16, "CA" + "b1" * 16
# A Tuesday, 11:00 in Casablanca: inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
DIALLED_AT = datetime.fromisoformat(WEEKDAY_MORNING)
# The default time limit (15 minutes) + 10 minutes, and a little more.
PAST_DEFAULT_LIMIT = DIALLED_AT + timedelta(minutes=26)


@pytest.fixture
def twilio_api(settings):
    with twilio_stub(settings) as stub:
        yield stub


def calls_page(*calls):
    """Twilio's answer to calls.list: one page of call resources."""
    return {
        "calls": [{"sid": sid, "account_sid": ACCOUNT_SID, "to": PHONE_A, "status": status} for sid, status in calls],
        "end": max(len(calls) - 1, 0), "first_page_uri": f"{ACCOUNT_PATH}/Calls.json?PageSize=20&Page=0",
        "next_page_uri": None, "page": 0, "page_size": 20, "previous_page_uri": None, "start": 0,
        "uri": f"{ACCOUNT_PATH}/Calls.json?PageSize=20&Page=0",
    }


@time_machine.travel(DIALLED_AT, tick=False)
def stuck_attempt(tenant, *, state, phone=PHONE_A, call_sid="", answered=False, outcome="", attempts_made=1, answers=0):
    """An attempt started at DIALLED_AT that no callback will ever end."""
    with tenant_context(tenant.pk):
        candidate = factories.CandidateFactory(phone=phone, position=factories.PositionFactory(language="fr"))
        interview_state = InterviewState.IN_CALL if answered else InterviewState.DIALLING
        interview = factories.InterviewFactory(candidate=candidate, state=interview_state, attempts_made=attempts_made)
        attempt = CallAttempt.objects.create(
            interview=interview, number=1, state=state, call_sid=call_sid, outcome=outcome,
            answered_at=timezone.now() if answered else None, answered_by="human" if answered else "",
        )
        for index in range(answers):
            Answer.objects.create(interview=interview, attempt=attempt, question_index=index, question_id=f"q{index}",
                                  state=AnswerState.STORED, storage_key=f"tenants/{tenant.pk}/recordings/x{index}.wav")
        return attempt


def sweep(at=PAST_DEFAULT_LIMIT):
    with time_machine.travel(at, tick=False):
        return dialler.reconcile_stuck_attempts()


def state_of(attempt):
    with tenant_context(attempt.tenant_id):
        return CallAttempt.objects.get(pk=attempt.pk), Interview.objects.get(pk=attempt.interview_id)


def test_a_call_whose_worker_died_mid_call_ends_as_dropped_and_resumes_later(twilio_api, tenant_a):
    attempt = stuck_attempt(tenant_a, state=AttemptState.IN_PROGRESS, call_sid=CALL_SID, answered=True, answers=1)

    assert sweep() == [attempt.pk]

    attempt, interview = state_of(attempt)
    assert attempt.state == AttemptState.ENDED and attempt.outcome == CallOutcome.DROPPED
    assert attempt.ended_at == PAST_DEFAULT_LIMIT and "sweeper" in attempt.error
    assert interview.state == InterviewState.PARTIAL
    assert interview.next_call_at == PAST_DEFAULT_LIMIT + timedelta(minutes=120)
    assert twilio_api.requests == []  # a known call is not looked up: its time limit has ended it

    assert sweep(PAST_DEFAULT_LIMIT + timedelta(minutes=5)) == []  # run twice: nothing more
    assert state_of(attempt)[1].next_call_at == interview.next_call_at


@pytest.mark.parametrize("state", [AttemptState.CREATED, AttemptState.DIALLING, AttemptState.RINGING])
def test_a_call_never_answered_and_never_reported_ends_unanswered(twilio_api, tenant_a, state):
    attempt = stuck_attempt(tenant_a, state=state, call_sid=CALL_SID if state == AttemptState.RINGING else "")

    sweep()

    attempt, interview = state_of(attempt)
    assert attempt.outcome == CallOutcome.NO_ANSWER
    assert interview.state == InterviewState.SCHEDULED and interview.attempts_made == 1


def test_the_last_allowed_attempt_stuck_makes_the_candidate_unreachable(twilio_api, tenant_a):
    attempt = stuck_attempt(tenant_a, state=AttemptState.DIALLING, attempts_made=3)

    sweep()

    interview = state_of(attempt)[1]
    assert interview.state == InterviewState.UNREACHABLE and "3 tentatives" in interview.failure_reason  # the recruiter's language


def test_an_outcome_the_call_settled_is_kept(twilio_api, tenant_a):
    """The closing words were said, then the worker died before the final callback."""
    attempt = stuck_attempt(tenant_a, state=AttemptState.IN_PROGRESS, call_sid=CALL_SID, answered=True,
                            outcome=CallOutcome.COMPLETED, answers=3)

    sweep()

    attempt, interview = state_of(attempt)
    assert attempt.outcome == CallOutcome.COMPLETED
    assert interview.state == InterviewState.AUDIO_COMPLETE


def test_attempts_inside_their_time_limit_are_left_alone(twilio_api, tenant_a, tenant_b):
    default_limit = stuck_attempt(tenant_a, state=AttemptState.IN_PROGRESS, call_sid=CALL_SID, answered=True)
    with tenant_context(tenant_b.pk):
        CallPolicy.objects.create(call_time_limit_minutes=30)
    long_calls = stuck_attempt(tenant_b, state=AttemptState.IN_PROGRESS, phone=PHONE_B, call_sid=OTHER_CALL_SID, answered=True)

    assert sweep(DIALLED_AT + timedelta(minutes=24)) == []
    assert sweep(DIALLED_AT + timedelta(minutes=26)) == [default_limit.pk]
    assert sweep(DIALLED_AT + timedelta(minutes=39)) == []
    assert sweep(DIALLED_AT + timedelta(minutes=41)) == [long_calls.pk]
    assert state_of(long_calls)[0].state == AttemptState.ENDED


def test_an_ambiguous_dial_twilio_made_is_settled_by_the_calls_final_status(twilio_api, tenant_a):
    attempt = stuck_attempt(tenant_a, state=AttemptState.UNKNOWN)
    twilio_api.add(200, calls_page((CALL_SID, "busy")))

    assert sweep() == [attempt.pk]

    [lookup] = twilio_api.requests
    assert lookup.method == "GET" and urlsplit(lookup.path).path == f"{ACCOUNT_PATH}/Calls.json"
    assert parse_qs(urlsplit(lookup.path).query) == {
        "To": [PHONE_A], "StartTime>": ["2026-03-10T10:00:00Z"], "PageSize": ["20"]}
    attempt, interview = state_of(attempt)
    assert attempt.call_sid == CALL_SID and attempt.outcome == CallOutcome.BUSY
    assert interview.state == InterviewState.SCHEDULED
    assert interview.next_call_at == PAST_DEFAULT_LIMIT + timedelta(minutes=20)


def test_an_ambiguous_dial_whose_call_still_runs_gets_its_sid_and_waits_for_its_callback(twilio_api, tenant_a):
    attempt = stuck_attempt(tenant_a, state=AttemptState.UNKNOWN)
    twilio_api.add(200, calls_page((CALL_SID, "in-progress")))

    assert sweep() == []

    attempt, interview = state_of(attempt)
    assert attempt.call_sid == CALL_SID and attempt.state == AttemptState.UNKNOWN
    assert interview.state == InterviewState.DIALLING

    twilio_api.add(200, calls_page((CALL_SID, "completed")))
    assert sweep(PAST_DEFAULT_LIMIT + timedelta(minutes=5)) == [attempt.pk]
    assert state_of(attempt)[0].outcome == CallOutcome.NO_ANSWER


def test_an_ambiguous_dial_twilio_never_made_fails_the_attempt(twilio_api, tenant_a):
    attempt = stuck_attempt(tenant_a, state=AttemptState.UNKNOWN)
    twilio_api.add(200, calls_page())

    sweep()

    attempt, interview = state_of(attempt)
    assert attempt.outcome == CallOutcome.FAILED and attempt.call_sid == ""
    assert interview.state == InterviewState.SCHEDULED


def test_another_attempts_call_to_the_same_number_is_not_taken_for_this_one(twilio_api, tenant_a, tenant_b):
    with time_machine.travel(DIALLED_AT, tick=False):
        other = stuck_attempt(tenant_b, state=AttemptState.ENDED, call_sid=OTHER_CALL_SID, outcome=CallOutcome.NO_ANSWER)
    attempt = stuck_attempt(tenant_a, state=AttemptState.UNKNOWN)
    twilio_api.add(200, calls_page((OTHER_CALL_SID, "completed")))

    sweep()

    attempt, _interview = state_of(attempt)
    assert attempt.call_sid == "" and attempt.outcome == CallOutcome.FAILED
    assert state_of(other)[0].call_sid == OTHER_CALL_SID


def test_twilio_down_leaves_an_ambiguous_dial_for_the_next_sweep(twilio_api, tenant_a):
    attempt = stuck_attempt(tenant_a, state=AttemptState.UNKNOWN)
    twilio_api.add(503, {"code": 20503, "message": "Service Unavailable", "status": 503})

    assert sweep() == []
    assert state_of(attempt)[0].state == AttemptState.UNKNOWN

    twilio_api.add(200, calls_page((CALL_SID, "no-answer")))
    assert sweep(PAST_DEFAULT_LIMIT + timedelta(minutes=5)) == [attempt.pk]
    assert state_of(attempt)[0].outcome == CallOutcome.NO_ANSWER


def test_the_beat_task_settles_every_tenants_attempts_each_inside_its_own_tenant(twilio_api, tenant_a, tenant_b):
    mine = stuck_attempt(tenant_a, state=AttemptState.DIALLING)
    theirs = stuck_attempt(tenant_b, state=AttemptState.DIALLING, phone=PHONE_B)

    with time_machine.travel(PAST_DEFAULT_LIMIT, tick=False):
        assert reconcile_task.delay().get() == 2
        assert reconcile_task.delay().get() == 0

    for attempt, tenant in ((mine, tenant_a), (theirs, tenant_b)):
        assert state_of(attempt)[1].state == InterviewState.SCHEDULED
        with tenant_context(tenant.pk):
            assert list(InterviewEvent.objects.values_list("interview_id", "to_state")) == [
                (attempt.interview_id, InterviewState.SCHEDULED)]
