"""Every change to an interview: scheduling, cancelling, rescheduling, and the candidate's status
that follows them. The dialler's own steps are in `interviews/dialler.py`."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.services import audit
from aihm.errors import Conflict, Invalid, NotAllowed
from consent import calling_hours
from consent.services import ensure_can_call
from interviews import states, telephony
from interviews.models import ACTIVE_STATES, DUE_STATES, CallPolicy, Interview, InterviewState
from interviews.personas import PERSONAS
from recruiting.models import DECISIONS, Candidate, PipelineStatus
from recruiting.services import ensure_can_write, freeze_script

# A time given a little in the past (a slow form, clocks apart) is taken as "now".
PAST_TOLERANCE = timedelta(minutes=2)
HORIZON_DAYS = 21

# The candidate's status while an interview is in each state (display only; the interview's
# state is the truth). A recruiter's decision is never overwritten.
CANDIDATE_STATUS = {
    InterviewState.SCHEDULED: PipelineStatus.INTERVIEW_SCHEDULED,
    InterviewState.PARTIAL: PipelineStatus.INTERVIEW_SCHEDULED,
    InterviewState.DIALLING: PipelineStatus.INTERVIEW_IN_PROGRESS,
    InterviewState.IN_CALL: PipelineStatus.INTERVIEW_IN_PROGRESS,
    InterviewState.AWAITING_AUDIO: PipelineStatus.INTERVIEW_DONE,
    InterviewState.AUDIO_COMPLETE: PipelineStatus.INTERVIEW_DONE,
    InterviewState.CANCELLED: PipelineStatus.CONSENT_GIVEN,
    InterviewState.UNREACHABLE: PipelineStatus.CONSENT_GIVEN,
    InterviewState.FAILED: PipelineStatus.CONSENT_GIVEN,
    InterviewState.DECLINED_ON_CALL: PipelineStatus.CONSENT_DECLINED,
}


def calling_hours_hold(candidate):
    """Whether calling hours hold this candidate's calls back: always for real calls; for the
    simulator only when SIMULATED_CALLS_KEEP_CALLING_HOURS is on (they are still shown)."""
    return not telephony.is_simulated() or settings.SIMULATED_CALLS_KEEP_CALLING_HOURS


def follow_candidate_status(candidate, interview_state):
    """Mirror an interview's state on Candidate.status, unless a person has already decided."""
    status = CANDIDATE_STATUS.get(interview_state)
    if status is None or candidate.status in DECISIONS:
        return
    if interview_state in (InterviewState.CANCELLED, InterviewState.UNREACHABLE, InterviewState.FAILED) and candidate.status in (
        PipelineStatus.CONSENT_DECLINED,
    ):
        return
    Candidate.objects.filter(pk=candidate.pk).exclude(status__in=DECISIONS).update(status=status, updated_at=timezone.now())
    candidate.status = status


def _call_moment(candidate, at, now):
    """The moment to call: `at` checked against calling hours, or the next allowed moment."""
    rules = calling_hours.rules_for(candidate)
    hold = calling_hours_hold(candidate)
    if at is None:
        if not hold or rules.allows(now):
            return now
        moment = rules.next_time(now, horizon_days=HORIZON_DAYS)
        if moment is None:
            raise Conflict(_("No calling time is open in the next %(days)d days for this candidate.") % {"days": HORIZON_DAYS})
        return moment
    if timezone.is_naive(at):
        raise Invalid(_("Give the time with its time zone (ISO 8601, e.g. 2026-03-09T10:30:00+01:00)."), field="scheduled_at")
    if at < now - PAST_TOLERANCE:
        raise Conflict(_("That time is in the past."), field="scheduled_at")
    at = max(at, now)
    if hold:
        refusal = rules.refusal(at)
        if refusal:
            raise Conflict(refusal, field="scheduled_at")
    return at


def _lock_candidate(candidate):
    Candidate.objects.select_for_update().filter(pk=candidate.pk).values_list("pk", flat=True).first()


def _clean_persona(persona):
    if not telephony.is_simulated():
        return ""
    persona = persona or ""
    if persona and persona not in PERSONAS:
        raise Invalid(_("Choose a simulated candidate from the list."), field="persona")
    return persona


def call_language(candidate, script):
    """The language the call starts in: the one the candidate read the consent page in, when the
    script offers it (a position in several languages lets the candidate change it on the
    keypad), else the script's own."""
    from consent.selectors import standing_grant
    from recruiting.scripts import script_languages

    grant = standing_grant(candidate)
    if grant is not None and grant.language in script_languages(script):
        return grant.language
    return script.language


def schedule_interview(*, by, candidate, at=None, persona="", request=None):
    """Schedule the phone interview: refused without a valid consent, outside calling hours, in
    the past, beside another active interview of the candidate, or when the script cannot be
    frozen. Absent `at` means the next moment allowed."""
    ensure_can_write(by)
    ensure_can_call(candidate)
    persona = _clean_persona(persona)
    now = timezone.now()
    moment = _call_moment(candidate, at, now)
    script = freeze_script(by=by, position=candidate.position)
    with transaction.atomic():
        _lock_candidate(candidate)
        if Interview.objects.filter(candidate=candidate, state__in=ACTIVE_STATES).exists():
            raise Conflict(_("This candidate already has an interview under way; cancel it or wait for its end."))
        interview = Interview.objects.create(
            candidate=candidate, script=script, language=call_language(candidate, script), next_call_at=moment,
            persona=persona, created_by=by,
        )
        follow_candidate_status(candidate, InterviewState.SCHEDULED)
        audit(by, "interview.scheduled", candidate, request=request, interview=str(interview.pk), at=moment.isoformat())
    if moment <= now:
        _wake_dialler()
    return interview


