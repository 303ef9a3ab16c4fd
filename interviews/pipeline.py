"""After the call: each stored answer transcribed, then the interview analysed, then the report.

The interview's own state ends at audio_complete (or unreachable with some answers); what happens
next lives in the `Transcript` rows (one per stored answer) and the `InterviewAnalysis` versions,
and `status()` reads where it stands from them. Every step is a Celery task keyed by ids and safe
to run twice; a failed step keeps its reason and can be retried from the dashboard, and no step
ever deletes a recording.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import audit
from aihm.errors import Conflict
from aihm.tenancy import bypassing_rls
from interviews import notifications
from interviews.models import (
    AnalysisState, Answer, AnswerState, Interview, InterviewAnalysis, InterviewState, Transcript,
    TranscriptQuality, TranscriptState,
)
from recruiting.models import Candidate, PipelineStatus

logger = logging.getLogger(__name__)

# The interviews whose answers go on to transcription and analysis.
ANALYSED_STATES = (InterviewState.AUDIO_COMPLETE, InterviewState.UNREACHABLE)
# A step still pending this long lost its task (a worker killed, a queue flushed): queue it again.
STUCK_AFTER = timedelta(minutes=30)


# --- Where an interview stands after its call ----------------------------------------------


@dataclass(frozen=True)
class Status:
    code: str  # "", transcribing, transcription_failed, analysing, analysis_failed, report_ready
    label: str
    done: int = 0
    total: int = 0
    error: str = ""

    @property
    def running(self):
        return self.code in ("transcribing", "analysing")

    @property
    def failed(self):
        return self.code in ("transcription_failed", "analysis_failed")


LABELS = {
    "": gettext_lazy("Not started"),
    "transcribing": gettext_lazy("Transcribing the answers"),
    "transcription_failed": gettext_lazy("Transcription failed"),
    "analysing": gettext_lazy("Analysing the answers"),
    "analysis_failed": gettext_lazy("Analysis failed"),
    "report_ready": gettext_lazy("Report ready"),
}


_UNREAD = object()


def status(interview, *, transcripts=None, analysis=_UNREAD):
    """Where the pipeline of `interview` stands. `transcripts` and `analysis` (None: there is
    none) may be given by a caller that already read them (a list page); else they are read here."""
    if interview.state not in ANALYSED_STATES:
        return Status("", LABELS[""])
    if transcripts is None:
        transcripts = list(Transcript.objects.filter(interview=interview).only("state", "error", "answer_id"))
    if analysis is _UNREAD:
        analysis = latest_analysis(interview)
    if analysis is None and not transcripts:
        # Nothing to show: never reached (nothing was said), or the transcripts and analyses
        # were deleted after the retention period. start() makes the pending transcripts, or the
        # analysis, in the transaction that ends the call.
        return Status("", LABELS[""])
    total = len(transcripts)
    done = sum(1 for t in transcripts if t.state == TranscriptState.DONE)
    failed = [t for t in transcripts if t.state == TranscriptState.FAILED]
    if analysis is not None and analysis.state == AnalysisState.DONE:
        return Status("report_ready", LABELS["report_ready"], done, total)
    if analysis is not None and analysis.state == AnalysisState.FAILED:
        return Status("analysis_failed", LABELS["analysis_failed"], done, total, analysis.error)
    if failed:
        return Status("transcription_failed", LABELS["transcription_failed"], done, total, failed[0].error)
    if done < total or analysis is None:
        return Status("transcribing", LABELS["transcribing"], done, total)
    return Status("analysing", LABELS["analysing"], done, total)


def latest_analysis(interview):
    return InterviewAnalysis.objects.filter(interview=interview).order_by("-version").first()


# --- Starting and moving on ----------------------------------------------------------------


def start(interview_id):
    """The call is over: a pending transcript and a transcription task for every stored answer
    not transcribed yet; with nothing to transcribe, straight to the analysis."""
    interview = Interview.objects.filter(pk=interview_id).first()
    if interview is None or interview.state not in ANALYSED_STATES:
        return []
    answers = list(Answer.objects.filter(interview=interview, state=AnswerState.STORED).select_related("transcript"))
    queued = []
    for answer in answers:
        transcript = getattr(answer, "transcript", None)
        if transcript is None:
            Transcript.objects.get_or_create(answer=answer, defaults={"interview": interview})
        elif transcript.state == TranscriptState.DONE:
            continue
        queued.append(answer.pk)
    if queued:
        _queue_transcriptions(interview, queued)
    else:
        after_transcript(interview.pk)
    return queued


def _queue_transcriptions(interview, answer_ids):
    from interviews.tasks import transcribe_answer_task

    tenant_id = str(interview.tenant_id)
    ids = [str(answer_id) for answer_id in answer_ids]
    transaction.on_commit(lambda: [transcribe_answer_task.delay(tenant_id, answer_id) for answer_id in ids])


def after_transcript(interview_id):
    """A transcript is done (or there was none to make): once every stored answer's transcript is
    done, the first analysis is created and queued. Safe when transcripts finish together."""
    with transaction.atomic():
        interview = Interview.objects.select_for_update().filter(pk=interview_id).first()
        if interview is None or interview.state not in ANALYSED_STATES:
            return None
        if InterviewAnalysis.objects.filter(interview=interview).exists():
            return None
        stored = Answer.objects.filter(interview=interview, state=AnswerState.STORED)
        if stored.exclude(transcript__state=TranscriptState.DONE).exists():
            return None
        return _create_analysis(interview, by=None)


def _create_analysis(interview, *, by):
    number = (InterviewAnalysis.objects.filter(interview=interview).aggregate(n=Max("version"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            analysis = InterviewAnalysis.objects.create(interview=interview, version=number, requested_by=by)
    except IntegrityError:
        raise Conflict(_("An analysis of this interview is already being made.")) from None
    _queue_analysis(analysis)
    return analysis


def _queue_analysis(analysis):
    from interviews.tasks import analyse_interview_task

    tenant_id, analysis_id = str(analysis.tenant_id), str(analysis.pk)
    transaction.on_commit(lambda: analyse_interview_task.delay(tenant_id, analysis_id))


# --- The analysis ----------------------------------------------------------------------------


def answers_of_each_question(interview, count):
    """The answer that counts for each of the script's `count` questions, in order: the last take
    not discarded (None for a question never reached), with its transcript read along."""
    latest = {}
    answers = (Answer.objects.filter(interview=interview).exclude(state=AnswerState.DISCARDED)
               .select_related("transcript").order_by("question_index", "created_at"))
    for answer in answers:
        latest[answer.question_index] = answer
    return [latest.get(index) for index in range(count)]


def answers_for_analysis(interview, script_questions):
    """One entry per question of the script, in order: {"text", "quality"} from the transcript of
    the answer that counts, or None when it was not answered (silence, no audio, an empty
    transcript)."""
    result = []
    for answer in answers_of_each_question(interview, len(script_questions)):
        transcript = getattr(answer, "transcript", None) if answer is not None else None
        if (answer is None or answer.state != AnswerState.STORED or transcript is None
                or transcript.state != TranscriptState.DONE or transcript.quality == TranscriptQuality.EMPTY
                or not transcript.text.strip()):
            result.append(None)
        else:
            result.append({"text": transcript.text, "quality": transcript.quality})
    return result


def _transcription_provenance(interview):
    """The model and settings of the interview's transcripts (one entry per distinct pair)."""
    seen = []
    for model, chosen in Transcript.objects.filter(interview=interview, state=TranscriptState.DONE).values_list("model", "settings"):
        entry = {"model": model, "settings": chosen}
        if entry not in seen:
            seen.append(entry)
    return {"transcripts": seen}


