"""The candidate calls the interview line back.

The provider's number sends its calls to `inbound_voice`: the caller is asked for the six-digit
code of their consent confirmation or text message (`consent.callback_codes`). The calling
number and the code together name one candidate; that candidate's interview waiting for a call
(scheduled, or partial: interrupted) becomes an inbound attempt, and from there the call is the
same as one we placed: the disclosure and the confirmation first, then the questions, resuming at
the first unanswered one. The attempt's own webhooks (`interviews.webhooks`) take over.

An unknown caller, a wrong code three times, or a number locked after too many wrong codes hears
one polite sentence that says nothing about anyone, and the call ends. Nothing is recorded before
the candidate confirms, as on every call.

The provider sends an inbound call's progress to the number's one status URL
(`inbound_status`), not to an attempt's: the attempt is found by the call's SID.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from consent import callback_codes
from consent.services import ConsentMissing, ensure_can_call
from interviews import states, twiml
from interviews.models import DUE_STATES, AttemptState, CallAttempt, CallDirection, Interview, InterviewState
from interviews.webhook_security import webhook_url

CODE_TRIES_PER_CALL = 3


def line_language():
    """The language the line greets an unknown caller in: the product's default."""
    language = settings.LANGUAGE_CODE[:2]
    return language if language in twiml.YES_WORDS else "fr"


def code_url(tries):
    return webhook_url("interviews:webhook_inbound_code", tries=tries)


def greeting(caller):
    """The first words to a caller: the code prompt, or the polite goodbye to a locked number."""
    if not caller or callback_codes.is_locked(caller):
        return twiml.unknown_caller(line_language())
    return twiml.pin_prompt(language=line_language(), pin_url=code_url(1))


def wrong_code(caller, tries):
    """A code that names nobody (or none entered): ask again, up to CODE_TRIES_PER_CALL times."""
    if tries >= CODE_TRIES_PER_CALL or callback_codes.is_locked(caller):
        return twiml.unknown_caller(line_language())
    return twiml.pin_prompt(language=line_language(), pin_url=code_url(tries + 1), retry=True)


def start_attempt(candidate_id, call_sid):
    """Inside the candidate's tenant: the inbound attempt of this call (the one already made when
    the provider sends the code twice), or None when no interview of the candidate waits for a
    call or consent no longer allows one."""
    from interviews.services import follow_candidate_status

    existing = CallAttempt.objects.select_related("interview").filter(call_sid=call_sid).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        interview = (
            Interview.objects.select_for_update().select_related("candidate")
            .filter(candidate_id=candidate_id, state__in=DUE_STATES).first()
        )
        if interview is None:
            return None
        try:
            ensure_can_call(interview.candidate)
        except ConsentMissing:
            return None
        number = CallAttempt.objects.filter(interview=interview).count() + 1
        # The candidate's own call: it does not count against the attempts the policy allows us.
        moved = states.move(interview.pk, InterviewState.DIALLING, claimed_at=None,
                            reason=_("The candidate called back (attempt %(n)d).") % {"n": number})
        if moved is None:
            return None
        attempt = CallAttempt.objects.create(
            interview=interview, number=number, direction=CallDirection.INBOUND,
            state=AttemptState.IN_PROGRESS, call_sid=call_sid[:64],
        )
        follow_candidate_status(interview.candidate, InterviewState.DIALLING)
    return attempt


def nothing_to_resume():
    return twiml.nothing_to_resume(line_language())
