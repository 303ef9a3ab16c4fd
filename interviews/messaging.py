"""The text message a few minutes before a scheduled call, when the company's call policy asks
for it: the company's name, that an automated assistant will call, and a call-back code; nothing
about the candidate or the position. Beat ticks may race: the unique (interview, call time) row
is the claim, so a call gets one message and a rescheduled call its own. A message that fails is
noted on its row and never holds up the call. Twilio's status callbacks move it forward only."""

import logging
import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Tenant
from aihm.tenancy import bypassing_rls, tenant_context
from consent import callback_codes
from consent.models import CallbackCodePurpose
from consent.services import ConsentMissing, ensure_can_call
from interviews import telephony
from interviews.models import DUE_STATES, CallPolicy, HeadsUp, Interview, MessageState
from interviews.selectors import call_policy
from interviews.states import recruiter_language
from interviews.webhook_security import twilio_webhook, webhook_url

logger = logging.getLogger(__name__)

# A call further in the past than this is being dialled already: too late for a warning.
TOO_LATE_AFTER = timedelta(minutes=1)
MAX_MESSAGES_PER_TICK = 200

M = MessageState
# The message's state machine: a state only moves to one of a higher rank.
RANK = {M.QUEUED: 0, M.SENT: 1, M.DELIVERED: 2, M.UNDELIVERED: 2, M.FAILED: 2}
# Twilio's MessageStatus values that say something about an outgoing message.
TWILIO_STATUSES = {
    "queued": M.QUEUED, "sending": M.QUEUED, "sent": M.SENT,
    "delivered": M.DELIVERED, "undelivered": M.UNDELIVERED, "failed": M.FAILED,
}


def send_due_heads_ups(now=None):
    """Beat, across tenants: the message for each call coming up within its company's notice.
    Returns the ids of the heads-ups this tick claimed (sent, or failed)."""
    now = now or timezone.now()
    claimed = []
    for tenant_id, interview_id in _due_interviews(now):
        with tenant_context(tenant_id), translation.override(recruiter_language(interview_id)):
            heads_up = send_heads_up(interview_id, now=now)
        if heads_up is not None:
            claimed.append(heads_up.pk)
    if claimed:
        logger.info("heads-up: %d message(s) claimed", len(claimed))
    return claimed


def _due_interviews(now):
    """(tenant id, interview id) of the calls inside their company's notice with no message for
    their time yet, soonest first."""
    notice = dict(bypassing_rls(CallPolicy).filter(heads_up_sms=True).values_list("tenant_id", "heads_up_minutes"))
    if not notice:
        return []
    messaged = bypassing_rls(HeadsUp).filter(interview=OuterRef("pk"), call_at=OuterRef("next_call_at"))
    rows = bypassing_rls(Interview).filter(
        tenant_id__in=list(notice), state__in=DUE_STATES,
        next_call_at__gte=now - TOO_LATE_AFTER, next_call_at__lte=now + timedelta(minutes=max(notice.values())),
    ).exclude(Exists(messaged)).order_by("next_call_at").values_list("tenant_id", "pk", "next_call_at")
    due = [(tenant_id, pk) for tenant_id, pk, call_at in rows if call_at <= now + timedelta(minutes=notice[tenant_id])]
    return due[:MAX_MESSAGES_PER_TICK]


