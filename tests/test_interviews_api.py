"""Interviews API: schedule a candidate's phone interview (now, or at a time inside calling hours),
the refusals a recruiter can act on (409 for a business rule, 400 for bad input), read it with its
attempts and timeline, list a candidate's interviews, reschedule and cancel it; roles, tenant walls,
audit lines, and a fixed number of queries for one interview whatever its size."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from consent import services as consent_services
from interviews import services
from interviews.models import Answer, AnswerState, AttemptState, CallAttempt, CallOutcome, Interview, InterviewEvent, InterviewState
from tests import factories
from tests.interviews_support import QUESTIONS, consenting_candidate, position_with_questions
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
CASABLANCA = ZoneInfo("Africa/Casablanca")
# A Tuesday, late morning in Casablanca: inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
# Scheduling "now" dials at once: the dialler finds its work through the privileged alias.
through_the_dialler = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])


@pytest.fixture(autouse=True)
def _weekday_morning():
    """Every test starts then, fixtures (and their access tokens) included."""
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        yield


def casablanca(*args):
    """An aware moment, in the candidate's local time."""
    return datetime(*args, tzinfo=CASABLANCA)


@pytest.fixture
def position(tenant_a, recruiter_a):
    return position_with_questions(tenant_a, recruiter_a)


@pytest.fixture
def unconsented(position):
    """A candidate who has not given consent yet."""
    with tenant_context(position.tenant_id):
        return factories.CandidateFactory(position=position, full_name="Karim Alaoui", phone="+212612345679")


@pytest.fixture
def candidate(position, recruiter_a):
    return consenting_candidate(position, recruiter_a)


