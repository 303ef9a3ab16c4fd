"""The call itself, as the provider's webhooks drive it: what the candidate hears next (TwiML),
what each callback changes. Every function here is given an attempt already found by its id in
the URL, inside its tenant; each answers fast (no provider call: heavy work is queued on commit)
and is safe to receive twice or out of order."""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consent import calling_hours
from consent.models import Channel
from consent.services import NothingToWithdraw, withdraw_on_behalf
from interviews import states, twiml
from interviews.dialler import after_attempt
from interviews.models import (
    Answer, AnswerState, AttemptState, CallAttempt, CallDirection, CallOutcome, Interview, InterviewState, WebhookEvent,
)
from interviews.selectors import call_policy
from interviews.signals import interview_audio_complete
from interviews.webhook_security import webhook_url
from recruiting.scripts import question_text, script_languages

logger = logging.getLogger(__name__)

MACHINE_ANSWERS = {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
# Answers whose audio is still to come, or that are settled: a question with one is not asked again.
COUNTED_ANSWERS = (AnswerState.RECORDING, AnswerState.AWAITING_AUDIO, AnswerState.STORED, AnswerState.AUDIO_MISSING, AnswerState.SILENT)
PENDING_AUDIO = (AnswerState.RECORDING, AnswerState.AWAITING_AUDIO)
# Twilio's final call statuses and what they mean when the flow did not settle the outcome.
FINAL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
PROGRESS = {"initiated": 1, "ringing": 2, "in-progress": 3, "answered": 3}


def once(attempt, kind, key):
    """True the first time this callback is seen; a duplicate returns False (nothing to do)."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(attempt=attempt, kind=kind, key=str(key)[:100])
    except IntegrityError:
        return False
    return True


def url(name, attempt, *args, **query):
    """The public URL of one of the attempt's webhooks, with its query."""
    return webhook_url(name, attempt.pk, *args, **query)


def _company_name(attempt):
    from accounts.models import Tenant

    return Tenant.objects.filter(pk=attempt.tenant_id).values_list("name", flat=True).first() or ""


def _next_question(interview):
    """The first question of the frozen script with no answer yet, across attempts (a dropped
    call resumes there), or None when every question has one."""
    answered = set(Answer.objects.filter(interview=interview, state__in=COUNTED_ANSWERS).values_list("question_index", flat=True))
    for index in range(len(interview.script.questions)):
        if index not in answered:
            return index
    return None


def _question_twiml(attempt, index, *, keypad_help=False, repeat=False, after_silence=False, take=1):
    interview = attempt.interview
    questions = interview.script.questions
    policy = call_policy()
    CallAttempt.objects.filter(pk=attempt.pk).update(last_question_index=index)
    return twiml.question(
        language=interview.language, text=question_text(questions[index], interview.language), number=index + 1, total=len(questions),
        action_url=url("interviews:webhook_answer", attempt, index, take=take),
        recording_status_url=url("interviews:webhook_recording", attempt, index, take=take),
        max_length=int(questions[index].get("max_answer_seconds") or 120),
        silence_seconds=policy.answer_silence_seconds,
        keypad_help=keypad_help, repeat=repeat, after_silence=after_silence,
    )


# --- The answer webhook: the call is picked up ------------------------------------------------


def answered(attempt, *, answered_by):
    """The callee picked up (or a machine did): the opening, a voicemail message, or nothing."""
    interview = attempt.interview
    if attempt.state == AttemptState.ENDED or interview.state not in (InterviewState.DIALLING, InterviewState.IN_CALL):
        return twiml.hangup()
    CallAttempt.objects.filter(pk=attempt.pk).exclude(state=AttemptState.ENDED).update(
        state=AttemptState.IN_PROGRESS, answered_by=answered_by[:24], answered_at=attempt.answered_at or timezone.now(),
    )
    if answered_by in MACHINE_ANSWERS:
        CallAttempt.objects.filter(pk=attempt.pk, outcome="").update(outcome=CallOutcome.VOICEMAIL)
        if call_policy().voicemail_message and not attempt.interview.attempts.filter(outcome=CallOutcome.VOICEMAIL).exclude(pk=attempt.pk).exists():
            return twiml.voicemail_message(interview.language, _company_name(attempt))
        return twiml.hangup()
    states.move(interview.pk, InterviewState.IN_CALL, reason=_("Answered"))
    _follow(interview, InterviewState.IN_CALL)
    languages = script_languages(interview.script)
    if len(languages) > 1 and not Answer.objects.filter(interview=interview, state__in=COUNTED_ANSWERS).exists():
        # The candidate chooses the language before the opening; a resumed interview keeps its own.
        return twiml.language_menu(
            languages=languages, choose_url=url("interviews:webhook_language", attempt),
            default=interview.language if interview.language in languages else languages[0],
            company_name=_company_name(attempt),
        )
    return _opening(attempt)


def language_chosen(attempt, *, digits, default):
    """The key pressed in the language menu (or, with none, the default it announced): the
    interview goes on in that language from here, the opening first."""
    interview = attempt.interview
    if attempt.state == AttemptState.ENDED:
        return twiml.hangup()
    languages = script_languages(interview.script)
    chosen = twiml.language_choice(languages=languages, digits=digits) or (default if default in languages else None)
    if chosen and chosen != interview.language:
        Interview.objects.filter(pk=interview.pk).update(language=chosen)
        interview.language = chosen
    return _opening(attempt)


def _opening(attempt):
    interview = attempt.interview
    return twiml.opening(
        language=interview.language, company_name=_company_name(attempt),
        position_title=interview.candidate.position.title, confirm_url=url("interviews:webhook_confirm", attempt),
        inbound=attempt.direction == CallDirection.INBOUND,
    )


def confirmed(attempt, *, digits, speech, no_input, tries):
    """The answer to "1 to begin, 2 to decline, 3 to be called back"."""
    interview = attempt.interview
    if attempt.state == AttemptState.ENDED:
        return twiml.hangup()
    choice = twiml.confirmation_choice(language=interview.language, digits=digits, speech_result=speech, no_input=no_input)
    if choice == twiml.Reply.START:
        index = _next_question(interview)
        if index is None:
            return _finish(attempt)
        return _question_twiml(attempt, index, keypad_help=True)
    if choice == twiml.Reply.REFUSE:
        _set_outcome(attempt, CallOutcome.DECLINED_ON_CALL)
        # Ended first, so that the withdrawal below does not cancel (and hang up) this very call.
        if states.move(interview.pk, InterviewState.DECLINED_ON_CALL, reason=_("The candidate declined on the call.")):
            _follow(interview, InterviewState.DECLINED_ON_CALL)
        try:
            withdraw_on_behalf(candidate=interview.candidate, by=None, note=_("Declined on the call (key 2)."), channel=Channel.PHONE)
        except NothingToWithdraw:
            pass
        return twiml.refusal_acknowledged(interview.language)
    if choice == twiml.Reply.LATER:
        return twiml.callback_menu(language=interview.language, choose_url=url("interviews:webhook_callback", attempt))
    if tries >= 2:
        _set_outcome(attempt, CallOutcome.DECLINED_ON_CALL)
        return twiml.goodbye_no_confirmation(interview.language)
    return twiml.confirm_again(language=interview.language, confirm_url=url("interviews:webhook_confirm", attempt, tries=tries + 1))


def callback_chosen(attempt, *, digits):
    """The candidate asked to be called back: later today or tomorrow, inside calling hours."""
    interview = attempt.interview
    choice = twiml.callback_choice(digits)
    candidate = interview.candidate
    rules = calling_hours.rules_for(candidate)
    now = timezone.now()
    local_zone = calling_hours.zone(candidate.timezone)
    if choice == "tomorrow":
        tomorrow = (now.astimezone(local_zone) + timedelta(days=1)).date()
        start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=local_zone)
    else:
        start = now + timedelta(hours=2)
    moment = rules.next_time(start) or start
    CallAttempt.objects.filter(pk=attempt.pk).update(callback_at=moment)
    _set_outcome(attempt, CallOutcome.CALLBACK_REQUESTED)
    with translation.override(interview.language):
        when_text = formats.date_format(moment.astimezone(local_zone), "DATETIME_FORMAT")
    return twiml.callback_confirmed(language=interview.language, when_text=when_text)


