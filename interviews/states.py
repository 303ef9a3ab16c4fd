"""The interview's state machine: which move is allowed from which state, applied in one place.

Webhooks, tasks and services ask `move()` for a transition; none of them writes `state` itself.
A move that the table does not allow (a late or duplicated event, a race lost) changes nothing,
is logged, and answers False.
"""

import logging

from django.db import transaction
from django.utils import timezone

from interviews import notifications
from interviews.models import Interview, InterviewEvent, InterviewState

S = InterviewState
log = logging.getLogger(__name__)

ALLOWED = {
    S.SCHEDULED: {S.DIALLING, S.CANCELLED, S.FAILED},
    S.DIALLING: {S.IN_CALL, S.SCHEDULED, S.PARTIAL, S.UNREACHABLE, S.CANCELLED, S.FAILED, S.DECLINED_ON_CALL},
    S.IN_CALL: {S.AWAITING_AUDIO, S.PARTIAL, S.SCHEDULED, S.DECLINED_ON_CALL, S.UNREACHABLE, S.CANCELLED, S.FAILED},
    S.PARTIAL: {S.DIALLING, S.CANCELLED, S.UNREACHABLE, S.FAILED},
    S.AWAITING_AUDIO: {S.AUDIO_COMPLETE, S.FAILED},
    S.AUDIO_COMPLETE: set(),
    S.CANCELLED: set(),
    S.UNREACHABLE: set(),
    S.DECLINED_ON_CALL: set(),
    S.FAILED: set(),
}
ENDED = {state for state, targets in ALLOWED.items() if not targets}
# The ends the recruiter who scheduled the interview is told of by email, with the reason.
ENDS_TOLD = {S.FAILED, S.UNREACHABLE}


def recruiter_language(interview_id):
    """The language an interview's stored texts (reasons, errors) are written in: that of the
    recruiter who scheduled it, whoever or whatever writes them (a webhook, a task)."""
    from django.conf import settings

    language = Interview.objects.filter(pk=interview_id).values_list("created_by__language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def can_move(from_state, to_state):
    return to_state in ALLOWED.get(from_state, set())


def move(interview_id, to, *, reason="", **fields):
    """Apply `from -> to` under a row lock, with an event line, if the table allows it; set
    `fields` on the interview in the same update. Returns the interview moved, or None."""
    with transaction.atomic():
        interview = Interview.objects.select_for_update().filter(pk=interview_id).first()
        if interview is None:
            log.warning("interview move to %s: no such interview %s", to, interview_id)
            return None
        if not can_move(interview.state, to):
            log.info("interview %s: move %s -> %s ignored (not allowed)", interview_id, interview.state, to)
            return None
        previous = interview.state
        interview.state = to
        if to in ENDED:
            interview.ended_at = timezone.now()
            interview.next_call_at = None
            interview.claimed_at = None
        for name, value in fields.items():
            setattr(interview, name, value)
        interview.save(update_fields=["state", "ended_at", "next_call_at", "claimed_at", "updated_at", *fields])
        InterviewEvent.objects.create(interview=interview, from_state=previous, to_state=to, reason=str(reason)[:500])
        if to in ENDS_TOLD:
            told = str(fields.get("failure_reason") or reason)
            transaction.on_commit(lambda: notifications.interview_failed(interview.pk, told))
    return interview
