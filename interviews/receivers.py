"""What the interviews app does when consent changes (consent never imports it), and when an
interview's audio is complete (transcription starts)."""

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from aihm.tenancy import tenant_context
from consent.models import ConsentRecord
from consent.signals import consent_withdrawn
from interviews.models import Interview
from interviews.services import cancel_pending_interviews
from interviews.signals import interview_audio_complete


@receiver(consent_withdrawn, sender=ConsentRecord, dispatch_uid="interviews.cancel_on_withdrawal")
def cancel_interviews_on_withdrawal(sender, candidate, record, **kwargs):
    cancel_pending_interviews(candidate, reason=_("Consent withdrawn."))


@receiver(interview_audio_complete, sender=Interview, dispatch_uid="interviews.transcribe_on_audio_complete")
def transcribe_answers_on_audio_complete(sender, interview_id, tenant_id, **kwargs):
    """One transcription task per stored answer, once every answer's audio is in; the analysis
    follows the last transcript (or at once, with nothing to transcribe)."""
    from interviews import pipeline

    with tenant_context(tenant_id), transaction.atomic():
        pipeline.start(interview_id)