# --- Each answer ------------------------------------------------------------------------------


def _answer(attempt, index, take):
    interview = attempt.interview
    question = interview.script.questions[index]
    answer, _created = Answer.objects.get_or_create(
        attempt=attempt, question_index=index, take=take,
        defaults={"interview": interview, "question_id": str(question.get("id", ""))},
    )
    return answer


def recorded(attempt, *, index, take, recording_sid, duration, digits, no_input):
    """The Record's action: the next question, the same one again (`*`, or silence once), or
    the closing words after the last."""
    interview = attempt.interview
    if attempt.state == AttemptState.ENDED or not 0 <= index < len(interview.script.questions):
        return twiml.hangup()
    answer = _answer(attempt, index, take)
    if recording_sid and not answer.recording_sid and not _take_recording_sid(answer, recording_sid):
        recording_sid = ""
    if digits == twiml.REPEAT_KEY and take == 1:
        Answer.objects.filter(pk=answer.pk).update(state=AnswerState.DISCARDED)
        return _question_twiml(attempt, index, repeat=True, take=take + 1)
    silent = no_input or (not recording_sid) or (duration is not None and duration <= 0)
    if silent:
        if take == 1:
            Answer.objects.filter(pk=answer.pk).update(state=AnswerState.DISCARDED)
            return _question_twiml(attempt, index, after_silence=True, take=take + 1)
        Answer.objects.filter(pk=answer.pk).update(state=AnswerState.SILENT)
    else:
        Answer.objects.filter(pk=answer.pk, state=AnswerState.RECORDING).update(
            state=AnswerState.AWAITING_AUDIO, duration_seconds=duration,
        )
    if digits == "hangup":
        return twiml.hangup()
    following = _next_question(interview)
    if following is None:
        return _finish(attempt)
    return _question_twiml(attempt, following)