def schedule_interview_in_bulk(*, by, candidate, request=None):
    """One candidate of a selection (recruiting.bulk): the next moment allowed."""
    interview = schedule_interview(by=by, candidate=candidate, request=request)
    when = formats.date_format(timezone.localtime(interview.next_call_at), "SHORT_DATETIME_FORMAT")
    return _("Interview scheduled for %(when)s.") % {"when": when}


def reschedule_interview(*, by, interview, at=None, request=None):
    """Move a call that has not started to another time; the old time is never dialled."""
    ensure_can_write(by)
    candidate = interview.candidate
    ensure_can_call(candidate)
    now = timezone.now()
    moment = _call_moment(candidate, at, now)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        if locked.state not in DUE_STATES or locked.claimed_at is not None:
            raise Conflict(_("Only an interview waiting for its call can be rescheduled; this one is %(state)s.") % {
                "state": locked.get_state_display().lower()})
        locked.next_call_at = moment
        locked.save(update_fields=["next_call_at", "updated_at"])
        audit(by, "interview.rescheduled", candidate, request=request, interview=str(interview.pk), at=moment.isoformat())
    interview.refresh_from_db()
    if moment <= now:
        _wake_dialler()
    return interview


def cancel_interview(*, by=None, interview, reason="", request=None):
    """Cancel an interview that has not ended; a call in progress is hung up."""
    if by is not None:
        ensure_can_write(by)
    if not reason and by is not None:
        reason = _("Cancelled by a recruiter.")
    moved = states.move(interview.pk, InterviewState.CANCELLED, reason=reason)
    if moved is None:
        interview.refresh_from_db()
        raise Conflict(_("This interview has already ended (%(state)s).") % {"state": interview.get_state_display().lower()})
    follow_candidate_status(interview.candidate, InterviewState.CANCELLED)
    audit(by, "interview.cancelled", interview.candidate, request=request, interview=str(interview.pk))
    from interviews.dialler import hang_up_live_calls

    transaction.on_commit(lambda: hang_up_live_calls(moved.pk))
    interview.refresh_from_db()
    return interview


def simulate_call_back(*, by, interview, request=None):
    """The embedded default's demo of an inbound call: the simulated candidate calls the line
    back and enters a fresh code. Refused with a real telephony provider, or when the interview
    is not waiting for a call."""
    from interviews.simulator import simulate_call_back as call_back

    ensure_can_write(by)
    if not telephony.is_simulated():
        raise NotAllowed(_("Only a simulated candidate can be made to call back."))
    if interview.state not in DUE_STATES:
        raise Conflict(_("This interview is not waiting for a call."))
    ensure_can_call(interview.candidate)
    call_back(interview, by=by)
    audit(by, "interview.simulated_call_back", interview.candidate, request=request, interview=str(interview.pk))


def cancel_pending_interviews(candidate, *, reason):
    """Consent withdrawn: every active interview of the candidate ends, a live call is hung up."""
    for interview in Interview.objects.filter(candidate=candidate, state__in=ACTIVE_STATES):
        moved = states.move(interview.pk, InterviewState.CANCELLED, reason=reason)
        if moved is not None:
            from interviews.dialler import hang_up_live_calls

            transaction.on_commit(lambda pk=moved.pk: hang_up_live_calls(pk))


def _wake_dialler():
    """A call due now need not wait for the next beat tick."""
    from interviews.tasks import dial_due_interviews

    transaction.on_commit(lambda: dial_due_interviews.delay())


# --- The company's call policy --------------------------------------------------------------

CALL_POLICY_LIMITS = {
    "max_attempts": (1, 10), "retry_after_minutes": (10, 1440), "busy_retry_after_minutes": (5, 1440),
    "call_time_limit_minutes": (3, 60), "answer_silence_seconds": (2, 30), "max_simultaneous_calls": (1, 100),
    "heads_up_minutes": (2, 120),
}
CALL_POLICY_FLAGS = ("voicemail_message", "heads_up_sms")


def update_call_policy(*, by, request=None, **values):
    """A company's rules for its calls (admins only); each number is checked against its range."""

    if not by.is_tenant_admin:
        raise NotAllowed(_("Only an admin of the company can do this."))
    unknown = set(values) - set(CALL_POLICY_LIMITS) - set(CALL_POLICY_FLAGS)
    if unknown:
        raise Invalid(_("Unknown setting: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    for field, value in values.items():
        if field in CALL_POLICY_LIMITS:
            low, high = CALL_POLICY_LIMITS[field]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise Invalid(_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field)
        elif not isinstance(value, bool):
            raise Invalid(_("Choose yes or no."), field=field)
    with transaction.atomic():
        policy = CallPolicy.objects.select_for_update().first() or CallPolicy(**CallPolicy.DEFAULTS)
        for field, value in values.items():
            setattr(policy, field, value)
        policy.updated_by = by
        policy.save()
        audit(by, "call_policy.updated", policy, request=request, **values)
    return policy
