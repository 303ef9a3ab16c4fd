"""Each answer's audio: fetched from the provider by its RecordingSid (never a URL taken from a
request), checked, stored under a tenant-prefixed unguessable key, then deleted at the provider.
A recording that cannot be fetched after the retries leaves the answer `audio_missing` with the
reason; the interview completes with the rest."""

import hashlib
import logging
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from interviews import telephony
from interviews.calls import check_audio_complete
from interviews.models import Answer, AnswerState
from interviews.phone_audio import BadRecording, check_recording

logger = logging.getLogger(__name__)

MAX_RECORDING_BYTES = 20 * 1024 * 1024  # 10 minutes of 8 kHz u-law is under 5 MB


def recording_key(answer):
    return f"tenants/{answer.tenant_id}/recordings/{secrets.token_urlsafe(24)}.wav"


def store_recording(answer_id):
    """Fetch, check and store one answer's recording; idempotent (a stored answer is left as is).
    Provider outages raise ProviderUnavailable for the task to retry."""
    answer = Answer.objects.filter(pk=answer_id).first()
    if answer is None or not answer.recording_sid:
        return None
    provider = telephony.provider()
    if answer.state == AnswerState.DISCARDED:
        provider.delete_recording(answer.recording_sid)
        return answer
    if answer.state != AnswerState.AWAITING_AUDIO:
        return answer
    try:
        data = provider.fetch_recording(answer.recording_sid)
    except telephony.RecordingUnavailable as error:
        mark_audio_missing(answer.pk, _("The recording could not be fetched: %(why)s") % {"why": error})
        return answer
    try:
        info = check_recording(data, max_bytes=MAX_RECORDING_BYTES)
    except BadRecording as error:
        mark_audio_missing(answer.pk, _("The recording received is not usable: %(why)s") % {"why": error})
        return answer
    key = default_storage.save(recording_key(answer), ContentFile(data))
    updated = Answer.objects.filter(pk=answer.pk, state=AnswerState.AWAITING_AUDIO).update(
        state=AnswerState.STORED, storage_key=key, size_bytes=info.size_bytes, checksum=hashlib.sha256(data).hexdigest(),
        duration_seconds=round(info.duration_seconds), stored_at=timezone.now(),
    )
    if not updated:  # stored meanwhile by a duplicate run: keep one copy
        default_storage.delete(key)
    provider.delete_recording(answer.recording_sid)
    check_audio_complete(answer.interview_id)
    return answer


def mark_audio_missing(answer_id, reason):
    answer = Answer.objects.filter(pk=answer_id).first()
    if answer is None:
        return
    Answer.objects.filter(pk=answer.pk, state=AnswerState.AWAITING_AUDIO).update(state=AnswerState.AUDIO_MISSING, error=str(reason)[:500])
    check_audio_complete(answer.interview_id)
