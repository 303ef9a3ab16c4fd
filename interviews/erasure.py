"""What erasing a candidate takes from interviews (registered with recruiting.erasure): the stored
recordings and report PDFs (their paths are deleted once the erasure commits), the recordings
still held by the provider (deleted there after the commit), and every interview row with its
answers, transcripts and analyses (the database cascades from the candidate). The audit log
keeps ids only, so no transcript or analysis text outlives the erasure."""

import logging

from django.db import transaction

from aihm.tasks import ProviderUnavailable
from interviews import telephony
from interviews.models import Answer, AnswerState, InterviewAnalysis
from recruiting.erasure import register_eraser

logger = logging.getLogger(__name__)


@register_eraser
def erase_interview_recordings(candidate):
    answers = Answer.objects.filter(interview__candidate=candidate)
    at_provider = list(answers.exclude(recording_sid="").exclude(state=AnswerState.STORED).values_list("recording_sid", flat=True))
    if at_provider:
        transaction.on_commit(lambda: _delete_at_provider(at_provider))
    recordings = list(answers.exclude(storage_key="").values_list("storage_key", flat=True))
    pdf_files = InterviewAnalysis.objects.filter(interview__candidate=candidate).values_list("pdf_files", flat=True)
    return recordings + [key for files in pdf_files for key in (files or {}).values() if key]


def _delete_at_provider(recording_sids):
    """Best effort: a recording the provider still holds after an outage is logged (by count, no
    id of the person) for an operator; the provider's own retention ends it otherwise."""
    provider = telephony.provider()
    failed = 0
    for recording_sid in recording_sids:
        try:
            provider.delete_recording(recording_sid)
        except ProviderUnavailable:
            failed += 1
    if failed:
        logger.warning("erasure: %d recording(s) could not be deleted at the telephony provider", failed)