def run_analysis(analysis_id):
    """Analyse the interview of one pending analysis and store the result with its provenance.
    `aihm.ai.AIUnavailable` propagates (the task retries it); a permanent failure is stored."""
    from aihm.ai import AIFailed
    from interviews import analysis as analyser
    from recruiting.scripts import question_text

    record = InterviewAnalysis.objects.select_related("interview__script", "interview__candidate__position").filter(pk=analysis_id).first()
    if record is None or record.state != AnalysisState.PENDING:
        return record
    interview = record.interview
    script = interview.script
    questions = [{"text": question_text(q, interview.language), "rubric": q.get("good_answer", ""), "weight": q.get("weight", 1)}
                 for q in script.questions]
    answers = answers_for_analysis(interview, script.questions)
    try:
        output, provenance, gate_reason = analyser.analyse(
            title=interview.candidate.position.title, language=interview.language, questions=questions, answers=answers)
    except AIFailed as error:
        return fail_analysis(analysis_id, str(error))
    fields = {
        "state": AnalysisState.DONE, "output": output, "recommendation": output["recommendation"],
        "overall_score": output["overall_score"], "gate_reason": gate_reason[:300],
        "provider": provenance.get("provider", "")[:20], "model": provenance.get("model", "")[:100],
        "prompt_version": provenance.get("prompt_version", "")[:40], "usage": provenance.get("usage") or {},
        "dropped": provenance.get("dropped", 0), "script_version": script.number,
        "transcription": _transcription_provenance(interview), "error": "", "finished_at": timezone.now(),
    }
    with transaction.atomic():
        updated = InterviewAnalysis.objects.filter(pk=analysis_id, state=AnalysisState.PENDING).update(**fields)
        if updated:
            mirror_interview_score(interview.candidate_id)
            # The report is there to read: the candidate's status says so, unless a person moved it on.
            Candidate.objects.filter(pk=interview.candidate_id, status=PipelineStatus.INTERVIEW_DONE).update(
                status=PipelineStatus.REPORT_READY, updated_at=timezone.now())
    if updated:
        transaction.on_commit(lambda: notifications.report_ready(analysis_id))
    return InterviewAnalysis.objects.get(pk=analysis_id)


