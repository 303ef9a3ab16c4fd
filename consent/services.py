"""Every change to consent and to what is kept about candidates.

- The rule of the pipeline, `ensure_can_call(candidate)`: no valid, unwithdrawn consent, no call.
  The scheduling service and the dialling task both call it.
- Requests by email (with reminders and expiry), the candidate's answer on the public page,
  a consent a recruiter obtained another way, withdrawal at any time.
- The candidate's rights: export, and retention (erasure lives in recruiting; consent registers
  its part of it in consent.erasure).

Every decision is a new append-only ConsentRecord; Candidate.status only mirrors the result.
"""

from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import audit
from aihm.errors import Conflict, DomainError, Invalid, NotAllowed
from aihm.tenancy import current_tenant_id, tenant_context
from consent import callback_codes, emails, selectors, tokens
from consent.calling_hours import parse_clock, validate_windows
from consent.models import (
    CallingHoursPolicy,
    CallTimePreference,
    CallbackCodePurpose,
    Channel,
    ConsentLink,
    ConsentRecord,
    ConsentRequest,
    ConsentStatus,
    Coverage,
    Decision,
    RequestState,
    RetentionPolicy,
)
from consent.notice import NOTICE_LANGUAGES, keep_notice, notice_facts, render_notice, required_covers
from consent.retention import months_before, register_purger, run_purgers
from consent.signals import consent_withdrawn
from recruiting import inbox
from recruiting.models import Candidate, NotificationKind, PipelineStatus
from recruiting.services import ensure_can_write, erase_candidate

MAX_NOTE_LENGTH = 1000

# Candidate statuses that consent may overwrite: later stages (interviews, the recruiter's
# decision) belong to other services and are never rewound from here.
BEFORE_INTERVIEW = {
    PipelineStatus.NEW, PipelineStatus.CV_SCORED, PipelineStatus.CONSENT_PENDING,
    PipelineStatus.CONSENT_GIVEN, PipelineStatus.CONSENT_DECLINED,
}


class ConsentMissing(Conflict):
    """No valid, unwithdrawn consent: the call must not happen (the API answers 409)."""


class ConsentLinkInvalid(DomainError):
    """An unknown, expired, used or altered consent link; says nothing about whether it existed."""

    status_code = 404

    def __init__(self):
        super().__init__(_("This consent link is not valid: it may have expired, been used already or be incomplete."))


NOTICE_HASH_MISSING = gettext_lazy("The notice the candidate read is missing (notice_hash): read the information again before accepting.")


class NoticeChanged(Invalid):
    """A consent names the notice the candidate read (its hash, sent by the page and by API
    clients): refused when it is missing or when the notice changed since it was read."""

    def __init__(self, message):
        super().__init__(message, field="notice_hash")


class NothingToWithdraw(Conflict):
    pass


# --- The rule ----------------------------------------------------------------------------------

REFUSALS = {
    ConsentStatus.NOT_REQUESTED: gettext_lazy("No call without consent: the candidate has not been asked for consent yet."),
    ConsentStatus.PENDING: gettext_lazy("No call without consent: the candidate has not answered the consent request yet."),
    ConsentStatus.EXPIRED: gettext_lazy("No call without consent: the consent request expired without an answer."),
    ConsentStatus.DECLINED: gettext_lazy("No call: the candidate declined to be called."),
    ConsentStatus.WITHDRAWN: gettext_lazy("No call: the candidate withdrew their consent."),
}


def ensure_can_call(candidate):
    """Raise ConsentMissing unless the latest decision is a grant covering what a call needs now
    (the transfer abroad included when production providers are on)."""
    record = selectors.latest_record(candidate)
    if record is None or record.decision != Decision.GRANTED:
        status = selectors.consent_status(candidate, record=record)
        raise ConsentMissing(str(REFUSALS.get(status, REFUSALS[ConsentStatus.NOT_REQUESTED])))
    missing = [code for code in required_covers() if code not in record.covers]
    if missing:
        raise ConsentMissing(
            _("No call: the candidate's consent does not cover %(what)s; ask for consent again.")
            % {"what": ", ".join(str(Coverage(code).label).lower() for code in missing)}
        )
    return record


