"""The text message before a scheduled call: Twilio's real SDK against a stub of its REST API
(what `messages.create` carries, and that the code in the text lets the candidate call back),
the beat tick (once per call time, even with two racing ticks; nothing when it must not send;
a rescheduled call gets its own; a failed message never holds up the call), the message status
webhook (signatures, forward-only moves), the console of the embedded telephony, and the
setting on the call policy page."""

import logging
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aihm.errors import Invalid
from aihm.tenancy import tenant_context
from consent import callback_codes
from consent import services as consent_services
from consent.models import CallbackCode, CallbackCodePurpose, ConsentRecord
from consent.signals import consent_withdrawn
from interviews import dialler, messaging, services
from interviews.models import CallAttempt, CallPolicy, HeadsUp, Interview, InterviewState, MessageState
from interviews.receivers import cancel_interviews_on_withdrawal
from interviews.tasks import send_due_heads_ups
from interviews.telephony import _twilio_client, auth_token
from interviews.webhook_security import signature_for
from tests.interviews_support import (
    ACCOUNT_SID, FROM_NUMBER, WEBHOOK_BASE_URL, consenting_candidate, position_with_questions, twilio_stub,
)

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

PHONE = "+212612345678"
MESSAGE_SID = "SM" + "e4" * 16
CALL_SID = "CA" + "a1" * 16
ACCOUNT_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
# A Tuesday, 11:00 in Casablanca: inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
SIGNED = object()


# --- Twilio's bodies --------------------------------------------------------------------------


def message_resource(sid=MESSAGE_SID, status="queued"):
    """Twilio's answer to messages.create: the message resource."""
    return {
        "sid": sid, "account_sid": ACCOUNT_SID, "to": PHONE, "from": FROM_NUMBER, "status": status,
        "direction": "outbound-api", "api_version": "2010-04-01", "num_segments": "1", "price": None,
        "date_created": "Tue, 10 Mar 2026 10:00:00 +0000", "uri": f"{ACCOUNT_PATH}/Messages/{sid}.json",
    }


def message_status_body(status, sid=MESSAGE_SID, **extra):
    """Twilio's status callback of an outgoing message."""
    return {
        "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "From": FROM_NUMBER, "MessageSid": sid,
        "MessageStatus": status, "SmsSid": sid, "SmsStatus": status, "To": PHONE, **extra,
    }


def call_resource(sid=CALL_SID):
    return {"sid": sid, "account_sid": ACCOUNT_SID, "to": PHONE, "from": FROM_NUMBER, "status": "queued",
            "api_version": "2010-04-01", "uri": f"{ACCOUNT_PATH}/Calls/{sid}.json"}


# --- Fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def twilio_api(settings):
    with twilio_stub(settings) as stub:
        yield stub


@pytest.fixture
def candidate(tenant_a, recruiter_a):
    return consenting_candidate(position_with_questions(tenant_a, recruiter_a), recruiter_a, phone=PHONE)


def heads_up_policy(tenant, *, on=True, minutes=10):
    with tenant_context(tenant.pk):
        return CallPolicy.objects.create(heads_up_sms=on, heads_up_minutes=minutes)


def schedule_in(candidate, recruiter, minutes):
    with tenant_context(candidate.tenant_id):
        return services.schedule_interview(by=recruiter, candidate=candidate, at=timezone.now() + timedelta(minutes=minutes))


def heads_ups(interview):
    with tenant_context(interview.tenant_id):
        return list(HeadsUp.objects.filter(interview=interview).order_by("created_at", "call_at"))


def heads_up_codes(tenant):
    with tenant_context(tenant.pk):
        return CallbackCode.objects.filter(purpose=CallbackCodePurpose.HEADS_UP).count()


def reload(interview):
    with tenant_context(interview.tenant_id):
        return Interview.objects.get(pk=interview.pk)


def code_in(body):
    [code] = re.findall(r"\b\d{6}\b", body)
    return code