@pytest.fixture
def client(recruiter_a):
    client = bearer_for(recruiter_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


TOMORROW_MORNING = "2026-03-11T10:30:00+00:00"  # Wednesday, 10:30 in Casablanca


def schedule_url(candidate):
    return f"{V1}/candidates/{candidate.pk}/interviews"


def interview_url(interview, action=""):
    return f"{V1}/interviews/{interview.pk}" + (f"/{action}" if action else "")


def scheduled(candidate, recruiter, at):
    """An interview waiting for its call (built through the service, as the dashboard would)."""
    with tenant_context(candidate.tenant_id):
        return services.schedule_interview(by=recruiter, candidate=candidate, at=at)


def interviews_of(candidate):
    with tenant_context(candidate.tenant_id):
        return list(Interview.objects.filter(candidate=candidate))


def audit_lines(tenant_id, action):
    with tenant_context(tenant_id):
        return list(AuditLog.objects.filter(action=action).order_by("created_at"))


# --- Scheduling ------------------------------------------------------------------------------


@through_the_dialler
def test_scheduling_now_calls_the_candidate_at_once_and_answers_the_interview(client, candidate, recruiter_a):
    response = client.post(schedule_url(candidate), {"persona": "good"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["candidate"] == str(candidate.pk) and body["persona"] == "good"
    assert body["status"] == InterviewState.AUDIO_COMPLETE and body["status_label"] == "Recordings complete"
    assert body["questions"] == list(QUESTIONS) and body["script_version"] == 1 and body["language"] == "en"
    assert body["attempts_made"] == 1
    [attempt] = body["attempts"]
    assert attempt["number"] == 1 and attempt["outcome"] == CallOutcome.COMPLETED and attempt["outcome_label"] == "Completed"
    assert [answer["question_index"] for answer in body["answers"]] == [0, 1, 2]
    assert {answer["state"] for answer in body["answers"]} == {AnswerState.STORED}
    assert [event["to_state"] for event in body["events"]][-1] == InterviewState.AUDIO_COMPLETE
    [line] = audit_lines(candidate.tenant_id, "interview.scheduled")
    assert line.actor_id == recruiter_a.pk and line.target_id == str(candidate.pk)
    assert line.details["interview"] == body["id"] and line.details["at"] == timezone.now().isoformat()


@through_the_dialler
def test_the_interview_shows_its_attempts_and_timeline(client, viewer_a, candidate):
    interview_id = client.post(schedule_url(candidate), {"persona": "hangs_up"}, format="json").json()["id"]

    response = bearer_for(viewer_a).get(f"{V1}/interviews/{interview_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == InterviewState.PARTIAL
    [attempt] = body["attempts"]
    assert attempt["outcome"] == CallOutcome.DROPPED and attempt["answered_by"] == "human" and attempt["ended_at"]
    assert [(e["from_state"], e["to_state"]) for e in body["events"]] == [
        (InterviewState.SCHEDULED, InterviewState.DIALLING),
        (InterviewState.DIALLING, InterviewState.IN_CALL),
        (InterviewState.IN_CALL, InterviewState.PARTIAL),
    ]
    assert body["scheduled_at"] == (timezone.now() + timedelta(minutes=120)).isoformat().replace("+00:00", "Z")


def test_scheduling_at_a_time_inside_calling_hours_waits_for_it(client, candidate):
    at = casablanca(2026, 3, 11, 10, 30)

    response = client.post(schedule_url(candidate), {"scheduled_at": at.isoformat()}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == InterviewState.SCHEDULED and body["status_label"] == "Scheduled"
    assert datetime.fromisoformat(body["scheduled_at"]) == at
    assert body["attempts"] == [] and body["answers"] == [] and body["events"] == [] and body["attempts_made"] == 0
    [line] = audit_lines(candidate.tenant_id, "interview.scheduled")
    assert datetime.fromisoformat(line.details["at"]) == at


def test_a_scheduled_interview_does_not_dial_before_its_time(client, candidate):
    with mock.patch("interviews.tasks.dial_due_interviews.delay") as dial:
        response = client.post(schedule_url(candidate), {"scheduled_at": TOMORROW_MORNING}, format="json")
    assert response.status_code == 201 and not dial.called


def test_scheduling_without_consent_is_refused_with_the_reason(client, unconsented):
    response = client.post(schedule_url(unconsented), {}, format="json")

    assert response.status_code == 409
    assert "consent" in response.json()["message"].lower()
    assert interviews_of(unconsented) == []
    assert audit_lines(unconsented.tenant_id, "interview.scheduled") == []


def test_scheduling_in_the_past_is_refused(client, candidate):
    response = client.post(schedule_url(candidate), {"scheduled_at": "2026-03-10T08:00:00+00:00"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"message": "That time is in the past.", "errors": {"scheduled_at": ["That time is in the past."]}}
    assert interviews_of(candidate) == []


@pytest.mark.parametrize("at, words", [
    (casablanca(2026, 3, 15, 11, 0), "Sunday 15 March 2026, 11:00, outside calling hours"),
    (casablanca(2026, 3, 10, 22, 0), "Tuesday 10 March 2026, 22:00, outside calling hours"),
])
def test_outside_calling_hours_is_refused_when_they_hold_the_calls(client, candidate, settings, at, words):
    settings.SIMULATED_CALLS_KEEP_CALLING_HOURS = True

    response = client.post(schedule_url(candidate), {"scheduled_at": at.isoformat()}, format="json")

    assert response.status_code == 409
    message = response.json()["message"]
    assert words in message and "Calls are made" in message
    assert response.json()["errors"] == {"scheduled_at": [message]}
    assert interviews_of(candidate) == []


def test_simulated_calls_ignore_calling_hours_unless_told_to_keep_them(client, candidate):
    response = client.post(schedule_url(candidate), {"scheduled_at": casablanca(2026, 3, 15, 11, 0).isoformat()}, format="json")
    assert response.status_code == 201


def test_scheduling_now_outside_calling_hours_takes_the_next_allowed_moment(recruiter_a, candidate, settings):
    settings.SIMULATED_CALLS_KEEP_CALLING_HOURS = True
    with time_machine.travel(casablanca(2026, 3, 10, 21, 0), tick=False):
        response = bearer_for(recruiter_a).post(schedule_url(candidate), {}, format="json")

    assert response.status_code == 201, response.json()
    assert datetime.fromisoformat(response.json()["scheduled_at"]) == casablanca(2026, 3, 11, 9, 0)


def test_a_second_active_interview_is_refused(client, candidate, recruiter_a):
    scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))

    response = client.post(schedule_url(candidate), {"scheduled_at": casablanca(2026, 3, 12, 10, 30).isoformat()}, format="json")

    assert response.status_code == 409
    assert response.json()["message"] == "This candidate already has an interview under way; cancel it or wait for its end."
    assert len(interviews_of(candidate)) == 1


def test_a_script_that_cannot_be_frozen_is_refused_with_what_to_fix(client, recruiter_a, tenant_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a)
        factories.QuestionFactory.create_batch(2, position=position)
        candidate = factories.CandidateFactory(position=position)
        consent_services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="Agreed by phone.")

    response = client.post(schedule_url(candidate), {}, format="json")

    assert response.status_code == 409
    assert "3" in response.json()["message"] and "question" in response.json()["message"]
    assert interviews_of(candidate) == []


@pytest.mark.parametrize("body, field, words", [
    ({"scheduled_at": "2026-03-11T10:30:00"}, "scheduled_at", "Give the time with its time zone"),
    ({"scheduled_at": "tomorrow morning"}, "scheduled_at", "Datetime has wrong format"),
    ({"scheduled_at": 12}, "scheduled_at", "Datetime has wrong format"),
    ({"persona": "robot"}, "persona", "Choose a simulated candidate from the list."),
    ({"persona": 3}, "persona", "Must be text"),
])
def test_bad_input_is_a_400_naming_the_field(client, candidate, body, field, words):
    response = client.post(schedule_url(candidate), body, format="json")

    assert response.status_code == 400, response.json()
    assert words in response.json()["message"]
    assert list(response.json()["errors"]) == [field]
    assert interviews_of(candidate) == []


@pytest.mark.parametrize("persona", ["weak", "voicemail", "declines"])
def test_the_simulated_candidate_is_chosen_from_the_list(client, candidate, persona):
    response = client.post(schedule_url(candidate), {"scheduled_at": TOMORROW_MORNING, "persona": persona}, format="json")
    assert response.status_code == 201 and response.json()["persona"] == persona


def test_a_real_call_has_no_persona(client, unconsented, recruiter_a, settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    with tenant_context(unconsented.tenant_id):  # consent given for the real providers (transfer abroad included)
        consent_services.record_recruiter_consent(candidate=unconsented, by=recruiter_a, note="Agreed by phone.")

    response = client.post(schedule_url(unconsented), {"scheduled_at": TOMORROW_MORNING, "persona": "good"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["persona"] == ""


# --- Roles and tenant walls ------------------------------------------------------------------


def test_a_viewer_reads_interviews_but_cannot_schedule_move_or_cancel_them(viewer_a, candidate, recruiter_a):
    interview = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))
    viewer = bearer_for(viewer_a)

    assert viewer.get(interview_url(interview)).status_code == 200
    assert viewer.get(schedule_url(candidate)).status_code == 200
    for url in (schedule_url(candidate), interview_url(interview, "reschedule"), interview_url(interview, "cancel")):
        response = viewer.post(url, {}, format="json")
        assert response.status_code == 403 and response.json()["message"] == "Your role can read but not change anything."
    assert [i.state for i in interviews_of(candidate)] == [InterviewState.SCHEDULED]
    assert audit_lines(candidate.tenant_id, "interview.cancelled") == []


def test_another_company_gets_404_on_every_interview_route(admin_b, candidate, recruiter_a):
    interview = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))
    other = bearer_for(admin_b)

    for method, url in (("get", interview_url(interview)), ("get", schedule_url(candidate)), ("post", schedule_url(candidate)),
                        ("post", interview_url(interview, "reschedule")), ("post", interview_url(interview, "cancel"))):
        response = getattr(other, method)(url, {}, format="json") if method == "post" else other.get(url)
        assert response.status_code == 404 and response.json() == {"message": "Not found."}, (method, url)
    assert [i.state for i in interviews_of(candidate)] == [InterviewState.SCHEDULED]


# --- A candidate's interviews ----------------------------------------------------------------


def test_a_candidates_interviews_are_listed_newest_first_and_paginated(client, candidate, recruiter_a):
    first = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))
    with tenant_context(candidate.tenant_id):
        services.cancel_interview(by=recruiter_a, interview=first)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        second = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 12, 10, 30))

    response = client.get(schedule_url(candidate))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    assert [(row["id"], row["status"]) for row in body["results"]] == [
        (str(second.pk), InterviewState.SCHEDULED), (str(first.pk), InterviewState.CANCELLED)]
    paged = client.get(schedule_url(candidate), {"page_size": 1}).json()
    assert paged["count"] == 2 and len(paged["results"]) == 1 and paged["next"]