# --- Internals shared by every decision ---------------------------------------------------------


def _lock(candidate):
    """Decisions about one candidate happen one at a time."""
    Candidate.objects.select_for_update().filter(pk=candidate.pk).values_list("pk", flat=True).first()


def _start_over(candidate):
    """Before a new request or a recruiter's grant: lock, refuse when consent is already given,
    and revoke the requests still open."""
    _lock(candidate)
    if selectors.standing_grant(candidate) is not None:
        raise Conflict(_("The candidate has already given consent."))
    _close_pending(candidate)


def _project_status(candidate, status, *, also_from=()):
    """Mirror the consent state on Candidate.status (display only) and mark the activity."""
    now = timezone.now()
    changes = {"updated_at": now}
    if candidate.status in BEFORE_INTERVIEW or candidate.status in also_from:
        changes["status"] = status
    Candidate.objects.filter(pk=candidate.pk).update(**changes)
    for name, value in changes.items():
        setattr(candidate, name, value)


def _close_pending(candidate, *, answered=None):
    """A decision settles every open request: the one answered, and the others are revoked."""
    now = timezone.now()
    pending = ConsentRequest.objects.filter(candidate=candidate, state=RequestState.PENDING)
    if answered is not None:
        pending.filter(pk=answered.pk).update(state=RequestState.ANSWERED, answered_at=now)
        answered.state, answered.answered_at = RequestState.ANSWERED, now
        pending = pending.exclude(pk=answered.pk)
    pending.update(state=RequestState.REVOKED)


def _new_link(consent_request):
    token, token_hash = tokens.new_token()
    ConsentLink(request=consent_request, token_hash=token_hash).save()
    return token


def _record(*, candidate, decision, channel, notice, consent_request=None, ip=None, user_agent="", recorded_by=None, note=""):
    keep_notice(notice)
    record = ConsentRecord(
        candidate=candidate,
        candidate_ref=candidate.pk,
        request=consent_request,
        decision=decision,
        channel=channel,
        covers=list(notice.covers),
        text_version=notice.text_version,
        text_hash=notice.text_hash,
        language=notice.language,
        ip=ip or None,
        user_agent=(user_agent or "")[:300],
        recorded_by=recorded_by,
        note=note,
    )
    record.save()
    Candidate.objects.filter(pk=candidate.pk).update(consent_state=decision)  # the lists filter on it
    return record


def _clean_note(note, *, required):
    note = " ".join((note or "").split())
    if required and not note:
        raise Invalid(_("Say how the candidate's answer was obtained (for example: by phone on 3 May)."), field="note")
    if len(note) > MAX_NOTE_LENGTH:
        raise Invalid(_("The note is at most %(n)d characters.") % {"n": MAX_NOTE_LENGTH}, field="note")
    return note


def page_language(requested, consent_request):
    """The language the candidate reads: the one asked for, else the position's."""
    return requested if requested in NOTICE_LANGUAGES else consent_request.language


def notice_for(consent_request, language=None):
    """The notice of a request, in the language the candidate reads it in."""
    facts = notice_facts(consent_request.candidate, sender=consent_request.created_by)
    return render_notice(facts, page_language(language, consent_request))


# --- The recruiter's side -------------------------------------------------------------------------


def request_consent(*, candidate, by, request=None):
    """Email the candidate a link to the consent page, in the position's language; an earlier
    pending request is replaced. Refused when consent is already given."""
    ensure_can_write(by)
    if not candidate.email:
        raise Invalid(_("This candidate has no email address: add one, or record a consent obtained another way."), field="email")
    with transaction.atomic():
        _start_over(candidate)
        now = timezone.now()
        consent_request = ConsentRequest(
            candidate=candidate,
            language=candidate.position.language,
            expires_at=now + timedelta(days=settings.CONSENT_TOKEN_DAYS),
            sent_at=now,
            created_by=by,
        )
        consent_request.save()
        token = _new_link(consent_request)
        emails.send_consent_request(consent_request, token, facts=notice_facts(candidate, sender=by))
        _project_status(candidate, PipelineStatus.CONSENT_PENDING)
        audit(by, "consent.requested", candidate, request=request, consent_request=str(consent_request.pk))
    return consent_request