# --- messages.create through the SDK ----------------------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_tick_texts_the_company_name_and_a_code_that_calls_back(twilio_api, tenant_a, candidate, recruiter_a):
    heads_up_policy(tenant_a, minutes=10)
    interview = schedule_in(candidate, recruiter_a, 5)
    twilio_api.add(201, message_resource())

    claimed = messaging.send_due_heads_ups()

    [create] = twilio_api.requests
    assert (create.method, create.path) == ("POST", f"{ACCOUNT_PATH}/Messages.json")
    [heads_up] = heads_ups(interview)
    assert claimed == [heads_up.pk]
    form = create.form()
    body = form["Body"][0]
    assert form == {
        "To": [PHONE], "From": [FROM_NUMBER], "Body": [body],
        "StatusCallback": [WEBHOOK_BASE_URL + reverse("interviews:webhook_message_status", args=[heads_up.pk])],
    }
    assert body.startswith("Acme: an automated assistant will call you in about 5 minutes about your application.")
    assert "Zineb" not in body and "Développeur" not in body and PHONE not in body
    assert callback_codes.matching_candidate(PHONE, code_in(body)) == (str(tenant_a.pk), str(candidate.pk))
    assert (heads_up.state, heads_up.message_sid, heads_up.call_at) == (MessageState.QUEUED, MESSAGE_SID, interview.next_call_at)
    assert reload(interview).state == InterviewState.SCHEDULED  # nothing dialled


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_two_racing_ticks_send_one_message(twilio_api, tenant_a, candidate, recruiter_a, monkeypatch):
    heads_up_policy(tenant_a)
    interview = schedule_in(candidate, recruiter_a, 5)
    twilio_api.add(201, message_resource())
    real_check = messaging.ensure_can_call
    other_tick = []

    def check_while_another_tick_runs(candidate):
        """The other tick runs whole between this one's finding the call and its claim."""
        if not other_tick:
            other_tick.append(None)
            other_tick[0] = messaging.send_due_heads_ups()
        return real_check(candidate)

    monkeypatch.setattr(messaging, "ensure_can_call", check_while_another_tick_runs)
    this_tick = messaging.send_due_heads_ups()
    again = messaging.send_due_heads_ups()

    [heads_up] = heads_ups(interview)
    assert other_tick == [[heads_up.pk]] and this_tick == [] and again == []
    assert len(twilio_api.requests) == 1
    assert heads_up_codes(tenant_a) == 1  # the tick that lost issued no code


def _policy_off(tenant, candidate, recruiter):
    heads_up_policy(tenant, on=False)
    return schedule_in(candidate, recruiter, 5)


def _no_policy(tenant, candidate, recruiter):
    return schedule_in(candidate, recruiter, 5)


def _cancelled(tenant, candidate, recruiter):
    heads_up_policy(tenant)
    interview = schedule_in(candidate, recruiter, 5)
    with tenant_context(tenant.pk):
        services.cancel_interview(by=recruiter, interview=interview)
    return interview


def _consent_withdrawn(tenant, candidate, recruiter):
    """Withdrawn, the interview not cancelled yet (its receiver held back): the tick checks consent itself."""
    heads_up_policy(tenant)
    interview = schedule_in(candidate, recruiter, 5)
    consent_withdrawn.disconnect(dispatch_uid="interviews.cancel_on_withdrawal", sender=ConsentRecord)
    try:
        with tenant_context(tenant.pk):
            consent_services.withdraw_on_behalf(candidate=candidate, by=recruiter, note="Asked by email.")
    finally:
        consent_withdrawn.connect(cancel_interviews_on_withdrawal, sender=ConsentRecord,
                                  dispatch_uid="interviews.cancel_on_withdrawal")
    assert reload(interview).state == InterviewState.SCHEDULED
    return interview


def _too_far_away(tenant, candidate, recruiter):
    heads_up_policy(tenant, minutes=10)
    return schedule_in(candidate, recruiter, 11)