def send_heads_up(interview_id, *, now=None):
    """Inside the interview's tenant: claim, then send its message. Returns the HeadsUp, or None
    when there is nothing to send (not due, consent gone, or another tick has it)."""
    now = now or timezone.now()
    interview = Interview.objects.select_related("candidate").filter(pk=interview_id, state__in=DUE_STATES).first()
    policy = call_policy()
    if interview is None or interview.next_call_at is None or not policy.heads_up_sms:
        return None
    if not now - TOO_LATE_AFTER <= interview.next_call_at <= now + timedelta(minutes=policy.heads_up_minutes):
        return None
    try:
        ensure_can_call(interview.candidate)
    except ConsentMissing:
        return None  # the dialler cancels the interview at dial time, with the reason
    try:
        with transaction.atomic():
            heads_up = HeadsUp.objects.create(interview=interview, call_at=interview.next_call_at)
    except IntegrityError:
        return None
    code = callback_codes.issue(interview.candidate, purpose=CallbackCodePurpose.HEADS_UP, now=now)
    minutes = max(1, math.ceil((interview.next_call_at - now).total_seconds() / 60))
    company = Tenant.objects.filter(pk=interview.tenant_id).values_list("name", flat=True).first() or ""
    body = heads_up_text(company=company, minutes=minutes, code=code, language=interview.language)
    try:
        message_sid = telephony.provider().send_sms(to=interview.candidate.phone, body=body, status_url=status_url(heads_up))
    except telephony.MessageNotSent as error:
        logger.warning("heads-up %s not sent: %s", heads_up.pk, error)
        error_text = _("The text message was not sent: %(error)s.") % {"error": error}
        HeadsUp.objects.filter(pk=heads_up.pk).update(state=M.FAILED, error=error_text[:500], updated_at=timezone.now())
        return heads_up
    # A status callback that outran this answer may have stored the SID already.
    HeadsUp.objects.filter(pk=heads_up.pk, message_sid="").update(message_sid=message_sid[:64])
    return heads_up


def heads_up_text(*, company, minutes, code, language):
    """The message, in the interview's language: the company, the notice and the code only."""
    with translation.override(language):
        return ngettext(
            "%(company)s: an automated assistant will call you in about %(minutes)d minute about your application. "
            "You can also call this number back and enter the code %(code)s.",
            "%(company)s: an automated assistant will call you in about %(minutes)d minutes about your application. "
            "You can also call this number back and enter the code %(code)s.",
            minutes,
        ) % {"company": company, "minutes": minutes, "code": code}


def status_url(heads_up):
    return webhook_url("interviews:webhook_message_status", heads_up.pk)


def record_status(heads_up_id, *, status, error_code="", message_sid=""):
    """Apply one of Twilio's message statuses if it moves the message forward; a duplicate, late
    or unknown status changes nothing. Returns True when the state moved."""
    target = TWILIO_STATUSES.get(status)
    if target is None:
        return False
    with transaction.atomic():
        heads_up = HeadsUp.objects.select_for_update().filter(pk=heads_up_id).first()
        if heads_up is None or RANK[target] <= RANK[heads_up.state]:
            return False
        heads_up.state = target
        fields = ["state", "updated_at"]
        if target in (M.UNDELIVERED, M.FAILED):
            heads_up.error = (_("Twilio error %(code)s.") % {"code": error_code} if error_code.isdigit()
                              else _("The text message could not be delivered."))
            fields.append("error")
        if not heads_up.message_sid and (telephony._is_sid(message_sid, "SM") or telephony._is_sid(message_sid, "MM")):
            heads_up.message_sid = message_sid
            fields.append("message_sid")
        heads_up.save(update_fields=fields)
    return True


@twilio_webhook(telephony.auth_token)
def message_status(request, heads_up_id):
    """Twilio's status callback of one message, named by the unguessable id in its URL (one
    cross-tenant read); an unknown id is answered and nothing is done."""
    tenant_id = bypassing_rls(HeadsUp).filter(pk=heads_up_id).values_list("tenant_id", flat=True).first()
    if tenant_id is not None:
        with tenant_context(tenant_id):
            interview_id = HeadsUp.objects.filter(pk=heads_up_id).values_list("interview_id", flat=True).first()
            with translation.override(recruiter_language(interview_id)):
                record_status(
                    heads_up_id, status=request.POST.get("MessageStatus", ""),
                    error_code=request.POST.get("ErrorCode", ""), message_sid=request.POST.get("MessageSid", ""),
                )
    return HttpResponse(status=204)
