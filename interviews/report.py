"""The report of one interview, as plain data: what the dashboard page, the PDF and the API show.

`report_data(interview, analysis=None)` reads everything in a constant number of queries and
returns dicts and lists only (no model instances), so that each reader renders the same facts:
the candidate and the CV score, the consent record, the call attempts, each question with its
answer, transcript, quality and the analysis of it (quotes located in the transcript for
highlighting), then the analysis with its provenance and the decisions already recorded.
"""

import re

from django.utils.translation import gettext as _

from consent.models import Coverage, Decision
from consent.selectors import latest_record
from interviews import pipeline
from interviews.analysis import SCALE_MAX
from interviews.models import (
    AnalysisState, AnswerState, Interview, InterviewAnalysis, Recommendation, TranscriptQuality,
    TranscriptState,
)
from recruiting.models import CandidateDecision
from recruiting.scripts import question_text

def quality_words(quality):
    """The transcript's quality as words a recruiter reads (never a raw log-probability)."""
    return {
        TranscriptQuality.GOOD: _("clear"),
        TranscriptQuality.POOR: _("uncertain: listen to the recording"),
        TranscriptQuality.EMPTY: _("no answer"),
    }.get(quality, "")


def highlighted(text, quotes):
    """`text` cut into [{"text", "quote"}] pieces, the quotes marked where they are found (case and
    spacing ignored; a quote shortened with "..." is located by its parts)."""
    spans = []
    for quote in quotes:
        for fragment in re.split(r"\[\.\.\.\]|\.\.\.|…", quote):
            words = re.findall(r"\w+", fragment)
            if not words:
                continue
            pattern = r"\W+".join(re.escape(word) for word in words)
            match = re.search(pattern, text, flags=re.IGNORECASE)
            if match:
                spans.append((match.start(), match.end()))
    spans.sort()
    pieces, position = [], 0
    for start, end in spans:
        if start < position:
            start = position
        if start >= end:
            continue
        if start > position:
            pieces.append({"text": text[position:start], "quote": False})
        pieces.append({"text": text[start:end], "quote": True})
        position = end
    if position < len(text):
        pieces.append({"text": text[position:], "quote": False})
    return pieces


def _consent(candidate):
    record = latest_record(candidate)
    if record is None:
        return None
    labels = dict(Coverage.choices)
    return {
        "decision": record.decision, "decision_label": Decision(record.decision).label, "at": record.created_at,
        "channel": record.get_channel_display(), "covers": [str(labels.get(code, code)) for code in record.covers],
        "notice_version": record.text_version, "notice_hash": record.text_hash, "language": record.language,
    }


def analysis_data(analysis):
    if analysis is None:
        return None
    output = analysis.output or {}
    transcription = [entry.get("model", "") for entry in (analysis.transcription or {}).get("transcripts", [])]
    return {
        "id": str(analysis.pk), "version": analysis.version, "state": analysis.state,
        "state_label": analysis.get_state_display(), "error": analysis.error,
        "recommendation": analysis.recommendation,
        "recommendation_label": str(Recommendation(analysis.recommendation).label) if analysis.recommendation else "",
        "overall_score": analysis.overall_score, "scale_max": SCALE_MAX, "gate_reason": analysis.gate_reason,
        "summary": output.get("summary", ""), "strengths": output.get("strengths", []),
        "concerns": output.get("concerns", []), "to_explore": output.get("to_explore", []),
        "offline": analysis.is_offline, "dropped": analysis.dropped,
        "provenance": {
            "provider": analysis.provider, "model": analysis.model, "prompt_version": analysis.prompt_version,
            "script_version": analysis.script_version, "transcription_models": [m for m in transcription if m],
            "transcription": analysis.transcription, "usage": analysis.usage,
            "created_at": analysis.created_at, "finished_at": analysis.finished_at,
        },
    }


def answer_data(answer):
    """An answer as the report and the API show it: its state in words, and whether it can be played."""
    if answer is None:
        return None
    return {
        "id": str(answer.pk), "state": answer.state,
        # A stored answer without its file lost it to retention: the reason says so.
        "state_label": answer.error if answer.state == AnswerState.STORED and not answer.storage_key and answer.error
        else answer.get_state_display(),
        "duration_seconds": answer.duration_seconds, "has_audio": answer.state == AnswerState.STORED and bool(answer.storage_key),
    }