def request_consent_in_bulk(*, by, candidate, request=None):
    """One candidate of a selection (recruiting.bulk)."""
    request_consent(candidate=candidate, by=by, request=request)
    return _("Consent request emailed to %(email)s.") % {"email": candidate.email}


def record_recruiter_consent(*, candidate, by, note, request=None):
    """Record a consent the recruiter obtained another way; the note says how. The candidate, when
    reachable by email, receives what was agreed and the link to withdraw."""
    ensure_can_write(by)
    note = _clean_note(note, required=True)
    with transaction.atomic():
        _start_over(candidate)
        now = timezone.now()
        # The request that carries the confirmation email's withdraw link.
        consent_request = ConsentRequest(
            candidate=candidate, language=candidate.position.language, state=RequestState.ANSWERED,
            expires_at=now, answered_at=now, created_by=by,
        )
        consent_request.save()
        notice = render_notice(notice_facts(candidate, sender=by), consent_request.language)
        record = _record(
            candidate=candidate, decision=Decision.GRANTED, channel=Channel.RECRUITER, notice=notice,
            consent_request=consent_request, recorded_by=by, note=note,
        )
        _project_status(candidate, PipelineStatus.CONSENT_GIVEN)
        audit(by, "consent.recorded_by_recruiter", candidate, request=request, record=record.pk)
        _queue_grant_confirmation(consent_request)
    return record


def withdraw_on_behalf(*, candidate, by, note, channel=Channel.RECRUITER, request=None):
    """Withdraw a standing consent for the candidate (they told the recruiter, or said so on the
    phone: `by` is None for the phone channel)."""
    if by is not None:
        ensure_can_write(by)
    note = _clean_note(note, required=channel == Channel.RECRUITER)
    with transaction.atomic():
        _lock(candidate)
        if selectors.standing_grant(candidate) is None:
            raise NothingToWithdraw(_("There is no consent to withdraw."))
        notice = render_notice(notice_facts(candidate, sender=by), candidate.position.language)
        record = _record(
            candidate=candidate, decision=Decision.WITHDRAWN, channel=channel, notice=notice,
            recorded_by=by, note=note,
        )
        _after_withdrawal(candidate, record, by=by, request=request)
    return record


def _after_withdrawal(candidate, record, *, by=None, request=None):
    _close_pending(candidate)
    _project_status(candidate, PipelineStatus.CONSENT_DECLINED, also_from={PipelineStatus.INTERVIEW_SCHEDULED})
    audit(by, "consent.withdrawn", candidate, request=request, record=record.pk, channel=record.channel)
    consent_withdrawn.send(sender=ConsentRecord, candidate=candidate, record=record)


# --- The candidate's side (public links) ----------------------------------------------------------


@contextmanager
def opened_request(token):
    """The consent request behind a link, inside its company's tenant context; None for an
    unknown link. The lookup by hash is the one cross-tenant read (consent.tokens.locate)."""
    location = tokens.locate(token)
    if location is None or current_tenant_id() not in (None, location.tenant_id):
        yield None
        return
    with tenant_context(location.tenant_id):
        yield (
            ConsentRequest.objects.select_related("candidate", "candidate__position", "created_by")
            .filter(pk=location.request_id)
            .first()
        )


