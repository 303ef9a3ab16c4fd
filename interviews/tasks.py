"""Celery tasks of the interviews app: thin, keyed by ids, safe to run twice."""

from celery import shared_task
from django.utils import translation

from aihm.tasks import TenantTask
from interviews import dialler
from interviews.states import recruiter_language


@shared_task(name="interviews.dial_due_interviews")
def dial_due_interviews():
    """Beat, every 30 s, across tenants: claim the due interviews and queue their dials."""
    return len(dialler.dial_due_interviews())


@shared_task(base=TenantTask, name="interviews.place_call")
def place_call_task(tenant_id, interview_id):
    with translation.override(recruiter_language(interview_id)):
        dialler.place_call(interview_id)


@shared_task(base=TenantTask, bind=True, name="interviews.fetch_recording")
def fetch_recording_task(self, tenant_id, answer_id):
    """Store one answer's audio; after the last retry the answer is marked audio_missing."""
    from aihm.tasks import ProviderUnavailable
    from interviews import recordings

    try:
        recordings.store_recording(answer_id)
    except ProviderUnavailable as error:
        if self.request.retries >= self.max_retries:
            recordings.mark_audio_missing(answer_id, str(error))
            return
        raise


@shared_task(base=TenantTask, name="interviews.simulate_call")
def simulate_call_task(tenant_id, call_sid, request):
    """The simulated candidate answering one call (the embedded telephony)."""
    from interviews.simulator import run_simulated_call

    run_simulated_call(call_sid, request)


@shared_task(name="interviews.reconcile_stuck_attempts")
def reconcile_stuck_attempts():
    """Beat, every few minutes, across tenants: attempts stuck in a live state past their call's
    time limit are looked up at the provider or ended, and the interview moves on; answers of
    ended calls still waiting for their audio are fetched again or marked missing; transcripts
    and analyses whose task was lost are queued again."""
    from interviews.pipeline import requeue_stuck
    from interviews.recordings import settle_waiting_audio

    ended = dialler.reconcile_stuck_attempts()
    settle_waiting_audio()
    requeue_stuck()
    return len(ended)


@shared_task(name="interviews.send_due_heads_ups")
def send_due_heads_ups():
    """Beat, every minute, across tenants: the text message before each call coming up, where
    the company's policy asks for one."""
    from interviews.messaging import send_due_heads_ups

    return len(send_due_heads_ups())


@shared_task(base=TenantTask, bind=True, name="interviews.transcribe_answer", autoretry_for=(), max_retries=3)
def transcribe_answer_task(self, tenant_id, answer_id):
    """Transcribe one stored answer (the `transcription` queue), retried with backoff; after the
    last retry (at once when run eagerly) the transcript is failed with the reason, and the audio
    stays stored."""
    from interviews import pipeline, transcription

    try:
        transcript = transcription.transcribe_answer(answer_id)
    except Exception as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            transcript = transcription.fail_transcript(answer_id, f"{type(error).__name__}: {error}")
            if transcript is not None:
                pipeline.after_transcript_failed(transcript.interview_id)
            return
        raise self.retry(exc=error, countdown=min(30 * 2 ** self.request.retries, 300)) from None
    if transcript is not None:
        pipeline.after_transcript(transcript.interview_id)


@shared_task(base=TenantTask, bind=True, name="interviews.analyse_interview", max_retries=4)
def analyse_interview_task(self, tenant_id, analysis_id):
    """Analyse one interview (the default queue: it waits on the provider, not on the CPU). A provider
    that is overloaded or unreachable is retried with backoff; after the last retry the analysis
    is failed with the reason, never given a zero score."""
    from aihm.ai import AIUnavailable
    from interviews import pipeline

    with translation.override(analysis_language(analysis_id)):
        try:
            pipeline.run_analysis(analysis_id)
        except AIUnavailable as error:
            if self.request.is_eager or self.request.retries >= self.max_retries:
                pipeline.fail_analysis(analysis_id, str(error) or type(error).__name__)
                return
            raise self.retry(exc=error, countdown=min(60 * 2 ** self.request.retries, 600)) from None


def analysis_language(analysis_id):
    """The recruiter's language, for the texts the analysis stores (reasons, offline rationales)."""
    from interviews.models import InterviewAnalysis

    interview_id = InterviewAnalysis.objects.filter(pk=analysis_id).values_list("interview_id", flat=True).first()
    return recruiter_language(interview_id)
