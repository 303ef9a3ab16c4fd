"""The candidate calls the interview line back: the caller's own number and a six-digit code name
a waiting interview, which then runs like a call we placed (disclosure and confirmation first,
resuming at the first unanswered question). Unknown callers hear nothing about anyone; wrong
codes are limited per call and per number; codes are stored as keyed digests only. Through the
real webhook views with real signatures, and end to end with the simulator."""

import re
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aihm.tenancy import bypassing_rls, tenant_context
from consent import callback_codes
from consent import services as consent_services
from consent.models import CallbackCode, CallbackCodePurpose
from interviews import services, simulator, telephony
from interviews.models import (
    Answer, AnswerState, AttemptState, CallAttempt, CallDirection, CallOutcome, Interview, InterviewState,
)
from interviews.webhook_security import signature_for
from tests import factories
from tests.interviews_support import WEBHOOK_BASE_URL, consenting_candidate, position_with_questions, twilio_stub

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

PHONE = "+212612345678"
CALL_SID = "CA" + "e5" * 16
# A Tuesday, 11:00 in Casablanca: inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
SIGNED = object()


@pytest.fixture(autouse=True)
def fresh_failure_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def candidate(tenant_a, recruiter_a):
    return consenting_candidate(position_with_questions(tenant_a, recruiter_a), recruiter_a, phone=PHONE)


def schedule_tomorrow(candidate, recruiter, persona="good"):
    with tenant_context(candidate.tenant_id):
        return services.schedule_interview(
            by=recruiter, candidate=candidate, persona=persona, at=timezone.now() + timedelta(days=1),
        )


def issue_code(candidate, purpose=CallbackCodePurpose.CONSENT_CONFIRMATION):
    with tenant_context(candidate.tenant_id):
        return callback_codes.issue(candidate, purpose=purpose)


def reload(interview):
    with tenant_context(interview.tenant_id):
        return Interview.objects.get(pk=interview.pk)


def attempts_of(interview):
    with tenant_context(interview.tenant_id):
        return list(CallAttempt.objects.filter(interview=interview).order_by("number"))


def post(name, params, *, signature=SIGNED, **query):
    path = reverse(name) + (f"?{urlencode(query)}" if query else "")
    if signature is SIGNED:
        signature = signature_for(WEBHOOK_BASE_URL + path, params, telephony.auth_token())
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return Client().post(path, params, **headers)


def call_body(caller=PHONE, call_sid=CALL_SID, **extra):
    return {"CallSid": call_sid, "From": caller, "To": "+33939000000", "Direction": "inbound", "CallStatus": "ringing", **extra}


def enter(code, *, caller=PHONE, call_sid=CALL_SID, tries=1):
    return post("interviews:webhook_inbound_code", call_body(caller, call_sid, Digits=code), tries=tries)


def spoken(response):
    root = ElementTree.fromstring(response.content)
    return " ".join(say.text or "" for say in root.iter("Say"))


def verbs(response):
    return [verb.tag for verb in ElementTree.fromstring(response.content)]


@pytest.fixture
def twilio(settings):
    with twilio_stub(settings) as stub:
        yield stub


# --- The line's greeting and the code ----------------------------------------------------------


