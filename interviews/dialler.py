"""The dialler: due interviews found in the database, claimed one by one, dialled, and what an
attempt's outcome means for the next one. Beat ticks may race; a claim is a conditional update,
so an interview is dialled once. Everything is checked again at dial time (consent, the
interview's own state and time, calling hours): a cancelled or moved interview is never dialled
at its old time."""

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aihm.tasks import ProviderUnavailable
from aihm.tenancy import bypassing_rls
from consent import calling_hours
from consent.services import ConsentMissing, ensure_can_call
from interviews import states, telephony
from interviews.models import (
    DUE_STATES, AnswerState, AttemptState, CallAttempt, CallOutcome, CallPolicy, Interview, InterviewState,
)
from interviews.selectors import call_policy

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
# A claim not turned into a call within this time (a worker killed before dialling) is released.
CLAIM_LEASE = timedelta(minutes=3)
# After an outage of the provider (nothing was sent), the next try.
OUTAGE_RETRY = timedelta(minutes=5)
LIVE_STATES = (InterviewState.DIALLING, InterviewState.IN_CALL)
LIVE_ATTEMPTS = (AttemptState.CREATED, AttemptState.DIALLING, AttemptState.UNKNOWN, AttemptState.RINGING, AttemptState.IN_PROGRESS)


def calls_per_tick():
    return max(1, int(settings.CALLS_PER_SECOND * TICK_SECONDS))


def dial_due_interviews(now=None):
    """Across tenants: claim the due interviews this tick may dial (the account's calls per second,
    each company's simultaneous calls), and queue one dial each, spaced to hold the rate.
    Returns the ids claimed."""
    from interviews.tasks import place_call_task

    now = now or timezone.now()
    interviews = bypassing_rls(Interview)
    release_stale_claims(now)
    busy = Counter(dict(
        interviews.filter(state__in=LIVE_STATES).values_list("tenant_id").annotate(n=Count("pk")).values_list("tenant_id", "n")
    ))
    busy.update(dict(
        interviews.filter(state__in=DUE_STATES, claimed_at__isnull=False).values_list("tenant_id").annotate(n=Count("pk"))
        .values_list("tenant_id", "n")
    ))
    limits = dict(bypassing_rls(CallPolicy).values_list("tenant_id", "max_simultaneous_calls"))
    budget = calls_per_tick()
    due = (
        interviews.filter(state__in=DUE_STATES, next_call_at__lte=now, claimed_at__isnull=True)
        .order_by("next_call_at").values_list("pk", "tenant_id", "next_call_at")[: budget * 4]
    )
    claimed = []
    for pk, tenant_id, next_call_at in due:
        if len(claimed) >= budget:
            break
        if busy[tenant_id] >= limits.get(tenant_id, CallPolicy.DEFAULTS["max_simultaneous_calls"]):
            continue
        won = interviews.filter(
            pk=pk, state__in=DUE_STATES, next_call_at=next_call_at, claimed_at__isnull=True,
        ).update(claimed_at=now)
        if won:
            busy[tenant_id] += 1
            claimed.append((tenant_id, pk))
    for index, (tenant_id, pk) in enumerate(claimed):
        place_call_task.apply_async((str(tenant_id), str(pk)), countdown=index / settings.CALLS_PER_SECOND)
    if claimed:
        logger.info("dialler: %d interview(s) claimed", len(claimed))
    return [pk for _tenant, pk in claimed]


def release_stale_claims(now):
    """Claims whose dial never happened (a lost message, a killed worker) go back to the queue."""
    return bypassing_rls(Interview).filter(
        state__in=DUE_STATES, claimed_at__lt=now - CLAIM_LEASE,
    ).update(claimed_at=None)


def _release(interview, **fields):
    Interview.objects.filter(pk=interview.pk, claimed_at=interview.claimed_at).update(claimed_at=None, **fields)


def place_call(interview_id, now=None):
    """Dial a claimed interview, inside its tenant. Returns the attempt, or None when the checks
    at dial time said no (the claim is then released, or the interview ended with its reason)."""
    from interviews.services import calling_hours_hold, follow_candidate_status

    now = now or timezone.now()
    interview = Interview.objects.select_related("candidate", "candidate__position").filter(pk=interview_id).first()
    if interview is None or interview.state not in DUE_STATES or interview.claimed_at is None:
        return None
    if interview.next_call_at is None or interview.next_call_at > now + timedelta(seconds=TICK_SECONDS):
        _release(interview)  # moved to a later time since it was claimed
        return None
    candidate = interview.candidate
    try:
        ensure_can_call(candidate)
    except ConsentMissing as refusal:
        if states.move(interview.pk, InterviewState.CANCELLED, reason=refusal.message):
            follow_candidate_status(candidate, InterviewState.CANCELLED)
        return None
    if calling_hours_hold(candidate):
        rules = calling_hours.rules_for(candidate)
        if not rules.allows(now):
            _release(interview, next_call_at=rules.next_time(now))
            return None
    policy = call_policy()
    with transaction.atomic():
        number = CallAttempt.objects.filter(interview=interview).count() + 1
        moved = states.move(interview.pk, InterviewState.DIALLING, reason=_("Attempt %(n)d") % {"n": number}, claimed_at=None,
                            attempts_made=interview.attempts_made + 1)
        if moved is None:
            return None
        attempt = CallAttempt.objects.create(interview=interview, number=number, state=AttemptState.DIALLING)
        follow_candidate_status(candidate, InterviewState.DIALLING)
    request = telephony.CallRequest(
        to=candidate.phone,
        answer_url=webhook_url("interviews:webhook_voice", attempt),
        status_url=webhook_url("interviews:webhook_call_status", attempt),
        persona=interview.persona,
        time_limit_seconds=policy.call_time_limit_minutes * 60,
        ring_seconds=settings.CALL_RING_SECONDS,
    )
    try:
        call_sid = telephony.provider().place_call(request)
    except telephony.PermanentCallError as error:
        _attempt_failed(attempt, str(error), permanent=True)
        return attempt
    except ProviderUnavailable as error:
        # Nothing reached the provider: the attempt does not count against the candidate.
        Interview.objects.filter(pk=interview.pk).update(attempts_made=F("attempts_made") - 1)
        _attempt_failed(attempt, str(error), permanent=False)
        return attempt
    except telephony.AmbiguousCallError as error:
        CallAttempt.objects.filter(pk=attempt.pk).update(state=AttemptState.UNKNOWN, error=str(error)[:500])
        return attempt
    CallAttempt.objects.filter(pk=attempt.pk, call_sid="").update(call_sid=call_sid)
    return attempt


