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
from django.db.models import Count, F, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aihm.tasks import ProviderUnavailable
from aihm.tenancy import bypassing_rls
from consent import calling_hours
from consent.services import ConsentMissing, ensure_can_call
from interviews import states, telephony
from interviews.models import (
    DUE_STATES, AnswerState, AttemptState, CallAttempt, CallDirection, CallOutcome, CallPolicy, Interview, InterviewState,
)
from interviews.selectors import call_policy
from interviews.webhook_security import webhook_url

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
# Companies with due work looked at in one tick, those waiting longest first.
MAX_COMPANIES_PER_TICK = 500
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
    claimed = []
    for pk, tenant_id, next_call_at in _due_within_limits(interviews, now, busy, limits, budget):
        if len(claimed) >= budget:
            break
        if busy[tenant_id] >= _limit(limits, tenant_id):
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


def _limit(limits, tenant_id):
    return limits.get(tenant_id, CallPolicy.DEFAULTS["max_simultaneous_calls"])


def _due_within_limits(interviews, now, busy, limits, budget):
    """The due interviews this tick may claim, oldest first: for each company with due work, at
    most what its room under its simultaneous-call limit allows, so that one company's backlog
    never keeps the others waiting."""
    due = interviews.filter(state__in=DUE_STATES, next_call_at__lte=now, claimed_at__isnull=True)
    companies = due.values("tenant_id").annotate(oldest=Min("next_call_at")).order_by("oldest").values_list("tenant_id", flat=True)
    rows = []
    for tenant_id in companies[:MAX_COMPANIES_PER_TICK]:
        room = min(_limit(limits, tenant_id) - busy[tenant_id], budget)
        if room > 0:
            rows.extend(due.filter(tenant_id=tenant_id).order_by("next_call_at").values_list("pk", "tenant_id", "next_call_at")[:room])
    return sorted(rows, key=lambda row: row[2])


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
        answer_url=webhook_url("interviews:webhook_voice", attempt.pk),
        status_url=webhook_url("interviews:webhook_call_status", attempt.pk),
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
            if attempt.direction == CallDirection.INBOUND and interview.next_call_at and interview.next_call_at > now:
                # The candidate called before the time we had planned: that call still stands.
                moment = interview.next_call_at
            fields = {"next_call_at": moment}
    moved = states.move(interview.pk, target, reason=CallOutcome(outcome).label, **fields)
    if moved is not None:
        follow_candidate_status(candidate, target)
        if target == InterviewState.UNREACHABLE:
            from interviews import pipeline

            pipeline.start(moved.pk)  # the answers given on earlier calls are still analysed
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


# An attempt still live this long after its call's time limit has lost its final callback (a
# worker killed mid-call, a callback never delivered).
STUCK_AFTER_TIME_LIMIT = timedelta(minutes=10)


def reconcile_stuck_attempts(now=None):
    """Beat, across tenants: attempts still live well past their call's time limit are settled.
    An ambiguous dial is looked up at the provider first (a call found decides by its status);
    the rest end as dropped or unanswered and the dialler decides what comes next. Returns the
    ids of the attempts ended."""
    from aihm.tenancy import tenant_context

    now = now or timezone.now()
    default_limit = CallPolicy.DEFAULTS["call_time_limit_minutes"]
    limits = dict(bypassing_rls(CallPolicy).values_list("tenant_id", "call_time_limit_minutes"))
    shortest = timedelta(minutes=min([default_limit, *limits.values()]))
    stuck = list(
        bypassing_rls(CallAttempt).filter(state__in=LIVE_ATTEMPTS, started_at__lt=now - shortest - STUCK_AFTER_TIME_LIMIT)
        .order_by("started_at").values_list("pk", "tenant_id", "started_at")[:200]
    )
    ended = []
    for pk, tenant_id, started_at in stuck:
        if started_at >= now - timedelta(minutes=limits.get(tenant_id, default_limit)) - STUCK_AFTER_TIME_LIMIT:
            continue
        with tenant_context(tenant_id):
            interview_id = CallAttempt.objects.filter(pk=pk).values_list("interview_id", flat=True).first()
            with translation.override(states.recruiter_language(interview_id)):
                if _reconcile_attempt(pk, now):
                    ended.append(pk)
    if ended:
        logger.info("dialler: %d stuck attempt(s) settled", len(ended))
    return ended


def _reconcile_attempt(attempt_id, now):
    from interviews.calls import FINAL_STATUSES, _outcome_of, check_audio_complete

    attempt = CallAttempt.objects.select_related("interview__candidate").filter(pk=attempt_id).first()
    if attempt is None or attempt.state not in LIVE_ATTEMPTS:
        return False
    found_status = None
    if attempt.state == AttemptState.UNKNOWN:
        try:
            calls = telephony.provider().find_calls(to=attempt.interview.candidate.phone, since=attempt.started_at)
        except (ProviderUnavailable, telephony.PermanentCallError) as error:
            logger.warning("stuck attempt %s: the provider could not be asked (%s)", attempt.pk, error)
            return False
        # Another attempt's call to the same number (another company's candidate too) is not this one.
        taken = set(bypassing_rls(CallAttempt).filter(call_sid__in=[sid for sid, _status in calls])
                    .exclude(pk=attempt.pk).values_list("call_sid", flat=True))
        mine = [(sid, status) for sid, status in calls if sid not in taken and (not attempt.call_sid or sid == attempt.call_sid)]
        if mine:
            call_sid, found_status = mine[0]
            CallAttempt.objects.filter(pk=attempt.pk, call_sid="").update(call_sid=call_sid[:64])
            if found_status not in FINAL_STATUSES:
                return False  # the call lives: its own final status callback ends the attempt
    with transaction.atomic():
        locked = CallAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state not in LIVE_ATTEMPTS:
            return False
        if found_status is not None:
            outcome = locked.outcome or _outcome_of(locked, found_status)
        elif locked.state == AttemptState.UNKNOWN:
            outcome = locked.outcome or CallOutcome.FAILED
        else:
            outcome = locked.outcome or (CallOutcome.DROPPED if locked.answered_at else CallOutcome.NO_ANSWER)
        CallAttempt.objects.filter(pk=locked.pk).update(
            state=AttemptState.ENDED, outcome=outcome, ended_at=now,
            error=locked.error or "No final status from the provider: settled by the sweeper.",
        )
    after_attempt(attempt.pk, outcome, callback_at=locked.callback_at, now=now)
    check_audio_complete(attempt.interview_id)
    return True
