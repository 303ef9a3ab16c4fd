"""The interview's routes after the call: where its pipeline stands, the transcript of each answer,
the analysis versions (re-analyse keeps the earlier ones, a failed one is retried), the report as
JSON and as PDF, and the recruiter's decision; members read, writers change, another company's
interview is a 404."""

import pytest

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from interviews import pipeline
from interviews.models import AnalysisState, InterviewAnalysis, InterviewState
from recruiting.models import CandidateDecision
from tests import factories
from tests.conftest import bearer_for
from tests.interviews_support import ANSWERS, QUESTIONS, consenting_candidate, finished_interview, position_with_questions

pytestmark = pytest.mark.django_db(databases=["default", "privileged"])

V1 = "/api/v1"
@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "aihm.storage.LocalMediaStorage", "OPTIONS": {"location": str(tmp_path)}}}


@pytest.fixture
def interview(tenant_a, recruiter_a, settings):
    """A finished interview of three answered questions and its offline analysis (version 1)."""
    settings.ANTHROPIC_API_KEY = ""
    return finished_interview(tenant_a, recruiter_a)


@pytest.fixture
def client(recruiter_a):
    client = bearer_for(recruiter_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(interview, action=""):
    return f"{V1}/interviews/{interview.pk}" + (f"/{action}" if action else "")


def analyses_of(interview):
    with tenant_context(interview.tenant_id):
        return list(InterviewAnalysis.objects.filter(interview=interview).order_by("version"))


# --- Reading ---------------------------------------------------------------------------------


def test_the_interview_carries_its_attempts_timings_and_pipeline_status(client, interview):
    body = client.get(url(interview)).json()

    assert body["status"] == InterviewState.AUDIO_COMPLETE and body["created_at"]
    [attempt] = body["attempts"]
    assert attempt["number"] == 1 and attempt["direction"] == "outbound" and attempt["outcome"] == "completed"
    assert attempt["duration_seconds"] == 95 and attempt["started_at"]
    assert body["pipeline"] == {"code": "report_ready", "label": "Report ready", "done": 3, "total": 3, "error": "",
                                "running": False, "failed": False}


def test_the_transcription_gives_each_question_its_answer_and_transcript(client, interview):
    response = client.get(url(interview, "transcription"))

    assert response.status_code == 200
    body = response.json()
    assert body["pipeline"]["code"] == "report_ready" and body["language"] == "en"
    assert [item["number"] for item in body["questions"]] == [1, 2, 3]
    first = body["questions"][0]
    assert first["text"] == QUESTIONS[0]
    assert first["answer"]["state"] == "stored" and first["answer"]["duration_seconds"] == 25
    transcript = first["transcript"]
    assert transcript["state"] == "done" and transcript["text"] == ANSWERS[0] and transcript["language"] == "en"
    assert transcript["language_probability"] == 0.97 and transcript["speech_seconds"] == 20
    assert transcript["quality"] == "good" and transcript["quality_words"] == "clear"
    assert transcript["model"] == "whisper-base" and transcript["settings"] == {"beam_size": 5}
    assert transcript["segments"] == [{"start": 0.0, "end": 4.2, "text": ANSWERS[0]}]
    assert "avg_logprob" not in response.content.decode()


def test_the_analysis_gives_the_latest_version_with_its_provenance(client, interview):
    response = client.get(url(interview, "analysis"))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1 and body["state"] == AnalysisState.DONE and body["recommendation"]
    assert body["overall_score"] is not None and body["scale_max"] > 0
    assert [item["number"] for item in body["questions"]] == [1, 2, 3]
    assert {"strengths", "concerns", "to_explore", "gate_reason", "dropped"} <= set(body)
    provenance = body["provenance"]
    assert provenance["provider"] == "offline" and provenance["script_version"] is not None
    assert provenance["transcription_models"] == ["whisper-base"] and provenance["finished_at"]
    assert [version["version"] for version in body["versions"]] == [1]


def test_an_interview_without_analysis_has_none_to_show(client, tenant_a, recruiter_a):
    candidate = consenting_candidate(position_with_questions(tenant_a, recruiter_a), recruiter_a)
    with tenant_context(tenant_a.pk):
        scheduled = factories.InterviewFactory(candidate=candidate)

    assert client.get(url(scheduled, "analysis")).status_code == 404
    assert client.get(url(scheduled, "report.pdf")).status_code == 404
    assert client.get(url(scheduled, "report")).json()["analysis"] is None


def test_an_unknown_version_is_a_404(client, interview):
    assert client.get(url(interview, "analysis") + "?version=7").status_code == 404
    assert client.get(url(interview, "report") + "?version=7").status_code == 404


def test_the_report_holds_the_same_facts_as_the_page(client, interview):
    from interviews import report

    response = client.get(url(interview, "report"))

    assert response.status_code == 200
    body = response.json()
    with tenant_context(interview.tenant_id):
        expected = report.report_data(report.interview_for_report(interview.pk))
    assert body["candidate"]["full_name"] == "Zineb El Amrani" == expected["candidate"]["full_name"]
    assert body["consent"]["notice_hash"] == expected["consent"]["notice_hash"]
    assert [q["text"] for q in body["questions"]] == list(QUESTIONS)
    assert body["questions"][0]["transcript"]["text"] == ANSWERS[0]
    assert body["analysis"]["recommendation"] == expected["analysis"]["recommendation"]
    assert body["pipeline"]["code"] == "report_ready"
    assert body["interview"]["created_at"] == expected["interview"]["created_at"].isoformat().replace("+00:00", "Z")


def test_the_report_pdf_is_an_audited_download(client, interview, recruiter_a):
    response = client.get(url(interview, "report.pdf") + "?lang=en")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="report-1-en.pdf"'
    with tenant_context(interview.tenant_id):
        line = AuditLog.objects.get(action="interview.report_downloaded")
    assert line.actor_id == recruiter_a.pk and line.details["version"] == 1 and line.details["language"] == "en"


# --- Roles and tenants -------------------------------------------------------------------------


READS = ("", "transcription", "analysis", "report", "report.pdf")
WRITES = ("analysis", "retry", "decision")


@pytest.mark.parametrize("action", READS)
def test_a_viewer_reads_every_route(interview, viewer_a, action):
    assert bearer_for(viewer_a).get(url(interview, action)).status_code == 200


@pytest.mark.parametrize("action", WRITES)
def test_a_viewer_cannot_change_anything(interview, viewer_a, action):
    response = bearer_for(viewer_a).post(url(interview, action), {"decision": "hired"}, format="json")

    assert response.status_code == 403
    assert len(analyses_of(interview)) == 1


@pytest.mark.parametrize("method, action", [("get", a) for a in READS] + [("post", a) for a in WRITES])
def test_another_companys_interview_is_a_404(interview, admin_b, method, action):
    response = getattr(bearer_for(admin_b), method)(url(interview, action), {"decision": "hired"}, format="json")

    assert response.status_code == 404


# --- Writing ---------------------------------------------------------------------------------


def run_pending_analysis(interview):
    """What the queued task does once the request has committed."""
    with tenant_context(interview.tenant_id):
        pending = InterviewAnalysis.objects.get(interview=interview, state=AnalysisState.PENDING)
        pipeline.run_analysis(pending.pk)


def test_reanalysing_makes_version_2_and_keeps_version_1(client, interview):
    response = client.post(url(interview, "analysis"))

    assert response.status_code == 202
    assert response.json()["version"] == 2 and response.json()["state"] == AnalysisState.PENDING
    assert [version["version"] for version in response.json()["versions"]] == [2, 1]
    run_pending_analysis(interview)
    first, second = analyses_of(interview)
    assert first.state == second.state == AnalysisState.DONE
    latest = client.get(url(interview, "analysis")).json()
    assert latest["version"] == 2 and client.get(url(interview, "analysis") + "?version=1").json()["version"] == 1


def test_reanalysing_while_an_analysis_is_pending_is_a_409(client, interview):
    assert client.post(url(interview, "analysis")).status_code == 202  # version 2 pending, its task not run

    response = client.post(url(interview, "analysis"))

    assert response.status_code == 409 and response.json()["message"]


def test_retrying_a_failed_analysis_makes_it_again(client, interview):
    [analysis] = analyses_of(interview)
    with tenant_context(interview.tenant_id):
        InterviewAnalysis.objects.filter(pk=analysis.pk).update(state=AnalysisState.FAILED, error="The AI did not answer.")
    assert client.get(url(interview)).json()["pipeline"]["code"] == "analysis_failed"

    response = client.post(url(interview, "retry"))

    assert response.status_code == 202 and response.json() == {"step": "analysis"}
    run_pending_analysis(interview)
    [analysis] = analyses_of(interview)
    assert analysis.state == AnalysisState.DONE and analysis.error == ""


def test_retrying_with_nothing_failed_is_a_409(client, interview):
    response = client.post(url(interview, "retry"))

    assert response.status_code == 409
    assert response.json()["message"] == "Nothing has failed: the pipeline is running or the report is ready."


def test_the_decision_is_recorded_on_the_candidate_and_audited(client, interview, recruiter_a):
    response = client.post(url(interview, "decision"), {"decision": "shortlisted", "comment": "Strong on Django."}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "shortlisted"
    with tenant_context(interview.tenant_id):
        decision = CandidateDecision.objects.get(candidate=interview.candidate)
        line = AuditLog.objects.get(action="candidate.decided")
    assert decision.decision == "shortlisted" and decision.comment == "Strong on Django." and decision.decided_by_id == recruiter_a.pk
    assert line.target_id == str(interview.candidate_id) and line.details["decision"] == "shortlisted"
    assert client.get(url(interview, "report")).json()["decisions"][0]["comment"] == "Strong on Django."


@pytest.mark.parametrize("body", [{}, {"decision": "maybe"}, {"decision": "hired", "comment": "x" * 2001}])
def test_a_bad_decision_is_a_400(client, interview, body):
    response = client.post(url(interview, "decision"), body, format="json")

    assert response.status_code == 400 and response.json()["message"]