def webhook_url(name, attempt):
    """The public URL of an attempt's webhook, as Twilio (or the simulator) will call it."""
    return settings.TWILIO_WEBHOOK_BASE_URL + reverse(name, args=[attempt.pk])


def _attempt_failed(attempt, error, *, permanent):
    """The provider refused (for good) or could not be reached (nothing was sent)."""
    from interviews.services import follow_candidate_status

    CallAttempt.objects.filter(pk=attempt.pk).update(
        state=AttemptState.ENDED, outcome=CallOutcome.FAILED, ended_at=timezone.now(), error=error[:500],
    )
    interview = attempt.interview
    if permanent:
        reason = _("The number could not be called: %(error)s.") % {"error": error}
        if states.move(interview.pk, InterviewState.FAILED, reason=reason, failure_reason=reason[:500]):
            follow_candidate_status(interview.candidate, InterviewState.FAILED)
        return
    back = InterviewState.PARTIAL if _has_answers(interview) else InterviewState.SCHEDULED
    if states.move(interview.pk, back, reason=_("The telephony provider was unavailable; trying again shortly."),
                   next_call_at=timezone.now() + OUTAGE_RETRY):
        follow_candidate_status(interview.candidate, back)


def _has_answers(interview):
    return interview.answers.filter(state=AnswerState.STORED).exists() or interview.answers.filter(
        state=AnswerState.AWAITING_AUDIO).exists()


def retry_delay(outcome, policy):
    if outcome == CallOutcome.BUSY:
        return timedelta(minutes=policy.busy_retry_after_minutes)
    return timedelta(minutes=policy.retry_after_minutes)


def after_attempt(attempt_id, outcome, *, callback_at=None, now=None):
    """What an ended attempt means for the interview: done, resumed later, retried by policy
    inside calling hours, or given up (unreachable, with the reason attempt by attempt)."""
    from interviews.services import calling_hours_hold, follow_candidate_status

    now = now or timezone.now()
    attempt = CallAttempt.objects.select_related("interview", "interview__candidate").filter(pk=attempt_id).first()
    if attempt is None:
        return None
    interview, candidate = attempt.interview, attempt.interview.candidate
    if outcome == CallOutcome.COMPLETED:
        target, fields = InterviewState.AWAITING_AUDIO, {}
    elif outcome == CallOutcome.DECLINED_ON_CALL:
        target, fields = InterviewState.DECLINED_ON_CALL, {}
    elif outcome == CallOutcome.CALLBACK_REQUESTED and callback_at is not None:
        target = InterviewState.PARTIAL if _has_answers(interview) else InterviewState.SCHEDULED
        fields = {"next_call_at": callback_at}
    else:
        policy = call_policy()
        attempts_made = Interview.objects.filter(pk=interview.pk).values_list("attempts_made", flat=True).first() or 0
        if attempts_made >= policy.max_attempts:
            target = InterviewState.UNREACHABLE
            fields = {"failure_reason": _("No interview after %(n)d attempts.") % {"n": attempts_made}}
        else:
            target = InterviewState.PARTIAL if _has_answers(interview) else InterviewState.SCHEDULED
            moment = now + retry_delay(outcome, policy)
            if calling_hours_hold(candidate):
                moment = calling_hours.rules_for(candidate).next_time(moment) or moment
            fields = {"next_call_at": moment}
    moved = states.move(interview.pk, target, reason=CallOutcome(outcome).label, **fields)
    if moved is not None:
        follow_candidate_status(candidate, target)
    return moved


def hang_up_live_calls(interview_id):
    """End the provider's calls of an interview that was cancelled while they ran (best effort:
    a failure is logged, the call's own time limit still ends it)."""
    attempts = CallAttempt.objects.filter(interview_id=interview_id, state__in=LIVE_ATTEMPTS).exclude(call_sid="")
    for call_sid in attempts.values_list("call_sid", flat=True):
        try:
            telephony.provider().end_call(call_sid)
        except (ProviderUnavailable, telephony.PermanentCallError) as error:
            logger.warning("could not end a call of interview %s: %s", interview_id, type(error).__name__)