def test_a_candidate_without_interviews_lists_none(client, candidate):
    assert client.get(schedule_url(candidate)).json() == {"count": 0, "next": None, "previous": None, "results": []}


# --- Reschedule and cancel -------------------------------------------------------------------


def test_rescheduling_moves_the_call_and_is_audited(client, candidate, recruiter_a):
    interview = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))
    later = casablanca(2026, 3, 12, 15, 0)

    response = client.post(interview_url(interview, "reschedule"), {"scheduled_at": later.isoformat()}, format="json")

    assert response.status_code == 200, response.json()
    assert datetime.fromisoformat(response.json()["scheduled_at"]) == later
    assert response.json()["status"] == InterviewState.SCHEDULED
    [line] = audit_lines(candidate.tenant_id, "interview.rescheduled")
    assert line.actor_id == recruiter_a.pk and line.details["interview"] == str(interview.pk)
    assert datetime.fromisoformat(line.details["at"]) == later


@pytest.mark.parametrize("body, status, words", [
    ({"scheduled_at": "2026-03-09T10:00:00+01:00"}, 409, "That time is in the past."),
    ({"scheduled_at": "2026-03-12T15:00:00"}, 400, "Give the time with its time zone"),
    ({"scheduled_at": "next week"}, 400, "Datetime has wrong format"),
])
def test_rescheduling_to_a_bad_time_is_refused_and_keeps_the_old_one(client, candidate, recruiter_a, body, status, words):
    at = casablanca(2026, 3, 11, 10, 30)
    interview = scheduled(candidate, recruiter_a, at=at)

    response = client.post(interview_url(interview, "reschedule"), body, format="json")

    assert response.status_code == status and words in response.json()["message"]
    assert interviews_of(candidate)[0].next_call_at == at
    assert audit_lines(candidate.tenant_id, "interview.rescheduled") == []