def _answer(*, token, decision, ip, user_agent, language, notice_hash, preferred_times=None):
    windows = validate_windows(preferred_times) if decision == Decision.GRANTED else []
    with opened_request(token) as consent_request:
        if consent_request is None:
            raise ConsentLinkInvalid()
        candidate = consent_request.candidate
        with transaction.atomic():
            _lock(candidate)
            locked = ConsentRequest.objects.select_for_update().get(pk=consent_request.pk)
            if not locked.is_answerable():
                raise ConsentLinkInvalid()
            notice = notice_for(consent_request, language)
            if decision == Decision.GRANTED and not notice_hash:
                raise NoticeChanged(str(NOTICE_HASH_MISSING))
            if notice_hash and notice_hash != notice.text_hash:
                raise NoticeChanged(_("The information on this page has just changed: please read it again before answering."))
            _close_pending(candidate, answered=consent_request)
            record = _record(
                candidate=candidate, decision=decision, channel=Channel.WEB, notice=notice,
                consent_request=consent_request, ip=ip, user_agent=user_agent,
            )
            if windows:
                _save_windows(candidate, windows)
            status = PipelineStatus.CONSENT_GIVEN if decision == Decision.GRANTED else PipelineStatus.CONSENT_DECLINED
            _project_status(candidate, status)
            audit(None, f"consent.{decision}", candidate, record=record.pk, channel=Channel.WEB)
            _tell_recruiter(consent_request, NotificationKind.CONSENT_GRANTED if decision == Decision.GRANTED
                            else NotificationKind.CONSENT_DECLINED)
            if decision == Decision.GRANTED:
                _queue_grant_confirmation(consent_request)
    return record


def accept(*, token, notice_hash, ip=None, user_agent="", language=None, preferred_times=None):
    """The candidate accepts the notice they read (its hash) on the page or through the API,
    optionally with preferred call times."""
    return _answer(token=token, decision=Decision.GRANTED, ip=ip, user_agent=user_agent, language=language,
                   notice_hash=notice_hash, preferred_times=preferred_times)


def decline(*, token, ip=None, user_agent="", language=None, notice_hash=None):
    """The candidate declines: a decision, recorded as such, distinct from no answer."""
    return _answer(token=token, decision=Decision.DECLINED, ip=ip, user_agent=user_agent, language=language,
                   notice_hash=notice_hash)


def withdraw(*, token, ip=None, user_agent="", language=None):
    """The candidate withdraws through any link of theirs, whenever a consent stands."""
    with opened_request(token) as consent_request:
        if consent_request is None:
            raise ConsentLinkInvalid()
        candidate = consent_request.candidate
        with transaction.atomic():
            _lock(candidate)
            if selectors.standing_grant(candidate) is None:
                raise NothingToWithdraw(_("There is no consent to withdraw: you will not be called."))
            record = _record(
                candidate=candidate, decision=Decision.WITHDRAWN, channel=Channel.WEB,
                notice=notice_for(consent_request, language), consent_request=consent_request,
                ip=ip, user_agent=user_agent,
            )
            _after_withdrawal(candidate, record)
            _tell_recruiter(consent_request, NotificationKind.CONSENT_WITHDRAWN)
    return record


def _tell_recruiter(consent_request, kind):
    """The candidate answered on their page: the recruiter who asked (else the position's owner)
    finds it in their inbox."""
    candidate = consent_request.candidate
    user = consent_request.created_by
    if user is None or not user.is_active:
        user = candidate.position.owner
    inbox.notify(user=user, kind=kind, candidate=candidate, link=reverse("recruiting:candidate_detail", args=[candidate.pk]))


def _save_windows(candidate, windows):
    preference = CallTimePreference.objects.filter(candidate=candidate).first() or CallTimePreference(candidate=candidate)
    preference.windows = windows
    preference.save()


def set_preferred_times(*, token, preferred_times):
    """After accepting, the candidate may say when calls suit them (inside calling hours)."""
    windows = validate_windows(preferred_times)
    with opened_request(token) as consent_request:
        if consent_request is None:
            raise ConsentLinkInvalid()
        candidate = consent_request.candidate
        with transaction.atomic():
            _lock(candidate)
            if selectors.standing_grant(candidate) is None:
                raise ConsentLinkInvalid()
            _save_windows(candidate, windows)
            audit(None, "consent.call_times_set", candidate, windows=len(windows))
    return windows


# --- Confirmation and reminders (tasks) ---------------------------------------------------------


def _queue_grant_confirmation(consent_request):
    from consent.tasks import send_grant_confirmation_task

    if consent_request.candidate.email:
        send_grant_confirmation_task.delay_on_commit(str(consent_request.tenant_id), str(consent_request.pk))