def _take_recording_sid(answer, recording_sid):
    """Give the answer its recording's SID; False when another answer (of any tenant: the key is
    global) holds it already, which only a forged or confused callback sends."""
    try:
        with transaction.atomic():
            Answer.objects.filter(pk=answer.pk, recording_sid="").update(recording_sid=recording_sid[:64])
    except IntegrityError:
        logger.warning("callback for attempt %s names a recording another answer holds", answer.attempt_id)
        return False
    return True


def _finish(attempt):
    _set_outcome(attempt, CallOutcome.COMPLETED)
    return twiml.closing(attempt.interview.language, _company_name(attempt))


def recording_status(attempt, *, index, take, recording_sid, status, duration):
    """The recording is ready at the provider (or absent): queue its fetch once."""
    from interviews.tasks import fetch_recording_task

    interview = attempt.interview
    if not 0 <= index < len(interview.script.questions) or not once(attempt, "recording", f"{recording_sid}:{status}"):
        return
    answer = _answer(attempt, index, take)
    if answer.recording_sid and answer.recording_sid != recording_sid:
        logger.warning("recording callback for attempt %s names another recording than its answer's", attempt.pk)
        return
    if not answer.recording_sid and not _take_recording_sid(answer, recording_sid):
        return
    if status != "completed":
        Answer.objects.filter(pk=answer.pk, state__in=PENDING_AUDIO).update(state=AnswerState.SILENT)
        check_audio_complete(interview.pk)
        return
    if answer.state == AnswerState.DISCARDED:
        # A take replaced by another ("*", or silence): nothing to keep; the provider's copy goes.
        fetch_recording_task.delay_on_commit(str(attempt.tenant_id), str(answer.pk))
        return
    Answer.objects.filter(pk=answer.pk, state__in=PENDING_AUDIO).update(state=AnswerState.AWAITING_AUDIO, duration_seconds=duration)
    fetch_recording_task.delay_on_commit(str(attempt.tenant_id), str(answer.pk))


# --- Call progress ----------------------------------------------------------------------------


def call_status(attempt, *, status, duration, call_sid):
    """Progress of the call: forward only. The final status ends the attempt with its outcome and
    lets the dialler decide what comes next."""
    if not once(attempt, "status", status):
        return
    if call_sid and not attempt.call_sid:
        CallAttempt.objects.filter(pk=attempt.pk, call_sid="").update(call_sid=call_sid[:64])
    if status not in FINAL_STATUSES:
        if status == "ringing":
            CallAttempt.objects.filter(pk=attempt.pk, state__in=(AttemptState.CREATED, AttemptState.DIALLING, AttemptState.UNKNOWN)).update(state=AttemptState.RINGING)
        return
    with transaction.atomic():
        locked = CallAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state == AttemptState.ENDED:
            return
        outcome = locked.outcome or _outcome_of(locked, status)
        ended_at = timezone.now()
        CallAttempt.objects.filter(pk=locked.pk).update(
            state=AttemptState.ENDED, outcome=outcome, ended_at=ended_at,
            duration_seconds=duration if duration is not None else None,
        )
    after_attempt(attempt.pk, outcome, callback_at=locked.callback_at)
    check_audio_complete(attempt.interview_id)


def _outcome_of(attempt, status):
    if status == "busy":
        return CallOutcome.BUSY
    if status == "no-answer":
        return CallOutcome.NO_ANSWER
    if status in ("failed", "canceled"):
        return CallOutcome.FAILED
    if attempt.answered_at is None:
        return CallOutcome.NO_ANSWER
    return CallOutcome.DROPPED


def _set_outcome(attempt, outcome):
    CallAttempt.objects.filter(pk=attempt.pk).exclude(state=AttemptState.ENDED).update(outcome=outcome)


def _follow(interview, state):
    from interviews.services import follow_candidate_status

    follow_candidate_status(interview.candidate, state)


def check_audio_complete(interview_id):
    """When the call has ended and no answer's audio is still on its way: audio_complete, and
    the signal the transcription stage connects to."""
    interview = Interview.objects.filter(pk=interview_id).first()
    if interview is None or interview.state != InterviewState.AWAITING_AUDIO:
        return False
    if Answer.objects.filter(interview=interview, state__in=PENDING_AUDIO).exists():
        return False
    moved = states.move(interview.pk, InterviewState.AUDIO_COMPLETE, reason=_("Every answer's audio is stored."))
    if moved is None:
        return False
    _follow(moved, InterviewState.AUDIO_COMPLETE)
    transaction.on_commit(lambda: interview_audio_complete.send(sender=Interview, interview_id=moved.pk, tenant_id=str(moved.tenant_id)))
    return True
