"""After the call, on the embedded defaults with no network: each answer transcribed by the bundled
model, the offline analysis with quotes found in the transcripts, the report page and the
recruiter's decision; the silent and hang-up candidates give "insufficient evidence"; a failed
transcription, a failed analysis and a storage error each leave a readable failed state that
"retry" resumes, with every recording kept; a re-analysis is a new version; the scheduler is
emailed; the candidate lists show the live state, polled while it runs."""

import re

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aihm import ai
from aihm.tenancy import tenant_context
from interviews import analysis as analyser
from interviews import pipeline, services, transcription
from interviews.models import (
    AnalysisState, Answer, AnswerState, CallPolicy, Interview, InterviewAnalysis, InterviewState, Recommendation,
    Transcript, TranscriptState,
)
from interviews.personas import PERSONAS
from recruiting.models import CandidateDecision, PipelineStatus
from recruiting.scoring import _normal, quote_in
from recruiting.scripts import question_text
from tests.interviews_support import consenting_candidate, pdf_text, position_with_questions
from tests.test_transcription import share_of_key_words_heard

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

WEEKDAY_MORNING = "2026-03-10T10:00:00+00:00"
FRENCH_QUESTIONS = (
    "Parlez-nous de votre expérience avec Python et Django.",
    "Comment travaillez-vous en équipe quand une échéance approche ?",
    "Quand pourriez-vous commencer, et quel salaire attendez-vous ?",
)


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.ANTHROPIC_API_KEY = ""


def interview_of(tenant, recruiter, *, persona="good", language="en", questions=None):
    position = position_with_questions(tenant, recruiter, **({"questions": questions} if questions else {}))
    if language != "en":
        with tenant_context(tenant.pk):
            position.language = language
            position.save(update_fields=["language"])
    candidate = consenting_candidate(position, recruiter)
    with time_machine.travel(WEEKDAY_MORNING, tick=False), tenant_context(tenant.pk):
        interview = services.schedule_interview(by=recruiter, candidate=candidate, persona=persona)
    return reload(interview)


def reload(interview):
    with tenant_context(interview.tenant_id):
        return Interview.objects.select_related("candidate", "script").get(pk=interview.pk)


def analyses_of(interview):
    with tenant_context(interview.tenant_id):
        return list(InterviewAnalysis.objects.filter(interview=interview).order_by("version"))


def status_of(interview):
    with tenant_context(interview.tenant_id):
        return pipeline.status(reload(interview))