def send_grant_confirmation(*, request_id):
    """Email the candidate what they agreed to and a link to withdraw; once per request."""
    with transaction.atomic():
        consent_request = (
            ConsentRequest.objects.select_for_update().filter(pk=request_id, confirmation_sent_at__isnull=True).first()
        )
        if consent_request is None:
            return False
        candidate = consent_request.candidate
        grant = selectors.standing_grant(candidate)
        if grant is None or grant.request_id != consent_request.pk or not candidate.email:
            return False
        facts = notice_facts(candidate, sender=consent_request.created_by)
        code = callback_codes.issue(candidate, purpose=CallbackCodePurpose.CONSENT_CONFIRMATION)
        emails.send_grant_confirmation(
            candidate, _new_link(consent_request), language=consent_request.language, facts=facts, channel=grant.channel,
            callback_code=code,
        )
        consent_request.confirmation_sent_at = timezone.now()
        consent_request.save(update_fields=["confirmation_sent_at"])
    return True


def reminder_due_filter(now):
    """Pending requests whose next step (a reminder, or expiry) is due at `now`."""
    condition = Q(expires_at__lte=now)
    for number, days in enumerate(settings.CONSENT_REMINDER_DAYS, start=1):
        condition |= Q(reminders_sent__lt=number, sent_at__lte=now - timedelta(days=days))
    return Q(state=RequestState.PENDING) & condition


def remind_or_expire(*, request_id, now=None):
    """Send the reminder that is due (after 2, then 5 days), or mark the request expired.
    Safe to run twice: a reminder already sent is not sent again."""
    now = now or timezone.now()
    with transaction.atomic():
        consent_request = (
            ConsentRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("candidate", "candidate__position", "created_by")
            .filter(pk=request_id, state=RequestState.PENDING)
            .first()
        )
        if consent_request is None:
            return None
        candidate = consent_request.candidate
        if consent_request.expires_at <= now:
            consent_request.state = RequestState.EXPIRED
            consent_request.save(update_fields=["state"])
            audit(None, "consent.expired", candidate, consent_request=str(consent_request.pk))
            return "expired"
        due = sum(1 for days in settings.CONSENT_REMINDER_DAYS if consent_request.sent_at + timedelta(days=days) <= now)
        if due <= consent_request.reminders_sent or not candidate.email:
            return None
        token = _new_link(consent_request)
        emails.send_consent_request(
            consent_request, token, facts=notice_facts(candidate, sender=consent_request.created_by), reminder_number=due,
        )
        consent_request.reminders_sent = due
        consent_request.last_reminded_at = now
        consent_request.save(update_fields=["reminders_sent", "last_reminded_at"])
        audit(None, "consent.reminded", candidate, consent_request=str(consent_request.pk), number=due)
    return "reminded"


# --- Candidate rights: export, retention ----------------------------------------------------------


def export_candidate(*, by, candidate, request=None):
    """Everything held about a candidate, as a zip of data.json and files; audited."""
    from consent.rights import build_archive

    if not by.can_write:
        raise NotAllowed(_("Your role cannot export candidate data."))
    archive = build_archive(candidate)
    audit(by, "candidate.exported", candidate, request=request)
    return archive


RETENTION_BOUNDS = {"recordings_days": (1, 3650), "reports_months": (1, 120), "other_data_months": (1, 120)}


def update_retention_policy(*, by, request=None, **periods):
    """Set the company's retention periods (admins only); a period left out keeps its value."""
    if not by.is_tenant_admin:
        raise NotAllowed(_("Only an admin of the company can do this."))
    unknown = set(periods) - set(RETENTION_BOUNDS)
    if unknown:
        raise TypeError(f"unknown retention periods: {sorted(unknown)}")
    for field, value in periods.items():
        low, high = RETENTION_BOUNDS[field]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise Invalid(_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field)
    with transaction.atomic():
        policy = RetentionPolicy.objects.select_for_update().first() or RetentionPolicy()
        for field, value in periods.items():
            setattr(policy, field, value)
        policy.updated_by = by
        policy.save()
        audit(by, "retention.updated", policy, request=request,
              **{field: getattr(policy, field) for field in RETENTION_BOUNDS})
    return policy


CALLING_HOURS_FIELDS = ("days", "start", "end", "second_start", "second_end", "skip_public_holidays", "french_decree_for_french_numbers")