def _long_past(tenant, candidate, recruiter):
    heads_up_policy(tenant)
    interview = schedule_in(candidate, recruiter, 5)
    with tenant_context(tenant.pk):
        Interview.objects.filter(pk=interview.pk).update(next_call_at=timezone.now() - timedelta(minutes=2))
    return interview


@pytest.mark.parametrize("situation", [_policy_off, _no_policy, _cancelled, _consent_withdrawn, _too_far_away, _long_past],
                         ids=lambda situation: situation.__name__.strip("_"))
@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_no_message_when_it_must_not_be_sent(twilio_api, tenant_a, candidate, recruiter_a, situation):
    interview = situation(tenant_a, candidate, recruiter_a)

    assert messaging.send_due_heads_ups() == []

    assert twilio_api.requests == []
    assert heads_ups(interview) == []
    assert heads_up_codes(tenant_a) == 0


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_another_companys_policy_does_not_text_this_companys_candidates(twilio_api, tenant_a, tenant_b, candidate, recruiter_a):
    heads_up_policy(tenant_b)
    interview = schedule_in(candidate, recruiter_a, 5)

    assert messaging.send_due_heads_ups() == []
    assert twilio_api.requests == [] and heads_ups(interview) == []


def test_a_rescheduled_call_gets_its_own_message(twilio_api, tenant_a, candidate, recruiter_a):
    twilio_api.add(201, message_resource(), times=1)
    twilio_api.add(201, message_resource(sid="SM" + "f5" * 16))
    with time_machine.travel(WEEKDAY_MORNING, tick=False) as clock:
        heads_up_policy(tenant_a)
        interview = schedule_in(candidate, recruiter_a, 5)
        messaging.send_due_heads_ups()
        first_time = reload(interview).next_call_at
        with tenant_context(tenant_a.pk):
            services.reschedule_interview(by=recruiter_a, interview=interview, at=timezone.now() + timedelta(minutes=30))
        assert messaging.send_due_heads_ups() == []  # the new time is not close yet
        clock.shift(timedelta(minutes=25))
        messaging.send_due_heads_ups()
        second_time = reload(interview).next_call_at

    first, second = heads_ups(interview)
    assert (first.call_at, second.call_at) == (first_time, second_time)
    assert len(twilio_api.requests) == 2
    assert "in about 5 minutes" in twilio_api.requests[1].form()["Body"][0]