def browser(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def page_text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_good_interview_ends_with_a_report_the_recruiter_decides_on(tenant_a, recruiter_a, mailoutbox, language):
    interview = interview_of(tenant_a, recruiter_a, language=language, questions=FRENCH_QUESTIONS if language == "fr" else None)

    assert interview.state == InterviewState.AUDIO_COMPLETE
    persona = PERSONAS["good"]
    with tenant_context(tenant_a.pk):
        answers = list(Answer.objects.filter(interview=interview, state=AnswerState.STORED).select_related("transcript").order_by("question_index"))
    assert len(answers) == 3
    for number, answer in enumerate(answers, start=1):
        said = persona.answer_text(question_text(interview.script.questions[answer.question_index], language), language, number)
        assert answer.transcript.state == TranscriptState.DONE and answer.transcript.language == language
        assert share_of_key_words_heard(said, answer.transcript.text) >= 0.6, (said, answer.transcript.text)

    [analysis] = analyses_of(interview)
    assert analysis.state == AnalysisState.DONE and analysis.provider == ai.OFFLINE_PROVIDER
    assert analysis.version == 1 and analysis.script_version == interview.script.number
    assert analysis.transcription["transcripts"][0]["model"].startswith("whisper-base")
    assert analysis.recommendation in Recommendation.values and analysis.overall_score is not None
    transcripts = {a.question_index + 1: _normal(a.transcript.text) for a in answers}
    for item in analysis.output["questions"]:
        if item["assessed"]:
            assert item["quotes"] and all(quote_in(quote, transcripts[item["number"]]) for quote in item["quotes"])
    assert status_of(interview).code == "report_ready"
    with tenant_context(tenant_a.pk):
        assert interview.candidate.__class__.objects.get(pk=interview.candidate_id).status == PipelineStatus.REPORT_READY

    # The scheduler is told, with the link.
    [email] = [m for m in mailoutbox if reverse("interviews:report", args=[interview.pk]) in m.body]
    assert email.to == [recruiter_a.email]

    client = browser(recruiter_a)
    response = client.get(reverse("interviews:report", args=[interview.pk]))
    assert response.status_code == 200
    text = page_text(response)
    assert "The AI advises; you decide." in text and "offline analysis" in text
    assert interview.candidate.full_name in text and str(Recommendation(analysis.recommendation).label) in text
    assert "<mark>" in response.content.decode()  # the quotes highlighted in the transcript
    assert response.content.decode().count(reverse("interviews:answer_audio", args=[answers[0].pk])) == 1

    # The PDF, in the interview's language: the same report, its text extracted and checked.
    response = client.get(reverse("interviews:report_pdf", args=[interview.pk]) + f"?lang={language}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    with tenant_context(tenant_a.pk):
        assert interview.candidate.full_name in pdf and interview.candidate.position.title in pdf
    assert ("L'IA conseille ; vous décidez." if language == "fr" else "The AI advises; you decide.") in pdf.replace("\u2019", "'")
    for number, answer in enumerate(answers, start=1):
        assert question_text(interview.script.questions[answer.question_index], language) in pdf
        assert " ".join(answer.transcript.text.split()[:4]) in pdf, "each transcript is in the PDF"
    with translation.override(language):
        assert str(Recommendation(analysis.recommendation).label) in pdf

    response = client.post(reverse("recruiting:candidate_decide", args=[interview.candidate_id]), {
        "decision": "shortlisted", "comment": "Strong answers.", "next": reverse("interviews:report", args=[interview.pk])})
    assert response.status_code == 302 and response["Location"] == reverse("interviews:report", args=[interview.pk])
    with tenant_context(tenant_a.pk):
        assert CandidateDecision.objects.get(candidate_id=interview.candidate_id).decision == "shortlisted"
        assert interview.candidate.__class__.objects.get(pk=interview.candidate_id).status == PipelineStatus.SHORTLISTED


def test_the_decision_never_follows_an_outside_next(tenant_a, recruiter_a):
    position = position_with_questions(tenant_a, recruiter_a)
    candidate = consenting_candidate(position, recruiter_a)
    response = browser(recruiter_a).post(reverse("recruiting:candidate_decide", args=[candidate.pk]), {
        "decision": "on_hold", "next": "https://evil.example/phish"})
    assert response["Location"] == reverse("recruiting:candidate_detail", args=[candidate.pk])


def test_the_silent_candidate_gives_insufficient_evidence_without_a_score(tenant_a, recruiter_a):
    interview = interview_of(tenant_a, recruiter_a, persona="silent")

    [analysis] = analyses_of(interview)
    assert analysis.state == AnalysisState.DONE
    assert analysis.recommendation == Recommendation.INSUFFICIENT_EVIDENCE and analysis.overall_score is None
    assert analysis.gate_reason and analysis.provider == "rules"
    response = browser(recruiter_a).get(reverse("interviews:report", args=[interview.pk]))
    assert "Insufficient evidence" in page_text(response)


def test_the_candidate_who_hangs_up_gives_insufficient_evidence(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        CallPolicy.objects.create(max_attempts=1)
    interview = interview_of(tenant_a, recruiter_a, persona="hangs_up")

    assert interview.state == InterviewState.UNREACHABLE  # one call, dropped after the first answer
    [analysis] = analyses_of(interview)
    assert analysis.recommendation == Recommendation.INSUFFICIENT_EVIDENCE and analysis.overall_score is None
    assert re.search(r"\b1\b.*\b3\b", analysis.gate_reason)  # 1 of the 3 questions, in the recruiter's language


def test_a_failed_transcription_is_retried_from_the_dashboard_and_the_pipeline_resumes(tenant_a, recruiter_a, monkeypatch, mailoutbox):
    real = transcription.transcribe
    monkeypatch.setattr(transcription, "transcribe", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("model crashed")))
    interview = interview_of(tenant_a, recruiter_a)

    status = status_of(interview)
    assert status.code == "transcription_failed" and "model crashed" in status.error
    assert analyses_of(interview) == []
    with tenant_context(tenant_a.pk):
        keys = list(Answer.objects.filter(interview=interview, state=AnswerState.STORED).values_list("storage_key", flat=True))
    assert len(keys) == 3 and all(default_storage.exists(key) for key in keys)  # no recording lost
    failure_mails = [m for m in mailoutbox if reverse("interviews:detail", args=[interview.pk]) in m.body]
    assert len(failure_mails) == 1 and "model crashed" in failure_mails[0].body

    client = browser(recruiter_a)
    page = client.get(reverse("interviews:report", args=[interview.pk])).content.decode()
    assert "Transcription failed" in page and reverse("interviews:pipeline_retry", args=[interview.pk]) in page

    monkeypatch.setattr(transcription, "transcribe", real)
    response = client.post(reverse("interviews:pipeline_retry", args=[interview.pk]))
    assert response.status_code == 302
    assert status_of(interview).code == "report_ready"
    [analysis] = analyses_of(interview)
    assert analysis.state == AnalysisState.DONE


def test_a_storage_error_fails_the_transcript_readably_and_keeps_the_audio(tenant_a, recruiter_a, monkeypatch):
    storage_class = type(default_storage._wrapped if hasattr(default_storage, "_wrapped") else default_storage)
    real_open = storage_class.open

    def unreachable(self, name, mode="rb"):
        if name.endswith(".wav") and "r" in mode:
            raise OSError("storage unreachable")
        return real_open(self, name, mode)

    monkeypatch.setattr(storage_class, "open", unreachable)
    interview = interview_of(tenant_a, recruiter_a)
    monkeypatch.setattr(storage_class, "open", real_open)

    status = status_of(interview)
    assert status.code == "transcription_failed" and "storage unreachable" in status.error
    with tenant_context(tenant_a.pk):
        assert Answer.objects.filter(interview=interview, state=AnswerState.STORED).count() == 3
    with tenant_context(tenant_a.pk):
        pipeline.retry(by=recruiter_a, interview=reload(interview))
    assert status_of(interview).code == "report_ready"


def test_a_failed_analysis_keeps_its_reason_never_a_zero_and_retry_makes_it(tenant_a, recruiter_a, monkeypatch):
    real = analyser.analyse

    def refused(**kwargs):
        raise ai.AIOutputRejected("The AI's answer did not fit the expected form, twice.")

    monkeypatch.setattr(analyser, "analyse", refused)
    interview = interview_of(tenant_a, recruiter_a)

    [analysis] = analyses_of(interview)
    assert analysis.state == AnalysisState.FAILED and "expected form" in analysis.error
    assert analysis.overall_score is None and analysis.recommendation == ""
    assert status_of(interview).code == "analysis_failed"

    monkeypatch.setattr(analyser, "analyse", real)
    browser(recruiter_a).post(reverse("interviews:pipeline_retry", args=[interview.pk]))
    [analysis] = analyses_of(interview)  # the same version, made this time
    assert analysis.state == AnalysisState.DONE and analysis.overall_score is not None


def test_a_provider_still_overloaded_after_the_retries_fails_the_analysis(tenant_a, recruiter_a, monkeypatch):
    def overloaded(**kwargs):
        raise ai.AIUnavailable("The AI provider is overloaded (529).")

    monkeypatch.setattr(analyser, "analyse", overloaded)
    interview = interview_of(tenant_a, recruiter_a)

    [analysis] = analyses_of(interview)
    assert analysis.state == AnalysisState.FAILED and "529" in analysis.error and analysis.overall_score is None


def test_a_reanalysis_is_a_new_version_and_the_first_stays(tenant_a, recruiter_a, viewer_a):
    interview = interview_of(tenant_a, recruiter_a)
    client = browser(recruiter_a)

    assert browser(viewer_a).post(reverse("interviews:reanalyse", args=[interview.pk])).status_code == 403
    client.post(reverse("interviews:reanalyse", args=[interview.pk]))

    first, second = analyses_of(interview)
    assert (first.version, second.version) == (1, 2) and first.state == second.state == AnalysisState.DONE
    assert second.requested_by_id == recruiter_a.pk
    page = page_text(client.get(reverse("interviews:report", args=[interview.pk]) + "?version=1"))
    assert "Version 2" in page and "Other versions" in page
    assert client.get(reverse("interviews:report", args=[interview.pk]) + "?version=9").status_code == 404


def test_another_company_sees_no_report(tenant_a, recruiter_a, admin_b):
    interview = interview_of(tenant_a, recruiter_a)
    client = browser(admin_b)
    for name in ("interviews:report", "interviews:pipeline_status"):
        assert client.get(reverse(name, args=[interview.pk])).status_code == 404
    assert client.post(reverse("interviews:pipeline_retry", args=[interview.pk])).status_code == 404


def test_the_live_state_is_polled_while_it_runs_and_not_once_done(tenant_a, recruiter_a):
    interview = interview_of(tenant_a, recruiter_a)
    client = browser(recruiter_a)
    url = reverse("interviews:pipeline_status", args=[interview.pk])

    done = client.get(url + "?refresh=1")
    assert "hx-trigger" not in done.content.decode() and done["HX-Refresh"] == "true"
    assert "Report ready" in done.content.decode()

    with tenant_context(tenant_a.pk):
        InterviewAnalysis.objects.filter(interview=interview).delete()
        Transcript.objects.filter(interview=interview).update(state=TranscriptState.PENDING)
    running = client.get(url)
    assert 'hx-trigger="every 3s"' in running.content.decode() and "(0 of 3)" in running.content.decode()
    assert "HX-Refresh" not in running
    listed = client.get(reverse("recruiting:position_candidates", args=[interview.candidate.position_id]))
    assert url in listed.content.decode() and "Transcribing the answers" in listed.content.decode()
    candidate_page = client.get(reverse("recruiting:candidate_detail", args=[interview.candidate_id]))
    assert url in candidate_page.content.decode()


def test_the_sweeper_queues_a_step_whose_task_was_lost(tenant_a, recruiter_a):
    interview = interview_of(tenant_a, recruiter_a)
    with tenant_context(tenant_a.pk):
        InterviewAnalysis.objects.filter(interview=interview).delete()
        Transcript.objects.filter(interview=interview).update(state=TranscriptState.PENDING, updated_at=timezone.now())
    assert pipeline.requeue_stuck() == 0  # just queued: not stuck yet

    with time_machine.travel("2099-01-01T00:00:00+00:00", tick=False):
        assert pipeline.requeue_stuck() == 3
    assert status_of(interview).code == "report_ready"  # the tasks ran (eagerly here) to the end
