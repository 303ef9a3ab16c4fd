"""The phone interview from scheduling to every answer's audio stored, on the embedded defaults:
the simulator answers through the real webhook views with real signatures, one persona a test."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from aihm.errors import Conflict
from aihm.tenancy import tenant_context
from consent import services as consent_services
from consent.models import Channel, ConsentRecord, Decision
from interviews import dialler, services
from interviews.models import Answer, AnswerState, CallAttempt, CallOutcome, Interview, InterviewState
from recruiting.models import Candidate, PipelineStatus
from tests import factories
from tests.interviews_support import consenting_candidate, position_with_questions

# The dialler and the webhooks find their work across tenants through the privileged alias,
# which sees committed rows only.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

# A Tuesday, 11:00 in Casablanca: inside calling hours.
WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"


@pytest.fixture
def candidate(tenant_a, recruiter_a):
    return consenting_candidate(position_with_questions(tenant_a, recruiter_a), recruiter_a)


def schedule(candidate, recruiter, persona="good", **kwargs):
    with tenant_context(candidate.tenant_id):
        return services.schedule_interview(by=recruiter, candidate=candidate, persona=persona, **kwargs)


def reload(interview):
    with tenant_context(interview.tenant_id):
        return Interview.objects.get(pk=interview.pk)


def answers_of(interview):
    with tenant_context(interview.tenant_id):
        return list(Answer.objects.filter(interview=interview).order_by("question_index", "created_at"))


def attempts_of(interview):
    with tenant_context(interview.tenant_id):
        return list(CallAttempt.objects.filter(interview=interview).order_by("number"))


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_good_candidate_is_interviewed_and_every_answer_is_stored(candidate, recruiter_a):
    interview = schedule(candidate, recruiter_a)

    interview = reload(interview)
    assert interview.state == InterviewState.AUDIO_COMPLETE
    [attempt] = attempts_of(interview)
    assert attempt.outcome == CallOutcome.COMPLETED and attempt.call_sid.startswith("CA") and attempt.answered_by == "human"
    answers = answers_of(interview)
    assert [a.question_index for a in answers] == [0, 1, 2]
    for answer in answers:
        assert answer.state == AnswerState.STORED
        assert answer.storage_key.startswith(f"tenants/{candidate.tenant_id}/recordings/")
        assert len(answer.checksum) == 64 and answer.size_bytes > 1000
        with default_storage.open(answer.storage_key) as stored:
            assert stored.read(4) == b"RIFF"
    with tenant_context(candidate.tenant_id):
        # Eager Celery ran the transcription and the analysis too: the report is there to read.
        assert Candidate.objects.get(pk=candidate.pk).status == PipelineStatus.REPORT_READY


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_dropped_call_resumes_on_the_next_attempt_at_the_first_unanswered_question(candidate, recruiter_a):
    interview = schedule(candidate, recruiter_a, persona="hangs_up")

    interview = reload(interview)
    assert interview.state == InterviewState.PARTIAL
    [first] = attempts_of(interview)
    assert first.outcome == CallOutcome.DROPPED
    assert [a.question_index for a in answers_of(interview) if a.state == AnswerState.STORED] == [0]
    assert interview.next_call_at == timezone.now() + timedelta(minutes=120)

    with time_machine.travel(interview.next_call_at + timedelta(seconds=1), tick=False):
        dialler.dial_due_interviews()

    interview = reload(interview)
    second = attempts_of(interview)[1]
    with tenant_context(candidate.tenant_id):
        asked_on_second = list(Answer.objects.filter(attempt=second).values_list("question_index", flat=True))
    assert asked_on_second[0] == 1  # resumed at the second question, not from the start
    # This candidate hangs up after half of what is asked each time: a third call ends it.
    assert interview.state == InterviewState.PARTIAL
    with time_machine.travel(interview.next_call_at + timedelta(seconds=1), tick=False):
        dialler.dial_due_interviews()
    interview = reload(interview)
    assert sorted(a.question_index for a in answers_of(interview) if a.state == AnswerState.STORED) == [0, 1, 2]
    assert interview.state == InterviewState.AUDIO_COMPLETE
    assert [a.outcome for a in attempts_of(interview)] == [CallOutcome.DROPPED, CallOutcome.DROPPED, CallOutcome.COMPLETED]


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_pressing_2_on_the_call_withdraws_consent_and_ends_the_interview(candidate, recruiter_a):
    interview = schedule(candidate, recruiter_a, persona="declines")

    assert reload(interview).state == InterviewState.DECLINED_ON_CALL
    assert answers_of(interview) == []
    with tenant_context(candidate.tenant_id):
        withdrawals = list(ConsentRecord.objects.filter(candidate=candidate, decision=Decision.WITHDRAWN).values_list("channel", flat=True))
        status = Candidate.objects.get(pk=candidate.pk).status
    assert withdrawals == [Channel.PHONE]
    assert status == PipelineStatus.CONSENT_DECLINED


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_busy_line_is_retried_sooner_and_no_answer_three_times_is_unreachable(candidate, recruiter_a):
    busy = schedule(candidate, recruiter_a, persona="busy")
    busy = reload(busy)
    assert busy.state == InterviewState.SCHEDULED and busy.next_call_at == timezone.now() + timedelta(minutes=20)
    with tenant_context(candidate.tenant_id):
        services.cancel_interview(by=recruiter_a, interview=busy)

    interview = schedule(candidate, recruiter_a, persona="no_answer")
    for _ in range(2):
        due = reload(interview).next_call_at
        with time_machine.travel(due + timedelta(seconds=1), tick=False):
            dialler.dial_due_interviews()
    interview = reload(interview)
    assert interview.state == InterviewState.UNREACHABLE
    assert [a.outcome for a in attempts_of(interview)] == [CallOutcome.NO_ANSWER] * 3
    # Written in the language of the recruiter who scheduled it (French), whoever writes it.
    assert interview.failure_reason == "Aucun entretien après 3 tentatives."


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_silent_candidate_is_asked_again_once_then_each_question_is_skipped(candidate, recruiter_a):
    interview = schedule(candidate, recruiter_a, persona="silent")

    interview = reload(interview)
    states = [(a.question_index, a.take, a.state) for a in answers_of(interview)]
    assert states == [(i, t, AnswerState.DISCARDED if t == 1 else AnswerState.SILENT) for i in range(3) for t in (1, 2)]
    assert interview.state == InterviewState.AUDIO_COMPLETE


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_scheduling_is_refused_without_consent_in_the_past_and_beside_an_active_interview(candidate, recruiter_a):
    with tenant_context(candidate.tenant_id):
        consent_services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="Asked by email.")
    with pytest.raises(Conflict):
        schedule(candidate, recruiter_a)

    with tenant_context(candidate.tenant_id):
        consent_services.record_recruiter_consent(candidate=candidate, by=recruiter_a, note="Agreed again by phone.")
    with pytest.raises(Conflict, match="past"):
        schedule(candidate, recruiter_a, at=timezone.now() - timedelta(hours=1))

    later = timezone.now() + timedelta(days=1)
    interview = schedule(candidate, recruiter_a, at=later)
    assert reload(interview).state == InterviewState.SCHEDULED
    with pytest.raises(Conflict, match="already has an interview"):
        schedule(candidate, recruiter_a)


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_cancelled_or_moved_interview_is_never_dialled_at_its_old_time(candidate, recruiter_a):
    later = timezone.now() + timedelta(hours=2)
    interview = schedule(candidate, recruiter_a, at=later)
    with tenant_context(candidate.tenant_id):
        services.reschedule_interview(by=recruiter_a, interview=interview, at=later + timedelta(days=1))
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        assert dialler.dial_due_interviews() == []
    with tenant_context(candidate.tenant_id):
        services.cancel_interview(by=recruiter_a, interview=reload(interview))
    with time_machine.travel(later + timedelta(days=1, minutes=1), tick=False):
        assert dialler.dial_due_interviews() == []
    assert attempts_of(interview) == []


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_two_racing_ticks_claim_an_interview_once(candidate, recruiter_a, settings):
    later = timezone.now() + timedelta(hours=1)
    interview = schedule(candidate, recruiter_a, at=later)
    with time_machine.travel(later + timedelta(seconds=5), tick=False):
        from unittest import mock

        with mock.patch("interviews.tasks.place_call_task.apply_async") as queued:
            first = dialler.dial_due_interviews()
            second = dialler.dial_due_interviews()
    assert first == [interview.pk] and second == []
    assert queued.call_count == 1


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_withdrawing_consent_cancels_the_pending_interview(candidate, recruiter_a):
    interview = schedule(candidate, recruiter_a, at=timezone.now() + timedelta(days=1))
    with tenant_context(candidate.tenant_id):
        consent_services.withdraw_on_behalf(candidate=candidate, by=recruiter_a, note="Asked by email.")
    assert reload(interview).state == InterviewState.CANCELLED


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_erasing_the_candidate_erases_the_interview_and_its_recordings(candidate, recruiter_a):
    from recruiting.services import erase_candidate

    from consent import callback_codes
    from consent.models import CallbackCode, CallbackCodePurpose
    from interviews.models import HeadsUp

    interview = schedule(candidate, recruiter_a)
    keys = [answer.storage_key for answer in answers_of(interview)]
    assert keys and all(default_storage.exists(key) for key in keys)
    with tenant_context(candidate.tenant_id):
        callback_codes.issue(candidate, purpose=CallbackCodePurpose.HEADS_UP)
        HeadsUp.objects.create(interview=interview, call_at=timezone.now())
        assert CallbackCode.objects.filter(candidate=candidate).count() >= 2  # the confirmation's and this one

    with tenant_context(candidate.tenant_id):
        erase_candidate(by=recruiter_a, candidate=candidate)
        assert not Interview.objects.filter(pk=interview.pk).exists()
        assert not Answer.objects.filter(interview_id=interview.pk).exists()
        assert not HeadsUp.objects.filter(interview_id=interview.pk).exists()
        assert not CallbackCode.objects.filter(candidate_id=candidate.pk).exists()
    assert not any(default_storage.exists(key) for key in keys)


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_recording_is_served_to_members_with_ranges_and_each_listening_is_audited(candidate, recruiter_a, viewer_a):
    from django.test import Client
    from django.urls import reverse

    from accounts.models import AuditLog

    interview = schedule(candidate, recruiter_a)
    answer = answers_of(interview)[0]
    url = reverse("interviews:answer_audio", args=[answer.pk])
    client = Client()
    client.force_login(viewer_a)

    page = client.get(reverse("interviews:detail", args=[interview.pk]))
    assert f'<audio controls preload="none" src="{url}">' in page.content.decode()
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/wav" and whole["Accept-Ranges"] == "bytes"
    assert whole.content[:4] == b"RIFF" and len(whole.content) == answer.size_bytes
    assert whole["Cache-Control"] == "private, no-store"
    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{answer.size_bytes}"
    assert client.get(url, HTTP_RANGE=f"bytes={answer.size_bytes + 10}-").status_code == 416
    with tenant_context(candidate.tenant_id):
        plays = AuditLog.objects.filter(action="interview.audio_played", actor=viewer_a).count()
    assert plays == 1  # the seeks are not new listenings

    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 403)


def test_one_companys_backlog_does_not_keep_another_company_waiting(tenant_a, tenant_b, settings):
    """Company A has many older due interviews and room for one call; company B's are dialled too."""
    from unittest import mock

    from interviews.models import CallPolicy

    settings.CALLS_PER_SECOND = 0.1  # 3 calls a tick
    now = timezone.now()
    with tenant_context(tenant_a.pk):
        CallPolicy.objects.create(max_simultaneous_calls=1)
        position = factories.PositionFactory()
        backlog = [factories.InterviewFactory(candidate=factories.CandidateFactory(position=position),
                                              next_call_at=now - timedelta(minutes=30 - n)) for n in range(15)]
    with tenant_context(tenant_b.pk):
        waiting = factories.InterviewFactory(next_call_at=now - timedelta(minutes=1))
    with mock.patch("interviews.tasks.place_call_task.apply_async"):
        claimed = dialler.dial_due_interviews(now=now)
    assert claimed == [backlog[0].pk, waiting.pk]


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_weak_candidate_is_interviewed_to_the_end_with_short_answers(candidate, recruiter_a):
    interview = schedule(candidate, recruiter_a, persona="weak")

    assert reload(interview).state == InterviewState.AUDIO_COMPLETE
    answers = answers_of(interview)
    assert [a.state for a in answers] == [AnswerState.STORED] * 3
    good = schedule_on_another_candidate(candidate, recruiter_a, persona="good")
    assert max(a.size_bytes for a in answers) < min(a.size_bytes for a in answers_of(good))


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_voicemail_is_not_interviewed_and_the_call_is_tried_again_later(candidate, recruiter_a):
    interview = schedule(candidate, recruiter_a, persona="voicemail")

    interview = reload(interview)
    [attempt] = attempts_of(interview)
    assert attempt.outcome == CallOutcome.VOICEMAIL and attempt.answered_by == "machine_start"
    assert answers_of(interview) == []
    assert interview.state == InterviewState.SCHEDULED
    assert interview.next_call_at == timezone.now() + timedelta(minutes=120)


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_candidate_who_asks_to_be_called_back_later_today_is_called_back_inside_calling_hours(candidate, recruiter_a):
    from consent import calling_hours

    interview = schedule(candidate, recruiter_a, persona="callback")

    interview = reload(interview)
    [attempt] = attempts_of(interview)
    assert attempt.outcome == CallOutcome.CALLBACK_REQUESTED and answers_of(interview) == []
    assert interview.state == InterviewState.SCHEDULED
    assert interview.next_call_at == attempt.callback_at
    assert interview.next_call_at >= timezone.now() + timedelta(hours=2)
    with tenant_context(candidate.tenant_id):
        assert calling_hours.rules_for(candidate).allows(interview.next_call_at)