def mirror_interview_score(candidate_id):
    """The candidate lists sort on Candidate.interview_score: the overall score of the latest
    done analysis of the candidate's interviews (none when it gave insufficient evidence); the
    analytics time the screening with Candidate.first_report_at: when the first of those that
    stand was done."""
    done = InterviewAnalysis.objects.filter(interview__candidate_id=candidate_id, state=AnalysisState.DONE)
    latest = done.order_by("-finished_at", "-version").values_list("overall_score", flat=True).first()
    first = done.filter(finished_at__isnull=False).order_by("finished_at").values_list("finished_at", flat=True).first()
    Candidate.objects.filter(pk=candidate_id).update(interview_score=latest, first_report_at=first)


def fail_analysis(analysis_id, reason):
    """The analysis could not be made: a readable reason, never a zero score."""
    InterviewAnalysis.objects.filter(pk=analysis_id, state=AnalysisState.PENDING).update(
        state=AnalysisState.FAILED, error=str(reason)[:500], finished_at=timezone.now())
    logger.warning("interview analysis failed: %s", str(reason)[:200])
    record = InterviewAnalysis.objects.select_related("interview").filter(pk=analysis_id).first()
    if record is not None:
        transaction.on_commit(lambda: notifications.interview_failed(record.interview_id, record.error))
    return record


def after_transcript_failed(interview_id):
    """A transcript failed after its retries: once the others have settled, the recruiter who
    scheduled the interview is told (once, by the last one to settle)."""
    transcripts = Transcript.objects.filter(interview_id=interview_id)
    if transcripts.filter(state=TranscriptState.PENDING).exists():
        return
    failed = transcripts.filter(state=TranscriptState.FAILED).values_list("error", flat=True).first()
    if failed is not None:
        reason = _("The transcription of an answer failed: %(error)s") % {"error": failed}
        transaction.on_commit(lambda: notifications.interview_failed(interview_id, reason))


