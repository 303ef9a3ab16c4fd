"""What the interviews app does when consent changes (consent never imports it), and when an
interview's audio is complete (transcription starts)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from aihm.tenancy import tenant_context
from consent.models import ConsentRecord
from consent.signals import consent_withdrawn
from interviews.models import Answer, AnswerState, Interview
from interviews.services import cancel_pending_interviews
from interviews.signals import interview_audio_complete


@receiver(consent_withdrawn, sender=ConsentRecord, dispatch_uid="interviews.cancel_on_withdrawal")
def cancel_interviews_on_withdrawal(sender, candidate, record, **kwargs):
    cancel_pending_interviews(candidate, reason=_("Consent withdrawn."))


@receiver(interview_audio_complete, sender=Interview, dispatch_uid="interviews.transcribe_on_audio_complete")
def transcribe_answers_on_audio_complete(sender, interview_id, tenant_id, **kwargs):
    """One transcription task per stored answer, once every answer's audio is in."""
    from interviews.tasks import transcribe_answer_task

    with tenant_context(tenant_id):
        answer_ids = list(Answer.objects.filter(interview_id=interview_id, state=AnswerState.STORED).values_list("pk", flat=True))
    for answer_id in answer_ids:
        transcribe_answer_task.delay(str(tenant_id), str(answer_id))