def schedule_on_another_candidate(candidate, recruiter, persona):
    other = consenting_candidate(candidate.position, recruiter, full_name="Omar Bennani", phone="+212612345699")
    return schedule(other, recruiter, persona=persona)


def test_answers_still_waiting_for_audio_after_the_call_are_fetched_again_or_marked_missing(tenant_a, recruiter_a):
    """A lost recording callback or fetch does not leave the interview waiting for ever."""
    from interviews.phone_audio import silence_wav
    from interviews.recordings import settle_waiting_audio
    from interviews.simulator import _store

    recording_sid = "RE" + "ab" * 16
    (_store() / "recordings" / f"{recording_sid}.wav").write_bytes(silence_wav(1))
    with tenant_context(tenant_a.pk):
        interview = factories.InterviewFactory(state=InterviewState.AWAITING_AUDIO, next_call_at=None, created_by=recruiter_a)
        attempt = factories.CallAttemptFactory(interview=interview, ended_at=timezone.now() - timedelta(hours=1))
        never_said = factories.AnswerFactory(interview=interview, attempt=attempt, question_index=0,
                                             state=AnswerState.RECORDING, storage_key="")
        lost_fetch = factories.AnswerFactory(interview=interview, attempt=attempt, question_index=1,
                                             state=AnswerState.AWAITING_AUDIO, recording_sid=recording_sid, storage_key="")

    assert settle_waiting_audio() == (1, 1)

    with tenant_context(tenant_a.pk):
        never_said.refresh_from_db()
        lost_fetch.refresh_from_db()
    assert never_said.state == AnswerState.AUDIO_MISSING and never_said.error  # in the recruiter's language
    assert lost_fetch.state == AnswerState.STORED and default_storage.exists(lost_fetch.storage_key)
    assert reload(interview).state == InterviewState.AUDIO_COMPLETE
    assert settle_waiting_audio() == (0, 0)


@time_machine.travel(WEEKDAY_MORNING, tick=False)
def test_a_simulated_arabic_interview_keeps_each_answer_in_words_beside_its_silence(tenant_a, recruiter_a):
    position = position_with_questions(tenant_a, recruiter_a)
    with tenant_context(tenant_a.pk):
        position.language = "ar"
        position.save(update_fields=["language"])
    candidate = consenting_candidate(position, recruiter_a)

    interview = reload(schedule(candidate, recruiter_a))

    assert interview.state == InterviewState.AUDIO_COMPLETE and interview.language == "ar"
    answers = answers_of(interview)
    assert [answer.state for answer in answers] == [AnswerState.STORED] * 3
    for answer in answers:
        letters = [char for char in answer.simulated_text if char.isalpha()]
        assert letters and sum("\u0600" <= char <= "\u06ff" for char in letters) > 0.6 * len(letters), answer.simulated_text