# --- From the dashboard ------------------------------------------------------------------------


def retry(*, by, interview, request=None):
    """Resume the pipeline where it stopped: the failed transcripts are queued again; with none,
    a failed analysis is made again. Returns what was queued."""
    from recruiting.services import ensure_can_write

    ensure_can_write(by)
    if interview.state not in ANALYSED_STATES:
        raise Conflict(_("This interview has nothing to transcribe or analyse."))
    with transaction.atomic():
        failed = list(Transcript.objects.filter(interview=interview, state=TranscriptState.FAILED).values_list("answer_id", flat=True))
        if failed:
            Transcript.objects.filter(interview=interview, answer_id__in=failed).update(
                state=TranscriptState.PENDING, error="", updated_at=timezone.now())
            _queue_transcriptions(interview, failed)
            audit(by, "interview.pipeline_retried", interview, request=request, step="transcription", count=len(failed))
            return "transcription"
        latest = latest_analysis(interview)
        if latest is not None and latest.state == AnalysisState.FAILED:
            InterviewAnalysis.objects.filter(pk=latest.pk).update(state=AnalysisState.PENDING, error="", finished_at=None,
                                                                   requested_by=by, queued_at=timezone.now())
            latest.refresh_from_db()
            _queue_analysis(latest)
            audit(by, "interview.pipeline_retried", interview, request=request, step="analysis")
            return "analysis"
        if latest is None and not Answer.objects.filter(interview=interview, state=AnswerState.STORED).exclude(
                transcript__state=TranscriptState.DONE).exists():
            _create_analysis(interview, by=by)
            audit(by, "interview.pipeline_retried", interview, request=request, step="analysis")
            return "analysis"
    raise Conflict(_("Nothing has failed: the pipeline is running or the report is ready."))


def reanalyse(*, by, interview, request=None):
    """A new analysis version of a reported interview (after a new prompt or model); the earlier
    versions stay."""
    from recruiting.services import ensure_can_write

    ensure_can_write(by)
    latest = latest_analysis(interview)
    if latest is None or latest.state != AnalysisState.DONE:
        raise Conflict(_("Only an interview with a report can be analysed again."))
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        analysis = _create_analysis(locked, by=by)
        audit(by, "interview.reanalysed", interview, request=request, version=analysis.version)
    return analysis


# --- The sweeper ---------------------------------------------------------------------------


def requeue_stuck(now=None):
    """Beat, across tenants: transcripts and analyses pending past `STUCK_AFTER` lost their task
    and are queued again. Returns how many were."""
    from interviews.tasks import analyse_interview_task, transcribe_answer_task

    now = now or timezone.now()
    cutoff = now - STUCK_AFTER
    transcripts = bypassing_rls(Transcript).filter(state=TranscriptState.PENDING, updated_at__lt=cutoff)
    analyses = bypassing_rls(InterviewAnalysis).filter(state=AnalysisState.PENDING, queued_at__lt=cutoff)
    stuck_transcripts = list(transcripts.values_list("tenant_id", "answer_id"))
    stuck_analyses = list(analyses.values_list("tenant_id", "pk"))
    # Marked as queued again now, so the next sweep leaves them to their new task for a while.
    transcripts.filter(answer_id__in=[a for _t, a in stuck_transcripts]).update(updated_at=now)
    analyses.filter(pk__in=[a for _t, a in stuck_analyses]).update(queued_at=now)
    for tenant_id, answer_id in stuck_transcripts:
        transcribe_answer_task.delay(str(tenant_id), str(answer_id))
    for tenant_id, analysis_id in stuck_analyses:
        analyse_interview_task.delay(str(tenant_id), str(analysis_id))
    return len(stuck_transcripts) + len(stuck_analyses)