def test_cancelling_ends_the_interview_once(client, candidate, recruiter_a):
    interview = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))

    response = client.post(interview_url(interview, "cancel"), format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == InterviewState.CANCELLED and body["scheduled_at"] is None and body["ended_at"]
    assert [(e["from_state"], e["to_state"], e["reason"]) for e in body["events"]] == [
        (InterviewState.SCHEDULED, InterviewState.CANCELLED, "Cancelled by a recruiter.")]
    [line] = audit_lines(candidate.tenant_id, "interview.cancelled")
    assert line.actor_id == recruiter_a.pk and line.details["interview"] == str(interview.pk)

    again = client.post(interview_url(interview, "cancel"), format="json")
    assert again.status_code == 409 and again.json()["message"] == "This interview has already ended (cancelled)."
    moved = client.post(interview_url(interview, "reschedule"), {}, format="json")
    assert moved.status_code == 409
    assert moved.json()["message"] == "Only an interview waiting for its call can be rescheduled; this one is cancelled."
    assert len(audit_lines(candidate.tenant_id, "interview.cancelled")) == 1


def test_after_cancelling_a_new_interview_can_be_scheduled(client, candidate, recruiter_a):
    interview = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))
    client.post(interview_url(interview, "cancel"), format="json")

    response = client.post(schedule_url(candidate), {"scheduled_at": casablanca(2026, 3, 12, 10, 30).isoformat()}, format="json")
    assert response.status_code == 201 and response.json()["script_version"] == 1


# --- Queries ---------------------------------------------------------------------------------


def dialled(interview, attempts, takes):
    """Give an interview `attempts` ended attempts, each with `takes` answers to every question, and
    a timeline line per attempt, as the dialler would have left them."""
    with tenant_context(interview.tenant_id):
        for number in range(1, attempts + 1):
            attempt = CallAttempt.objects.create(
                interview=interview, number=number, state=AttemptState.ENDED, outcome=CallOutcome.DROPPED,
                answered_by="human", duration_seconds=40, ended_at=timezone.now(),
            )
            for index in range(len(QUESTIONS)):
                for take in range(1, takes + 1):
                    Answer.objects.create(interview=interview, attempt=attempt, question_index=index, take=take,
                                          state=AnswerState.STORED, duration_seconds=12)
            InterviewEvent.objects.create(interview=interview, from_state=InterviewState.DIALLING, to_state=InterviewState.PARTIAL)
        Interview.objects.filter(pk=interview.pk).update(attempts_made=attempts)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_reading_an_interview_runs_the_same_queries_whatever_its_attempts_and_answers(client, candidate, recruiter_a, tenant_a):
    small = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))
    dialled(small, attempts=1, takes=1)
    with tenant_context(tenant_a.pk):
        other = factories.CandidateFactory(position=candidate.position)
        consent_services.record_recruiter_consent(candidate=other, by=recruiter_a, note="Agreed by phone.")
    large = scheduled(other, recruiter_a, at=casablanca(2026, 3, 11, 10, 30))
    dialled(large, attempts=3, takes=2)
    client.get(interview_url(small))  # the first request warms what is read once per process

    few, many = queries_for(client, interview_url(small)), queries_for(client, interview_url(large))

    assert few == many
    assert len(client.get(interview_url(large)).json()["answers"]) == 3 * 3 * 2


def test_listing_a_candidates_interviews_runs_the_same_queries_whatever_their_number(client, candidate, recruiter_a):
    for day in (11, 12, 13):
        interview = scheduled(candidate, recruiter_a, at=casablanca(2026, 3, day, 10, 30))
        dialled(interview, attempts=2, takes=1)
        with tenant_context(candidate.tenant_id):
            services.cancel_interview(by=recruiter_a, interview=interview)
        if day == 11:
            client.get(schedule_url(candidate))
            one = queries_for(client, schedule_url(candidate))
    assert queries_for(client, schedule_url(candidate)) == one
