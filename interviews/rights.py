"""The candidate's rights over what the interviews hold (registered with consent.rights and
consent.retention): the access export of every interview with its transcripts, analyses,
recordings and report PDFs, and the retention purges.

Retention, per kind of file and by the company's policy:
- a recording goes `recordings_days` after it was stored: the file is deleted and the answer
  keeps its place in the interview with RECORDING_PURGED as its reason (no audio to play);
- a transcript, and an analysis with its report PDFs, go `reports_months` after they were made:
  the rows are deleted, not blanked, so that nothing reads as an empty answer or an empty report.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from consent.retention import months_before, register_purger
from consent.rights import ExportPart, register_exporter
from interviews import pipeline
from interviews.models import Answer, CallAttempt, Interview, InterviewAnalysis, Transcript
from recruiting.scripts import question_text

RECORDING_PURGED = gettext_noop("Recording deleted after the retention period.")

INTERVIEW_FIELDS = ("id", "state", "language", "created_at", "next_call_at", "ended_at", "failure_reason")
ATTEMPT_FIELDS = ("number", "direction", "started_at", "answered_at", "ended_at", "duration_seconds", "outcome", "callback_at")
TRANSCRIPT_FIELDS = ("state", "text", "language", "language_probability", "quality", "speech_seconds", "segments",
                     "model", "created_at")
ANALYSIS_FIELDS = ("id", "version", "state", "output", "recommendation", "overall_score", "gate_reason", "dropped",
                   "error", "created_at", "finished_at")
PROVENANCE_FIELDS = ("provider", "model", "prompt_version", "script_version", "transcription", "usage")


def _recording_path(interview, answer):
    return f"interviews/{interview.pk}/recordings/question-{answer.question_index + 1}-take-{answer.take}-{answer.pk}.wav"


def _report_path(interview, analysis, language):
    return f"interviews/{interview.pk}/reports/v{analysis.version}-{language}.pdf"


def _answer_data(interview, answer, files):
    questions = interview.script.questions or []
    question = questions[answer.question_index] if answer.question_index < len(questions) else None
    recording = None
    if answer.storage_key:
        recording = f"files/{_recording_path(interview, answer)}"
        files.append((_recording_path(interview, answer), answer.storage_key))
    transcript = getattr(answer, "transcript", None)
    return {
        "question_number": answer.question_index + 1,
        "question": question_text(question, interview.language) if question else "",
        "take": answer.take, "state": answer.state, "duration_seconds": answer.duration_seconds,
        "recorded_at": answer.created_at, "stored_at": answer.stored_at, "note": answer.error,
        "recording": recording, "simulated_text": answer.simulated_text,
        "transcript": {name: getattr(transcript, name) for name in TRANSCRIPT_FIELDS} if transcript else None,
    }


def _analysis_data(interview, analysis, files):
    reports = {}
    for language, storage_key in sorted((analysis.pdf_files or {}).items()):
        reports[language] = f"files/{_report_path(interview, analysis, language)}"
        files.append((_report_path(interview, analysis, language), storage_key))
    return {
        **{name: getattr(analysis, name) for name in ANALYSIS_FIELDS},
        "provenance": {name: getattr(analysis, name) for name in PROVENANCE_FIELDS},
        "report_pdfs": reports,
    }


@register_exporter
def interviews_part(candidate):
    """Every interview of the candidate: its state and times, the call attempts, each answer with
    its transcript and recording, and every analysis version with its report PDFs."""
    interviews = list(Interview.objects.filter(candidate=candidate).select_related("script").order_by("created_at"))
    if not interviews:
        return None
    attempts, answers, analyses = {}, {}, {}
    for attempt in CallAttempt.objects.filter(interview__in=interviews).order_by("number"):
        attempts.setdefault(attempt.interview_id, []).append(attempt)
    for answer in (Answer.objects.filter(interview__in=interviews).select_related("transcript")
                   .order_by("question_index", "created_at")):
        answers.setdefault(answer.interview_id, []).append(answer)
    for analysis in InterviewAnalysis.objects.filter(interview__in=interviews).order_by("version"):
        analyses.setdefault(analysis.interview_id, []).append(analysis)
    files, data = [], []
    for interview in interviews:
        data.append({
            **{name: getattr(interview, name) for name in INTERVIEW_FIELDS},
            "script_version": interview.script.number,
            "attempts": [{name: getattr(attempt, name) for name in ATTEMPT_FIELDS} for attempt in attempts.get(interview.pk, [])],
            "answers": [_answer_data(interview, answer, files) for answer in answers.get(interview.pk, [])],
            "analyses": [_analysis_data(interview, analysis, files) for analysis in analyses.get(interview.pk, [])],
        })
    return ExportPart(name="interviews", data=data, files=files)


def _delete_after_commit(storage_keys):
    keys = [key for key in storage_keys if key]
    if keys:
        transaction.on_commit(lambda: [default_storage.delete(key) for key in keys])


def _counted(**counts):
    """The counts for the audit log, without the zeros: a night that purged nothing adds nothing."""
    return {what: count for what, count in counts.items() if count}


@register_purger
def purge_recordings(policy, now):
    """Delete the recordings stored more than `recordings_days` ago; the answers stay."""
    due = Answer.objects.filter(stored_at__lt=now - timedelta(days=policy.recordings_days)).exclude(storage_key="")
    deleted = []
    with transaction.atomic():
        for answer_id, storage_key in due.values_list("pk", "storage_key"):
            if Answer.objects.filter(pk=answer_id, storage_key=storage_key).update(
                    storage_key="", simulated_text="", error=gettext(RECORDING_PURGED)):
                deleted.append(storage_key)
        _delete_after_commit(deleted)
    return _counted(recordings_deleted=len(deleted))


@register_purger
def purge_reports(policy, now):
    """Delete the transcripts and the analyses (with their report PDFs) made more than
    `reports_months` ago."""
    cutoff = months_before(now, policy.reports_months)
    with transaction.atomic():
        analyses = InterviewAnalysis.objects.filter(created_at__lt=cutoff)
        pdf_keys = [key for files in analyses.values_list("pdf_files", flat=True) for key in (files or {}).values()]
        scored = set(analyses.values_list("interview__candidate_id", flat=True))
        analyses_deleted = analyses.delete()[1].get(InterviewAnalysis._meta.label, 0)
        for candidate_id in scored:
            pipeline.mirror_interview_score(candidate_id)
        transcripts_deleted = Transcript.objects.filter(created_at__lt=cutoff).delete()[1].get(Transcript._meta.label, 0)
        _delete_after_commit(pdf_keys)
    return _counted(transcripts_deleted=transcripts_deleted, analyses_deleted=analyses_deleted,
                    report_pdfs_deleted=len(pdf_keys))