@pytest.mark.parametrize("failure", ["refused", "unreachable"])
@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_failed_message_is_noted_and_the_call_still_happens(twilio_api, settings, tenant_a, candidate, recruiter_a, failure):
    heads_up_policy(tenant_a)
    interview = schedule_in(candidate, recruiter_a, 5)
    if failure == "refused":
        twilio_api.add(400, {"code": 21211, "message": f"The 'To' number {PHONE} is not a valid phone number.",
                             "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})
        expected = "Le SMS n’a pas été envoyé : Twilio refused the message (error 21211)."  # the recruiter's language
    else:
        settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
        _twilio_client.cache_clear()
        expected = "Le SMS n’a pas été envoyé : Twilio unreachable (ConnectionError)."
    due_at = reload(interview).next_call_at

    messaging.send_due_heads_ups()
    messaging.send_due_heads_ups()  # a failed message is not tried again

    [heads_up] = heads_ups(interview)
    assert (heads_up.state, heads_up.error, heads_up.message_sid) == (MessageState.FAILED, expected, "")
    assert PHONE not in heads_up.error
    interview = reload(interview)
    assert (interview.state, interview.next_call_at, interview.claimed_at) == (InterviewState.SCHEDULED, due_at, None)

    settings.TWILIO_API_BASE_URL = twilio_api.url
    _twilio_client.cache_clear()
    twilio_api.add(201, call_resource())
    with time_machine.travel(due_at, tick=False):
        dialler.dial_due_interviews()
    assert twilio_api.requests[-1].path == f"{ACCOUNT_PATH}/Calls.json"
    with tenant_context(tenant_a.pk):
        assert CallAttempt.objects.get(interview=interview).call_sid == CALL_SID


# --- The status webhook -----------------------------------------------------------------------


@pytest.fixture
def heads_up(twilio_api, tenant_a, candidate, recruiter_a):
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        interview = schedule_in(candidate, recruiter_a, 5)
        with tenant_context(tenant_a.pk):
            return HeadsUp.objects.create(interview=interview, call_at=interview.next_call_at, message_sid=MESSAGE_SID)


def status_path(heads_up_id):
    return reverse("interviews:webhook_message_status", args=[heads_up_id])


def post_status(heads_up_id, params, *, signature=SIGNED):
    path = status_path(heads_up_id)
    if signature is SIGNED:
        signature = signature_for(WEBHOOK_BASE_URL + path, params, auth_token())
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return Client().post(path, params, **headers)


def state_of(heads_up):
    with tenant_context(heads_up.tenant_id):
        return HeadsUp.objects.filter(pk=heads_up.pk).values_list("state", "error", "message_sid").get()


def test_signed_statuses_move_the_message_forward(heads_up):
    assert post_status(heads_up.pk, message_status_body("sending")).status_code == 204
    assert state_of(heads_up) == (MessageState.QUEUED, "", MESSAGE_SID)
    assert post_status(heads_up.pk, message_status_body("sent")).status_code == 204
    assert state_of(heads_up) == (MessageState.SENT, "", MESSAGE_SID)
    assert post_status(heads_up.pk, message_status_body("delivered")).status_code == 204
    assert state_of(heads_up) == (MessageState.DELIVERED, "", MESSAGE_SID)


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_an_undelivered_or_failed_status_keeps_twilios_error_code(heads_up, status):
    response = post_status(heads_up.pk, message_status_body(status, ErrorCode="30003"))

    assert response.status_code == 204
    assert state_of(heads_up) == (status, "Erreur Twilio 30003.", MESSAGE_SID)  # in the recruiter's language


@pytest.mark.parametrize("forgery", ["missing", "wrong", "other_message"])
def test_a_status_not_signed_for_this_request_is_refused_and_changes_nothing(heads_up, forgery):
    params = message_status_body("delivered")
    signature = {
        "missing": None,
        "wrong": signature_for(WEBHOOK_BASE_URL + status_path(heads_up.pk), params, "another-token"),
        "other_message": signature_for(WEBHOOK_BASE_URL + status_path(uuid.uuid4()), params, auth_token()),
    }[forgery]

    response = post_status(heads_up.pk, params, signature=signature)

    assert response.status_code == 403
    assert state_of(heads_up) == (MessageState.QUEUED, "", MESSAGE_SID)


def test_duplicate_and_late_statuses_change_nothing(heads_up):
    for status in ("delivered", "delivered", "sent", "queued", "failed", "undelivered"):
        assert post_status(heads_up.pk, message_status_body(status, ErrorCode="30008")).status_code == 204
    assert state_of(heads_up) == (MessageState.DELIVERED, "", MESSAGE_SID)


def test_an_unknown_message_or_status_changes_nothing(heads_up):
    assert post_status(uuid.uuid4(), message_status_body("delivered")).status_code == 204
    assert post_status(heads_up.pk, message_status_body("read")).status_code == 204
    assert state_of(heads_up) == (MessageState.QUEUED, "", MESSAGE_SID)


def test_a_get_on_the_status_webhook_is_405(heads_up):
    assert Client().get(status_path(heads_up.pk)).status_code == 405
    assert state_of(heads_up) == (MessageState.QUEUED, "", MESSAGE_SID)


def test_a_status_that_outruns_the_tick_stores_the_message_sid(heads_up):
    with tenant_context(heads_up.tenant_id):
        HeadsUp.objects.filter(pk=heads_up.pk).update(message_sid="")

    post_status(heads_up.pk, message_status_body("sent"))

    assert state_of(heads_up) == (MessageState.SENT, "", MESSAGE_SID)


# --- The embedded telephony: the console --------------------------------------------------------


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_simulator_prints_the_message_and_logs_no_phone_number(settings, tenant_a, candidate, recruiter_a, capsys, caplog):
    settings.TWILIO_ACCOUNT_SID = ""
    heads_up_policy(tenant_a)
    interview = schedule_in(candidate, recruiter_a, 5)
    capsys.readouterr()
    caplog.set_level(logging.DEBUG)

    assert send_due_heads_ups.delay().get() == 1  # the beat task, run eagerly

    printed = capsys.readouterr().out
    assert f"To: {PHONE}" in printed and "Acme: an automated assistant will call you" in printed
    assert callback_codes.matching_candidate(PHONE, code_in(printed.split("\n\n", 1)[1])) == (str(tenant_a.pk), str(candidate.pk))
    assert PHONE not in caplog.text and code_in(printed.split("\n\n", 1)[1]) not in caplog.text
    [heads_up] = heads_ups(interview)
    assert heads_up.state == MessageState.SENT  # the simulator's signed "sent" status
    assert heads_up.message_sid.startswith("SM") and heads_up.message_sid in printed


def test_the_beat_runs_the_tick_every_minute(settings):
    [entry] = [entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if name == "interviews-heads-up"]
    assert entry == {"task": "interviews.send_due_heads_ups", "schedule": 60.0}
    assert send_due_heads_ups.name == entry["task"]


# --- The setting and the pages ----------------------------------------------------------------

POLICY = {"max_attempts": "3", "retry_after_minutes": "120", "busy_retry_after_minutes": "20", "call_time_limit_minutes": "15",
          "answer_silence_seconds": "6", "max_simultaneous_calls": "5"}


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_policy_page_saves_the_text_message_setting(settings, tenant_a, admin_a):
    settings.TWILIO_ACCOUNT_SID = ""
    page = signed_in(admin_a).get(reverse("interviews:call_policy")).content.decode()
    assert "Send a text message before each scheduled call" in page
    assert "prints each message on the server's console" in page

    response = signed_in(admin_a).post(reverse("interviews:call_policy"), {**POLICY, "heads_up_sms": "on", "heads_up_minutes": "30"})

    assert response.status_code == 302
    with tenant_context(tenant_a.pk):
        policy = CallPolicy.objects.get()
    assert (policy.heads_up_sms, policy.heads_up_minutes) == (True, 30)


def test_a_blank_notice_keeps_the_minutes_saved(tenant_a, admin_a):
    heads_up_policy(tenant_a, on=True, minutes=45)

    response = signed_in(admin_a).post(reverse("interviews:call_policy"), POLICY)

    assert response.status_code == 302
    with tenant_context(tenant_a.pk):
        policy = CallPolicy.objects.get()
    assert (policy.heads_up_sms, policy.heads_up_minutes) == (False, 45)


@pytest.mark.parametrize(("minutes", "error"), [("1", "greater than or equal to 2"), ("121", "less than or equal to 120")])
def test_the_policy_page_refuses_a_notice_out_of_range(tenant_a, admin_a, minutes, error):
    response = signed_in(admin_a).post(reverse("interviews:call_policy"), {**POLICY, "heads_up_sms": "on", "heads_up_minutes": minutes})

    assert response.status_code == 200
    assert f"Ensure this value is {error}" in response.content.decode()
    with tenant_context(tenant_a.pk):
        assert not CallPolicy.objects.exists()
    with pytest.raises(Invalid, match="from 2 to 120"):
        with tenant_context(tenant_a.pk):
            services.update_call_policy(by=admin_a, heads_up_minutes=int(minutes))


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_the_interview_page_lists_its_messages(twilio_api, tenant_a, candidate, recruiter_a):
    heads_up_policy(tenant_a)
    interview = schedule_in(candidate, recruiter_a, 5)
    twilio_api.add(400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400})
    messaging.send_due_heads_ups()

    page = signed_in(recruiter_a).get(reverse("interviews:detail", args=[interview.pk])).content.decode()

    assert "Text messages before the call" in page
    assert "Failed" in page and "Twilio refused the message (error 21610)" in page