def _clock_or_refuse(value, field):
    try:
        return parse_clock(value)
    except (TypeError, ValueError):
        raise Invalid(_("Enter a time as HH:MM."), field=field) from None


def _clean_calling_hours(*, days, start, end, second_start, second_end, **flags):
    """The policy's hours checked: at least one day, each window ending after it starts, the two
    windows apart (the earlier one first); each refusal names its field."""
    try:
        days = sorted({int(day) for day in days})
    except (TypeError, ValueError):
        raise Invalid(_("Choose calling days from Monday to Sunday."), field="days") from None
    if not days:
        raise Invalid(_("Choose at least one calling day."), field="days")
    if not all(0 <= day <= 6 for day in days):
        raise Invalid(_("Choose calling days from Monday to Sunday."), field="days")
    windows = [(_clock_or_refuse(start, "start"), _clock_or_refuse(end, "end"))]
    if second_start in (None, "") and second_end in (None, ""):
        second_start = second_end = None
    elif second_start in (None, "") or second_end in (None, ""):
        raise Invalid(_("Give both the start and the end of the second window, or leave both empty."),
                      field="second_end" if second_start not in (None, "") else "second_start")
    else:
        windows.append((_clock_or_refuse(second_start, "second_start"), _clock_or_refuse(second_end, "second_end")))
    for (first, last), field in zip(windows, ("end", "second_end")):
        if not first < last:
            raise Invalid(_("Calling hours must end after they start."), field=field)
    windows.sort()
    if len(windows) == 2 and windows[1][0] < windows[0][1]:
        raise Invalid(_("The two windows overlap: the second must start when or after the first ends."), field="second_start")
    (start, end), (second_start, second_end) = windows[0], windows[1] if len(windows) == 2 else (None, None)
    return {"days": days, "start": start, "end": end, "second_start": second_start, "second_end": second_end,
            **{name: bool(value) for name, value in flags.items()}}


def update_calling_hours_policy(*, by, request=None, **fields):
    """Set the company's calling hours (admins only); fields left out keep their value."""
    if not by.is_tenant_admin:
        raise NotAllowed(_("Only an admin of the company can do this."))
    unknown = set(fields) - set(CALLING_HOURS_FIELDS)
    if unknown:
        raise TypeError(f"unknown calling hours fields: {sorted(unknown)}")
    with transaction.atomic():
        policy = CallingHoursPolicy.objects.select_for_update().first() or CallingHoursPolicy()
        cleaned = _clean_calling_hours(**{name: getattr(policy, name) for name in CALLING_HOURS_FIELDS} | fields)
        for name, value in cleaned.items():
            setattr(policy, name, value)
        policy.updated_by = by
        policy.save()
        audit(by, "calling_hours.updated", policy, request=request, days=policy.days, windows=str(policy),
              skip_public_holidays=policy.skip_public_holidays,
              french_decree_for_french_numbers=policy.french_decree_for_french_numbers)
    return policy


def candidates_past_retention(policy, now):
    return Candidate.objects.filter(updated_at__lt=months_before(now, policy.other_data_months))


@register_purger
def purge_inbox(policy, now):
    """The recruiters' inbox lines go with the reports they announce, after `reports_months`."""
    deleted = inbox.purge_before(months_before(now, policy.reports_months))
    return {"notifications_deleted": deleted} if deleted else {}


def apply_retention(*, now=None):
    """Apply the active tenant's policy: erase candidates without activity for the period (with
    their files and everything derived), then the purgers of higher apps. The counts go to the
    audit log when something was erased."""
    now = now or timezone.now()
    policy = selectors.retention_policy()
    erased = 0
    for candidate in list(candidates_past_retention(policy, now).select_related("position")):
        erase_candidate(by=None, candidate=candidate, system=True)
        erased += 1
    counts = {"candidates_erased": erased, **run_purgers(policy, now)}
    if any(counts.values()):  # a nightly run that erased nothing leaves no line
        audit(None, "retention.applied", policy if policy.pk else None,
              other_data_months=policy.other_data_months, recordings_days=policy.recordings_days,
              reports_months=policy.reports_months, **counts)
    return counts
