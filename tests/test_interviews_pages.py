"""Interview pages: the candidate page's interview panel (why no call can be scheduled, the
schedule form with the simulated candidate and the candidate's local time, nothing to change for a
viewer), scheduling, moving and cancelling from it with a message, and the interview's own page
(attempts, answers, timeline). In English; French where its translation is already there."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from interviews import services
from interviews.models import Answer, AnswerState, AttemptState, CallAttempt, CallOutcome, Interview, InterviewEvent, InterviewState
from tests import factories
from tests.interviews_support import QUESTIONS, consenting_candidate, position_with_questions

pytestmark = pytest.mark.django_db

# A Tuesday, 11:00 in Paris (10:00 in Casablanca, on UTC during Ramadan): inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _weekday_morning():
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        yield


@pytest.fixture
def position(tenant_a, recruiter_a):
    return position_with_questions(tenant_a, recruiter_a)


@pytest.fixture
def unconsented(position):
    with tenant_context(position.tenant_id):
        return factories.CandidateFactory(position=position, full_name="Karim Alaoui", phone="+212612345679")


@pytest.fixture
def candidate(position, recruiter_a):
    """A candidate in Paris (an hour ahead of the server's UTC), who has given consent."""
    return consenting_candidate(position, recruiter_a, phone="+33612345678", timezone="Europe/Paris")


def client_for(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def html(response):
    return response.content.decode()


def candidate_page(client, candidate):
    response = client.get(reverse("recruiting:candidate_detail", args=[candidate.pk]))
    assert response.status_code == 200
    return html(response)


def scheduled(candidate, recruiter, at):
    with tenant_context(candidate.tenant_id):
        return services.schedule_interview(by=recruiter, candidate=candidate, at=at)


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def interviews_of(candidate):
    with tenant_context(candidate.tenant_id):
        return list(Interview.objects.filter(candidate=candidate))


def audit_actions(tenant_id):
    with tenant_context(tenant_id):
        return list(AuditLog.objects.filter(action__startswith="interview.").values_list("action", flat=True))


def in_english(moment):
    with translation.override("en"):
        return formats.date_format(moment, "DATETIME_FORMAT")


# --- The panel on the candidate page ---------------------------------------------------------


def test_without_consent_the_panel_says_why_no_call_can_be_scheduled(recruiter_a, unconsented):
    page = candidate_page(client_for(recruiter_a), unconsented)

    assert 'id="interview"' in page and "Phone interview" in page
    assert "No call without consent: the candidate has not been asked for consent yet." in page
    assert reverse("interviews:schedule", args=[unconsented.pk]) not in page


def test_with_consent_a_recruiter_sees_the_schedule_form_in_the_candidates_local_time(recruiter_a, candidate):
    page = candidate_page(client_for(recruiter_a), candidate)

    assert reverse("interviews:schedule", args=[candidate.pk]) in page
    assert "Schedule the phone interview" in page
    assert "Simulated calls" in page and 'name="persona"' in page
    assert '<option value="good">Good candidate</option>' in page and '<option value="hangs_up">Hangs up midway</option>' in page
    # 11:00 in Paris while the server's clock says 10:00 UTC.
    assert "In the candidate's time zone (Europe/Paris), where it is now 11:00." in page
    assert 'min="2026-03-10T11:00"' in page
    assert "Calls are made" in page and "Europe/Paris" in page


def test_a_viewer_sees_the_panel_without_any_form(viewer_a, candidate, recruiter_a):
    page = candidate_page(client_for(viewer_a), candidate)
    assert "No interview scheduled." in page
    assert reverse("interviews:schedule", args=[candidate.pk]) not in page

    interview = scheduled(candidate, recruiter_a, at=paris(2026, 3, 11, 10, 30))
    page = candidate_page(client_for(viewer_a), candidate)
    assert reverse("interviews:detail", args=[interview.pk]) in page
    assert reverse("interviews:cancel", args=[interview.pk]) not in page
    assert reverse("interviews:reschedule", args=[interview.pk]) not in page


# --- Scheduling, moving, cancelling from the page --------------------------------------------


def test_scheduling_at_a_local_time_redirects_back_with_a_message_and_the_interview_appears(recruiter_a, candidate):
    client = client_for(recruiter_a)
    url = reverse("interviews:schedule", args=[candidate.pk])

    response = client.post(url, {"when": "at", "scheduled_at": "2026-03-11T10:30", "persona": "weak"})

    assert response.status_code == 302
    assert response.url == reverse("recruiting:candidate_detail", args=[candidate.pk]) + "#interview"
    [interview] = interviews_of(candidate)
    assert interview.next_call_at == paris(2026, 3, 11, 10, 30) and interview.persona == "weak"
    assert audit_actions(candidate.tenant_id) == ["interview.scheduled"]
    page = html(client.get(response.url))
    assert f"The phone interview is scheduled for {in_english(datetime(2026, 3, 11, 10, 30))} (candidate&#x27;s time)." in page
    assert reverse("interviews:detail", args=[interview.pk]) in page and "Follow the interview" in page
    assert reverse("interviews:cancel", args=[interview.pk]) in page
    assert reverse("interviews:reschedule", args=[interview.pk]) in page
    # The next call in the candidate's time, as typed, not the server's 09:30 UTC.
    assert f"{in_english(datetime(2026, 3, 11, 10, 30))}</time> <span class=\"muted\">(Europe/Paris)</span>" in page.split("Next call")[1]
    assert reverse("interviews:schedule", args=[candidate.pk]) not in page  # one interview at a time


def test_scheduling_now_wakes_the_dialler(recruiter_a, candidate, django_capture_on_commit_callbacks):
    with mock.patch("interviews.tasks.dial_due_interviews.delay") as dial, django_capture_on_commit_callbacks(execute=True):
        response = client_for(recruiter_a).post(reverse("interviews:schedule", args=[candidate.pk]), {"when": "now", "persona": "good"})

    assert response.status_code == 302 and dial.called
    [interview] = interviews_of(candidate)
    assert interview.state == InterviewState.SCHEDULED and interview.persona == "good"


@pytest.mark.parametrize("form, message", [
    ({"when": "at", "scheduled_at": "2026-03-09T10:30"}, "That time is in the past."),
    ({"when": "at", "scheduled_at": ""}, "Give a date and a time for the call."),
    ({"when": "at", "scheduled_at": "tomorrow"}, "Give a date and a time for the call."),
    ({"when": "now", "persona": "robot"}, "Choose a simulated candidate from the list."),
])
def test_a_refused_time_is_shown_as_a_message_and_nothing_is_scheduled(recruiter_a, candidate, form, message):
    response = client_for(recruiter_a).post(reverse("interviews:schedule", args=[candidate.pk]), form, follow=True)

    assert response.status_code == 200
    assert f'<div class="alert alert-error">{message}</div>' in html(response)
    assert interviews_of(candidate) == []


def test_scheduling_without_consent_from_the_page_says_why(recruiter_a, unconsented):
    response = client_for(recruiter_a).post(reverse("interviews:schedule", args=[unconsented.pk]), {"when": "now"}, follow=True)

    assert "No call without consent: the candidate has not been asked for consent yet." in html(response)
    assert interviews_of(unconsented) == []


def test_outside_calling_hours_is_shown_when_they_hold_the_calls(recruiter_a, candidate, settings):
    settings.SIMULATED_CALLS_KEEP_CALLING_HOURS = True

    response = client_for(recruiter_a).post(
        reverse("interviews:schedule", args=[candidate.pk]), {"when": "at", "scheduled_at": "2026-03-15T11:00"}, follow=True)

    assert "For the candidate it is Sunday 15 March 2026, 11:00, outside calling hours." in html(response)
    assert interviews_of(candidate) == []


def test_moving_the_call_from_the_page(recruiter_a, candidate):
    interview = scheduled(candidate, recruiter_a, at=paris(2026, 3, 11, 10, 30))

    response = client_for(recruiter_a).post(
        reverse("interviews:reschedule", args=[interview.pk]), {"when": "at", "scheduled_at": "2026-03-12T15:00"}, follow=True)

    assert f"The phone interview is moved to {in_english(datetime(2026, 3, 12, 15, 0))} (candidate&#x27;s time)." in html(response)
    assert interviews_of(candidate)[0].next_call_at == paris(2026, 3, 12, 15, 0)
    assert sorted(audit_actions(candidate.tenant_id)) == ["interview.rescheduled", "interview.scheduled"]


def test_cancelling_from_the_page_then_a_new_one_can_be_scheduled(recruiter_a, candidate):
    interview = scheduled(candidate, recruiter_a, at=paris(2026, 3, 11, 10, 30))
    client = client_for(recruiter_a)

    response = client.post(reverse("interviews:cancel", args=[interview.pk]), follow=True)

    page = html(response)
    assert "The phone interview is cancelled." in page
    assert interviews_of(candidate)[0].state == InterviewState.CANCELLED
    assert "Cancelled" in page and reverse("interviews:schedule", args=[candidate.pk]) in page
    again = client.post(reverse("interviews:cancel", args=[interview.pk]), follow=True)
    assert "This interview has already ended (cancelled)." in html(again)
    assert sorted(audit_actions(candidate.tenant_id)) == ["interview.cancelled", "interview.scheduled"]


def test_a_viewer_cannot_schedule_or_cancel_from_the_page(viewer_a, candidate, recruiter_a):
    assert client_for(viewer_a).post(reverse("interviews:schedule", args=[candidate.pk]), {"when": "now"}).status_code == 403
    interview = scheduled(candidate, recruiter_a, at=paris(2026, 3, 11, 10, 30))
    assert client_for(viewer_a).post(reverse("interviews:cancel", args=[interview.pk])).status_code == 403
    assert interviews_of(candidate)[0].state == InterviewState.SCHEDULED


# --- The interview page ----------------------------------------------------------------------


def test_the_interview_page_before_the_first_call(viewer_a, candidate, recruiter_a):
    interview = scheduled(candidate, recruiter_a, at=paris(2026, 3, 11, 10, 30))

    response = client_for(viewer_a).get(reverse("interviews:detail", args=[interview.pk]))

    assert response.status_code == 200
    page = html(response)
    assert f"The first call is due {in_english(datetime(2026, 3, 11, 10, 30))} (Europe/Paris)." in page
    assert all(question in page for question in QUESTIONS)
    assert "Script version 1 · in English" in page


def test_the_interview_page_lists_attempts_answers_and_the_timeline(recruiter_a, candidate):
    interview = scheduled(candidate, recruiter_a, at=paris(2026, 3, 11, 10, 30))
    with tenant_context(candidate.tenant_id):
        first = CallAttempt.objects.create(interview=interview, number=1, state=AttemptState.ENDED, outcome=CallOutcome.DROPPED,
                                           answered_by="human", duration_seconds=47)
        CallAttempt.objects.create(interview=interview, number=2, state=AttemptState.ENDED, outcome=CallOutcome.NO_ANSWER)
        Answer.objects.create(interview=interview, attempt=first, question_index=0, state=AnswerState.STORED, duration_seconds=31)
        Answer.objects.create(interview=interview, attempt=first, question_index=1, state=AnswerState.AUDIO_MISSING,
                              error="The provider lost the recording.")
        InterviewEvent.objects.create(interview=interview, from_state=InterviewState.SCHEDULED, to_state=InterviewState.DIALLING)
        InterviewEvent.objects.create(interview=interview, from_state=InterviewState.IN_CALL, to_state=InterviewState.PARTIAL,
                                      reason="The candidate hung up.")

    page = html(client_for(recruiter_a).get(reverse("interviews:detail", args=[interview.pk])))

    attempts = page.split("Call attempts")[1].split("Questions and answers")[0]
    assert "Hung up mid-interview" in attempts and "47 s" in attempts and "No answer" in attempts
    answers = page.split("Questions and answers")[1].split("Timeline")[0]
    assert "Audio stored · 31 s" in answers and "Audio missing · The provider lost the recording." in answers
    timeline = page.split('id="timeline-title"')[1]
    assert timeline.index("Scheduled") < timeline.index("Dialling") < timeline.index("Interrupted, to resume")
    assert "(The candidate hung up.)" in timeline


def test_another_companys_interview_page_is_a_404(admin_b, candidate, recruiter_a):
    interview = scheduled(candidate, recruiter_a, at=paris(2026, 3, 11, 10, 30))
    assert client_for(admin_b).get(reverse("interviews:detail", args=[interview.pk])).status_code == 404


# --- French, where the translations are already there ----------------------------------------

PANEL_STRINGS = ("Phone interview", "Schedule the phone interview", "Simulated candidate", "Calling hours for this candidate:")


@pytest.mark.parametrize("text", PANEL_STRINGS)
def test_the_panel_speaks_french_by_default_where_translated(recruiter_a, candidate, text):
    with translation.override("fr"):
        french = gettext(text)
    if french == text:
        pytest.skip(f"no French translation yet for {text!r}")
    client = Client()
    client.force_login(recruiter_a)
    page = candidate_page(client, candidate)
    assert french in page or french.replace("'", "&#x27;") in page
    assert text in candidate_page(client_for(recruiter_a, "en"), candidate)


def test_the_panel_says_that_simulated_arabic_answers_are_silences(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, language="ar")
    candidate = consenting_candidate(position, recruiter_a)
    page = client_for(recruiter_a).get(reverse("recruiting:candidate_detail", args=[candidate.pk])).content.decode()
    assert "No offline Arabic voice exists" in page