def version_data(analysis):
    """One line of the list of analysis versions."""
    return {"id": str(analysis.pk), "version": analysis.version, "state": analysis.state, "state_label": analysis.get_state_display(),
            "recommendation_label": str(Recommendation(analysis.recommendation).label) if analysis.recommendation else "",
            "created_at": analysis.created_at}


def transcript_data(transcript, interview_language):
    if transcript is None:
        return None
    data = {
        "state": transcript.state, "state_label": transcript.get_state_display(), "error": transcript.error,
        "text": transcript.text, "language": transcript.language, "language_probability": transcript.language_probability,
        "quality": transcript.quality, "quality_words": quality_words(transcript.quality),
        "speech_seconds": transcript.speech_seconds, "model": transcript.model, "segments": transcript.segments,
        "darija_note": "",
    }
    if transcript.state == TranscriptState.DONE and transcript.quality == TranscriptQuality.POOR and "ar" in (transcript.language, interview_language):
        data["darija_note"] = _("This answer may be in Darija, which the transcription model knows poorly: listen to the recording.")
    return data


def report_data(interview, analysis=None):
    """Everything the report shows for `interview`; `analysis` is a chosen version (the latest by
    default). Plain data, the same for the page, the PDF and the API."""
    candidate = interview.candidate
    analyses = list(InterviewAnalysis.objects.filter(interview=interview).order_by("-version"))
    if analysis is None:
        analysis = next((a for a in analyses if a.state == AnalysisState.DONE), analyses[0] if analyses else None)
    questions = interview.script.questions or []
    answers = pipeline.answers_of_each_question(interview, len(questions))
    transcripts = [a.transcript for a in answers if a is not None and hasattr(a, "transcript")]
    assessed = {item["number"]: item for item in (analysis.output.get("questions", []) if analysis and analysis.output else [])}
    items = []
    for index, question in enumerate(questions):
        answer = answers[index]
        transcript = getattr(answer, "transcript", None) if answer is not None else None
        item = assessed.get(index + 1)
        shown = transcript_data(transcript, interview.language)
        if shown is not None:
            shown["pieces"] = highlighted(transcript.text, item["quotes"] if item else [])
        items.append({
            "number": index + 1,
            "text": question_text(question, interview.language),
            "rubric": question.get("good_answer", ""),
            "weight": question.get("weight", 1),
            "answer": answer_data(answer),
            "transcript": shown,
            "assessment": None if item is None else {
                "assessed": item["assessed"], "score": item["score"], "quotes": item["quotes"], "rationale": item["rationale"],
            },
        })
    attempts = [
        {"number": a.number, "direction": a.direction, "direction_label": a.get_direction_display(),
         "started_at": a.started_at, "answered_at": a.answered_at, "ended_at": a.ended_at,
         "duration_seconds": a.duration_seconds, "outcome": a.outcome,
         "outcome_label": a.get_outcome_display() if a.outcome else a.get_state_display()}
        for a in interview.attempts.order_by("number")
    ]
    decisions = [
        {"decision": d.decision, "decision_label": d.get_decision_display(), "comment": d.comment,
         "by": d.decided_by.full_name if d.decided_by else "", "at": d.created_at}
        for d in CandidateDecision.objects.filter(candidate=candidate).select_related("decided_by")[:20]
    ]
    status = pipeline.status(interview, transcripts=transcripts, analysis=analyses[0] if analyses else None)
    return {
        "interview": {
            "id": str(interview.pk), "state": interview.state, "state_label": interview.get_state_display(),
            "language": interview.language, "language_label": interview.get_language_display(),
            "script_version": interview.script.number, "simulated": bool(interview.persona),
            "created_at": interview.created_at, "ended_at": interview.ended_at, "failure_reason": interview.failure_reason,
        },
        "pipeline": {"status": status.code, "code": status.code, "label": str(status.label), "done": status.done, "total": status.total,
                     "error": status.error, "running": status.running, "failed": status.failed},
        "candidate": {
            "id": str(candidate.pk), "full_name": candidate.full_name, "position": candidate.position.title,
            "position_id": str(candidate.position_id), "status": candidate.status, "status_label": candidate.get_status_display(),
            "cv_score": candidate.cv_score,
        },
        "consent": _consent(candidate),
        "attempts": attempts,
        "questions": items,
        "analysis": analysis_data(analysis),
        "versions": [version_data(a) for a in analyses],
        "decisions": decisions,
    }


def interview_for_report(interview_id):
    """The interview with what the report reads, or None (another tenant's is None too)."""
    return Interview.objects.filter(pk=interview_id).select_related("candidate__position", "script").first()
