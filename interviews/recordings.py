"""Each answer's audio: fetched from the provider by its RecordingSid (never a URL taken from a
request), checked, stored under a tenant-prefixed unguessable key, then deleted at the provider.
A recording that cannot be fetched after the retries leaves the answer `audio_missing` with the
reason; the interview completes with the rest."""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from interviews import telephony
from interviews.calls import PENDING_AUDIO, check_audio_complete
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
    # Only the simulator has words without a voice (Arabic); a real provider's answer is audio.
    simulated_text = provider.recording_text(answer.recording_sid)[:4000] if hasattr(provider, "recording_text") else ""
    key = default_storage.save(recording_key(answer), ContentFile(data))
    updated = Answer.objects.filter(pk=answer.pk, state=AnswerState.AWAITING_AUDIO).update(
        state=AnswerState.STORED, storage_key=key, size_bytes=info.size_bytes, checksum=hashlib.sha256(data).hexdigest(),
        duration_seconds=round(info.duration_seconds), stored_at=timezone.now(), simulated_text=simulated_text,
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


# Once a call has ended this long, an answer still waiting for its audio has lost its callback
# or its fetch: the fetch is sent again when the recording is known, else the answer is missing.
AUDIO_GRACE = timedelta(minutes=30)


def settle_waiting_audio(now=None):
    """Across tenants, for the sweeper: answers of ended calls still waiting for their audio.
    Returns (fetches sent again, answers marked missing)."""
    from aihm.tenancy import bypassing_rls, tenant_context
    from interviews.models import AttemptState
    from interviews.states import recruiter_language
    from interviews.tasks import fetch_recording_task

    now = now or timezone.now()
    waiting = list(
        bypassing_rls(Answer).filter(state__in=PENDING_AUDIO, attempt__state=AttemptState.ENDED,
                                     attempt__ended_at__lt=now - AUDIO_GRACE)
        .values_list("pk", "tenant_id", "interview_id", "recording_sid")[:500]
    )
    resent = missing = 0
    for pk, tenant_id, interview_id, recording_sid in waiting:
        with tenant_context(tenant_id):
            if recording_sid:
                Answer.objects.filter(pk=pk, state=AnswerState.RECORDING).update(state=AnswerState.AWAITING_AUDIO)
                fetch_recording_task.delay(str(tenant_id), str(pk))
                resent += 1
            else:
                with translation.override(recruiter_language(interview_id)):
                    reason = _("The provider never said where this answer's recording is.")
                Answer.objects.filter(pk=pk, state__in=PENDING_AUDIO).update(state=AnswerState.AUDIO_MISSING, error=reason)
                check_audio_complete(interview_id)
                missing += 1
    if waiting:
        logger.info("recordings: %d fetch(es) sent again, %d answer(s) without audio", resent, missing)
    return resent, missing