def test_the_line_asks_for_the_code_and_refuses_unsigned_requests(twilio):
    for name in ("interviews:webhook_inbound_voice", "interviews:webhook_inbound_code", "interviews:webhook_inbound_status"):
        assert post(name, call_body(Digits="123456"), signature=None).status_code == 403
        assert post(name, call_body(Digits="123456"), signature="bad").status_code == 403
        assert Client().get(reverse(name)).status_code == 405
    # A signature over other values (a replay with the code changed) is refused too.
    replayed = signature_for(WEBHOOK_BASE_URL + reverse("interviews:webhook_inbound_code"), call_body(Digits="111111"), telephony.auth_token())
    assert post("interviews:webhook_inbound_code", call_body(Digits="222222"), signature=replayed).status_code == 403
    assert not callback_codes.is_locked(PHONE) and cache.get(callback_codes._failure_key(PHONE)) is None

    response = post("interviews:webhook_inbound_voice", call_body())
    root = ElementTree.fromstring(response.content)
    [gather] = root.findall("Gather")
    assert gather.get("numDigits") == "6"
    assert gather.get("action") == WEBHOOK_BASE_URL + reverse("interviews:webhook_inbound_code") + "?tries=1"
    assert "code à six chiffres" in spoken(response)  # the line speaks the product's default language
    assert root[-1].tag == "Redirect"


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_right_code_from_the_candidates_number_starts_the_interview_with_the_disclosure(twilio, candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)
    code = issue_code(candidate)

    response = enter(code)

    assert response.status_code == 200
    said = spoken(response)
    assert "automated assistant, an artificial intelligence, answering on behalf of" in said
    assert "recorded" in said and "press 1" in said
    assert "Record" not in verbs(response)  # nothing is recorded before the confirmation
    [attempt] = attempts_of(interview)
    assert (attempt.direction, attempt.state, attempt.call_sid) == (CallDirection.INBOUND, AttemptState.IN_PROGRESS, CALL_SID)
    moved = reload(interview)
    assert moved.state == InterviewState.IN_CALL
    assert moved.attempts_made == 0  # the candidate's own call does not use up our attempts

    # Twilio sends the same request again: still one attempt.
    assert enter(code).status_code == 200
    assert len(attempts_of(interview)) == 1


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_wrong_codes_are_asked_again_twice_then_the_caller_hears_nothing_about_anyone(twilio, candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)
    code = issue_code(candidate)
    wrong = f"{(int(code) + 1) % 1000000:06d}"

    first = enter(wrong, tries=1)
    assert "pas été reconnu" in spoken(first)
    assert "tries=2" in ElementTree.fromstring(first.content).find("Gather").get("action")
    third = enter(wrong, tries=3)
    assert verbs(third) == ["Say", "Hangup"]
    said = spoken(third)
    assert candidate.full_name not in said and "Développeur" not in said and "Acme" not in said
    assert attempts_of(interview) == []
    assert reload(interview).state == InterviewState.SCHEDULED


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_code_works_only_from_the_candidates_own_number(twilio, candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)
    code = issue_code(candidate)

    response = enter(code, caller="+33611111111")

    assert "pas été reconnu" in spoken(response)
    assert attempts_of(interview) == []


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_number_is_locked_after_too_many_wrong_codes_even_with_the_right_one(twilio, candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)
    code = issue_code(candidate)
    for attempt_number in range(callback_codes.MAX_FAILURES):
        enter("000000" if code != "000000" else "111111", call_sid=f"CA{attempt_number:032d}")

    assert callback_codes.is_locked(PHONE)
    assert verbs(enter(code)) == ["Say", "Hangup"]
    assert verbs(post("interviews:webhook_inbound_voice", call_body())) == ["Say", "Hangup"]
    assert attempts_of(interview) == []

    with time_machine.travel(timezone.now() + callback_codes.FAILURE_WINDOW + timedelta(minutes=1)):
        cache.clear()  # the local cache does not expire keys on the travelled clock
        assert "answering on behalf of" in spoken(enter(code))


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_an_expired_code_is_refused(twilio, candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)
    with time_machine.travel(timezone.now() - callback_codes.CODE_LIFETIME - timedelta(days=1)):
        code = issue_code(candidate)

    assert "pas été reconnu" in spoken(enter(code))
    assert attempts_of(interview) == []


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_known_caller_with_no_waiting_interview_is_told_so_politely(twilio, candidate, recruiter_a):
    code = issue_code(candidate)

    response = enter(code)

    assert verbs(response) == ["Say", "Hangup"]
    assert "Aucun entretien n’est à poursuivre" in spoken(response)


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_withdrawn_consent_starts_nothing(twilio, candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)
    code = issue_code(candidate)
    with tenant_context(candidate.tenant_id):
        consent_services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="Asked by email.")

    assert "Aucun entretien n’est à poursuivre" in spoken(enter(code))
    assert reload(interview).state == InterviewState.CANCELLED
    assert attempts_of(interview) == []


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_same_number_at_two_companies_reaches_only_the_company_of_the_code(twilio, candidate, recruiter_a, tenant_b, admin_b):
    other = consenting_candidate(position_with_questions(tenant_b, admin_b), admin_b, phone=PHONE)
    mine = schedule_tomorrow(candidate, recruiter_a)
    theirs = schedule_tomorrow(other, admin_b)
    code_b = issue_code(other)

    response = enter(code_b)

    assert "answering on behalf of" in spoken(response)
    assert attempts_of(mine) == []
    [attempt] = attempts_of(theirs)
    assert attempt.tenant_id == tenant_b.pk


def test_codes_are_kept_as_keyed_digests_only(candidate):
    code = issue_code(candidate, purpose=CallbackCodePurpose.HEADS_UP)

    [row] = bypassing_rls(CallbackCode).filter(candidate_id=candidate.pk, purpose=CallbackCodePurpose.HEADS_UP).values()
    assert code not in str(row)
    assert len(row["digest"]) == 64 and row["expires_at"] > timezone.now() + timedelta(days=29)
    assert callback_codes.matching_candidate(PHONE, code) == (str(candidate.tenant_id), str(candidate.pk))


# --- The rest of the call ----------------------------------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_inbound_calls_status_ends_its_attempt_and_a_call_before_the_code_is_ignored(twilio, candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)
    planned = reload(interview).next_call_at
    unknown = post("interviews:webhook_inbound_status", call_body(call_sid="CA" + "0" * 32, CallStatus="completed"))
    assert unknown.status_code == 204
    enter(issue_code(candidate))

    response = post("interviews:webhook_inbound_status", call_body(CallStatus="completed", CallDuration="40"))

    assert response.status_code == 204
    [attempt] = attempts_of(interview)
    assert (attempt.state, attempt.outcome) == (AttemptState.ENDED, CallOutcome.DROPPED)
    after = reload(interview)
    # Hung up before confirming: our call planned for tomorrow still stands.
    assert (after.state, after.next_call_at) == (InterviewState.SCHEDULED, planned)


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_simulated_candidate_calls_back_and_is_interviewed(candidate, recruiter_a):
    interview = schedule_tomorrow(candidate, recruiter_a)

    with tenant_context(candidate.tenant_id):
        services.simulate_call_back(by=recruiter_a, interview=reload(interview))

    done = reload(interview)
    assert done.state == InterviewState.AUDIO_COMPLETE
    [attempt] = attempts_of(interview)
    assert (attempt.direction, attempt.outcome) == (CallDirection.INBOUND, CallOutcome.COMPLETED)
    with tenant_context(candidate.tenant_id):
        assert list(Answer.objects.filter(interview=interview).values_list("state", flat=True)) == [AnswerState.STORED] * 3


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_dropped_interview_resumes_on_the_call_back_at_the_first_unanswered_question(candidate, recruiter_a):
    with tenant_context(candidate.tenant_id):
        interview = services.schedule_interview(by=recruiter_a, candidate=candidate, persona="hangs_up")
    assert reload(interview).state == InterviewState.PARTIAL
    with tenant_context(candidate.tenant_id):
        first_answers = list(Answer.objects.filter(interview=interview, state=AnswerState.STORED).values_list("question_index", flat=True))
    assert first_answers and len(first_answers) < 3

    with tenant_context(candidate.tenant_id):
        simulator.simulate_call_back(reload(interview), by=recruiter_a, persona="good")

    assert reload(interview).state == InterviewState.AUDIO_COMPLETE
    outbound, inbound = attempts_of(interview)
    assert (outbound.direction, inbound.direction) == (CallDirection.OUTBOUND, CallDirection.INBOUND)
    with tenant_context(candidate.tenant_id):
        resumed = list(Answer.objects.filter(attempt=inbound, state=AnswerState.STORED).values_list("question_index", flat=True))
    assert sorted(first_answers + resumed) == [0, 1, 2]


def test_simulating_a_call_back_is_refused_with_a_real_provider_and_on_an_ended_interview(twilio, candidate, recruiter_a):
    from aihm.errors import Conflict, NotAllowed

    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        interview = schedule_tomorrow(candidate, recruiter_a)
    with tenant_context(candidate.tenant_id), pytest.raises(NotAllowed):
        services.simulate_call_back(by=recruiter_a, interview=reload(interview))
    with tenant_context(candidate.tenant_id):
        Interview.objects.filter(pk=interview.pk).update(state=InterviewState.CANCELLED)
    telephony_settings = {"TWILIO_ACCOUNT_SID": ""}
    from django.test import override_settings

    with override_settings(**telephony_settings), tenant_context(candidate.tenant_id), pytest.raises(Conflict):
        services.simulate_call_back(by=recruiter_a, interview=reload(interview))


# --- The code in the consent confirmation ------------------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_consent_confirmation_carries_a_code_that_opens_the_line(twilio, tenant_a, recruiter_a):
    position = position_with_questions(tenant_a, recruiter_a)
    with tenant_context(tenant_a.pk):
        candidate = factories.CandidateFactory(position=position, phone=PHONE, email="zineb@example.test")
    mail.outbox.clear()
    with tenant_context(tenant_a.pk):
        consent_services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="Agreed by phone.")

    [message] = [m for m in mail.outbox if m.to == ["zineb@example.test"]]
    match = re.search(r"enter the code (\d{6})", message.body)
    assert match, message.body
    assert "+33939000000" in message.body
    assert callback_codes.matching_candidate(PHONE, match.group(1)) == (str(tenant_a.pk), str(candidate.pk))


def test_the_retention_run_deletes_expired_codes_and_keeps_live_ones(candidate):
    with time_machine.travel(timezone.now() - callback_codes.CODE_LIFETIME - timedelta(days=1)):
        issue_code(candidate, purpose=CallbackCodePurpose.HEADS_UP)
    live = issue_code(candidate, purpose=CallbackCodePurpose.HEADS_UP)

    with tenant_context(candidate.tenant_id):
        counts = consent_services.apply_retention()

    assert counts["expired_callback_codes"] == 1
    assert callback_codes.matching_candidate(PHONE, live) is not None
    assert bypassing_rls(CallbackCode).filter(candidate_id=candidate.pk, purpose=CallbackCodePurpose.HEADS_UP).count() == 1
