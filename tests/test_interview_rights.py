"""The candidate's rights over the interviews: the export holds the transcripts, analyses,
recordings and report PDFs; erasure removes them from the database and from storage; retention
deletes each kind of file after the company's period, and the audit log counts what went."""

import json
import re
import zipfile
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from consent import retention, services, tasks
from consent.models import RetentionPolicy
from interviews import pipeline, report
from interviews.models import Answer, Interview, InterviewAnalysis, Transcript
from interviews.rights import RECORDING_PURGED
from recruiting.models import Candidate
from recruiting.services import erase_candidate
from tests import factories
from tests.interviews_support import consenting_candidate, position_with_questions, wav_bytes

through_links = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
NOW = datetime(2027, 6, 15, 3, 0, tzinfo=dt_timezone.utc)
PDF_BYTES = b"%PDF-1.7\n% a report\n%%EOF\n"


WAV_BYTES = wav_bytes()


@pytest.fixture
def media(settings, tmp_path):
    """Files go to a fresh folder, so a test can list exactly what storage holds."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)},
    }}
    return tmp_path


def stored_files(root):
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file())


def interview_with_report(tenant, *, made_at=NOW - timedelta(days=1), candidate=None, name="Zineb El Amrani"):
    """A finished interview made at `made_at`: two stored answers with their WAV and transcript,
    two analysis versions, the latest with its report PDFs in French and English."""
    with tenant_context(tenant.pk), time_machine.travel(made_at, tick=False):
        candidate = candidate or factories.CandidateFactory(full_name=name)
        interview = factories.InterviewFactory(candidate=candidate, state="audio_complete", ended_at=made_at, next_call_at=None)
        attempt = factories.CallAttemptFactory(interview=interview, number=1)
        for index, words in enumerate(("J'ai construit un standard téléphonique en Django.", "Cinq ans de Python.")):
            answer = factories.AnswerFactory(
                interview=interview, attempt=attempt, question_index=index, duration_seconds=12, stored_at=made_at,
                storage_key=default_storage.save(f"recordings/{tenant.pk}/{interview.pk}-{index}.wav", ContentFile(WAV_BYTES)),
            )
            Transcript.objects.create(answer=answer, interview=interview, state="done", text=words, language="fr",
                                      quality="good", model="small", segments=[{"start": 0, "end": 1, "text": words}])
        InterviewAnalysis.objects.create(interview=interview, version=1, state="failed", error="The AI provider did not answer.")
        pdf_files = {language: default_storage.save(f"reports/{tenant.pk}/{interview.pk}/v2-{language}.pdf", ContentFile(PDF_BYTES))
                     for language in ("fr", "en")}
        InterviewAnalysis.objects.create(
            interview=interview, version=2, state="done", recommendation="advance", overall_score=3.5, provider="offline",
            model="rules-1", prompt_version="p3", script_version=interview.script.number,
            output={"summary": "Solide en Python.", "questions": []}, finished_at=made_at, pdf_files=pdf_files,
        )
    return interview


# --- Access -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_holds_each_interview_with_transcripts_analyses_recordings_and_reports(tenant_a, recruiter_a, media):
    interview = interview_with_report(tenant_a)
    with tenant_context(tenant_a.pk):
        archive = zipfile.ZipFile(services.export_candidate(by=recruiter_a, candidate=Candidate.objects.get(pk=interview.candidate_id)))
    data = json.loads(archive.read("data.json"))
    [exported] = data["interviews"]
    assert (exported["id"], exported["state"], exported["script_version"]) == (str(interview.pk), "audio_complete", interview.script.number)
    assert exported["ended_at"] and exported["created_at"] and [a["outcome"] for a in exported["attempts"]] == ["completed"]
    assert [(a["question_number"], a["question"], a["transcript"]["text"], a["transcript"]["language"], a["transcript"]["quality"])
            for a in exported["answers"]] == [
        (1, "Question 0?", "J'ai construit un standard téléphonique en Django.", "fr", "good"),
        (2, "Question 1?", "Cinq ans de Python.", "fr", "good"),
    ]
    assert [(a["version"], a["state"], a["recommendation"], a["overall_score"]) for a in exported["analyses"]] == [
        (1, "failed", "", None), (2, "done", "advance", 3.5),
    ]
    latest = exported["analyses"][1]
    assert latest["output"]["summary"] == "Solide en Python."
    assert latest["provenance"] | {"usage": None} == {"provider": "offline", "model": "rules-1", "prompt_version": "p3",
                                                       "script_version": interview.script.number, "transcription": {}, "usage": None}
    for answer in exported["answers"]:
        assert archive.read(answer["recording"]) == WAV_BYTES
    assert sorted(latest["report_pdfs"]) == ["en", "fr"]
    assert all(archive.read(path) == PDF_BYTES for path in latest["report_pdfs"].values())
    assert len([name for name in archive.namelist() if name.endswith(".wav")]) == 2
    assert "tenants/" not in json.dumps(exported) and "recordings/" + str(tenant_a.pk) not in json.dumps(exported), \
        "the archive names its own paths, not storage keys"


@pytest.mark.django_db
def test_a_candidate_without_interviews_has_no_interview_part(tenant_a, recruiter_a, media):
    with tenant_context(tenant_a.pk):
        candidate = factories.CandidateFactory()
        archive = zipfile.ZipFile(services.export_candidate(by=recruiter_a, candidate=candidate))
    assert "interviews" not in json.loads(archive.read("data.json"))


# --- Erasure ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_removes_the_interview_rows_and_their_recordings_and_report_pdfs(tenant_a, recruiter_a, media, django_capture_on_commit_callbacks):
    erased = interview_with_report(tenant_a)
    kept = interview_with_report(tenant_a, name="Omar Kept")
    kept_files = [key for key in stored_files(media) if str(kept.pk) in key]
    assert len(stored_files(media)) == 8 and len(kept_files) == 4

    with tenant_context(tenant_a.pk), django_capture_on_commit_callbacks(execute=True):
        erase_candidate(by=recruiter_a, candidate=Candidate.objects.get(pk=erased.candidate_id))

    assert stored_files(media) == sorted(kept_files)
    with tenant_context(tenant_a.pk):
        assert list(Interview.objects.values_list("pk", flat=True)) == [kept.pk]
        for model in (Answer, Transcript, InterviewAnalysis):
            assert not model.objects.filter(interview_id=erased.pk).exists(), model
        erasure = AuditLog.objects.get(action="candidate.erased")
        assert "Zineb" not in json.dumps(erasure.details) and "Python" not in json.dumps(erasure.details)


# --- Retention --------------------------------------------------------------------------------------


def test_the_default_periods_are_six_months_for_recordings_and_a_year_for_reports():
    policy = RetentionPolicy()
    assert (policy.recordings_days, policy.reports_months, policy.other_data_months) == (183, 12, 24)


@pytest.mark.django_db
def test_the_retention_page_shows_the_period_of_reports(client, admin_a):
    client.force_login(admin_a)
    body = client.get(reverse("consent:retention")).content.decode()
    assert re.search(r'name="reports_months"[^>]*value="12"|value="12"[^>]*name="reports_months"', body)
    assert re.search(r'name="recordings_days"[^>]*value="183"|value="183"[^>]*name="recordings_days"', body)


@pytest.mark.django_db
def test_recordings_go_after_their_period_and_the_answer_says_why(tenant_a, media, django_capture_on_commit_callbacks):
    old = interview_with_report(tenant_a, made_at=NOW - timedelta(days=184))
    recent = interview_with_report(tenant_a, made_at=NOW - timedelta(days=182))
    with time_machine.travel(NOW, tick=False), tenant_context(tenant_a.pk), django_capture_on_commit_callbacks(execute=True):
        counts = services.apply_retention()
        assert services.apply_retention() == {"candidates_erased": 0}, "a second run finds nothing more"
        entry = AuditLog.objects.get(action="retention.applied")
        old_answers = list(Answer.objects.filter(interview=old).select_related("transcript"))
        recent_answers = list(Answer.objects.filter(interview=recent))
    assert counts == {"candidates_erased": 0, "recordings_deleted": 2}
    assert (entry.details["recordings_deleted"], entry.details["recordings_days"], entry.actor_id) == (2, 183, None)
    assert [(a.storage_key, a.state, a.error) for a in old_answers] == [("", "stored", gettext(RECORDING_PURGED))] * 2
    assert all(a.transcript.text for a in old_answers), "the transcripts keep their own, longer period"
    assert all(a.storage_key and not a.error for a in recent_answers)
    assert not [key for key in stored_files(media) if f"{old.pk}-" in key and key.endswith(".wav")]
    assert len([key for key in stored_files(media) if f"{recent.pk}-" in key]) == 2
    assert len([key for key in stored_files(media) if key.endswith(".pdf")]) == 4, "the reports are not a year old"
    with tenant_context(tenant_a.pk):
        shown = report.report_data(Interview.objects.select_related("candidate__position", "script").get(pk=old.pk))
    assert [q["answer"]["state_label"] for q in shown["questions"][:2]] == [gettext(RECORDING_PURGED)] * 2
    assert not any(q["answer"]["has_audio"] for q in shown["questions"][:2])


@pytest.mark.django_db
def test_transcripts_analyses_and_report_pdfs_go_after_their_period(tenant_a, media, django_capture_on_commit_callbacks):
    old = interview_with_report(tenant_a, made_at=retention.months_before(NOW, 12) - timedelta(minutes=1))
    edge = interview_with_report(tenant_a, made_at=retention.months_before(NOW, 12) + timedelta(minutes=1))
    with time_machine.travel(NOW, tick=False), tenant_context(tenant_a.pk), django_capture_on_commit_callbacks(execute=True):
        counts = services.apply_retention()
        entry = AuditLog.objects.get(action="retention.applied")
        assert not Transcript.objects.filter(interview=old).exists() and not InterviewAnalysis.objects.filter(interview=old).exists()
        assert Transcript.objects.filter(interview=edge).count() == 2 and InterviewAnalysis.objects.filter(interview=edge).count() == 2
        assert Answer.objects.filter(interview=old).count() == 2 and Interview.objects.filter(pk=old.pk).exists()
        assert pipeline.status(Interview.objects.get(pk=old.pk)).code == "", "not shown as transcribing again"
        assert pipeline.status(Interview.objects.get(pk=edge.pk)).code == "report_ready"
    assert counts == {"candidates_erased": 0, "recordings_deleted": 4, "transcripts_deleted": 2,
                      "analyses_deleted": 2, "report_pdfs_deleted": 2}
    assert {what: entry.details[what] for what in counts} == counts
    assert [key for key in stored_files(media) if key.endswith(".pdf")] == sorted(
        f"reports/{tenant_a.pk}/{edge.pk}/v2-{language}.pdf" for language in ("en", "fr"))


@through_links
def test_the_nightly_purge_follows_each_companys_periods(tenant_a, tenant_b, media):
    with tenant_context(tenant_b.pk):
        RetentionPolicy(recordings_days=30, reports_months=2).save()
    a_interview = interview_with_report(tenant_a, made_at=NOW - timedelta(days=90))
    b_interview = interview_with_report(tenant_b, made_at=NOW - timedelta(days=90))

    with time_machine.travel(NOW, tick=False):
        tasks.apply_retention_policies()
        tasks.apply_retention_policies()

    with tenant_context(tenant_a.pk):
        assert not AuditLog.objects.filter(action="retention.applied").exists(), "nothing of A is past 183 days or 12 months"
        assert Answer.objects.filter(interview=a_interview).exclude(storage_key="").count() == 2
        assert Transcript.objects.filter(interview=a_interview).count() == 2
    with tenant_context(tenant_b.pk):
        [run] = AuditLog.objects.filter(action="retention.applied")
        assert {what: run.details.get(what) for what in ("recordings_deleted", "transcripts_deleted", "analyses_deleted",
                                                          "report_pdfs_deleted", "recordings_days", "reports_months")} == {
            "recordings_deleted": 2, "transcripts_deleted": 2, "analyses_deleted": 2, "report_pdfs_deleted": 2,
            "recordings_days": 30, "reports_months": 2,
        }
        assert not Answer.objects.filter(interview=b_interview).exclude(storage_key="").exists()
    assert all(str(tenant_a.pk) in key for key in stored_files(media)) and len(stored_files(media)) == 4


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_companies_told_90_days_before_the_default_changed_keep_90_days(tenant_a, tenant_b, recruiter_a, admin_b):
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connections

    from aihm.tenancy import PRIVILEGED_DB

    migration = import_module("consent.migrations.0006_keep_the_announced_recordings_period")
    third = factories.TenantFactory()
    with tenant_context(tenant_a.pk):
        consenting_candidate(position_with_questions(tenant_a, recruiter_a), recruiter_a)
    with tenant_context(tenant_b.pk):
        consenting_candidate(position_with_questions(tenant_b, admin_b), admin_b)
        RetentionPolicy(recordings_days=30).save()
    migration.keep_the_announced_period(apps, SimpleNamespace(connection=connections[PRIVILEGED_DB]))

    with tenant_context(tenant_a.pk):
        assert RetentionPolicy.objects.get().recordings_days == 90, "its candidates were told 90 days"
        assert RetentionPolicy.objects.get().reports_months == 12
    with tenant_context(tenant_b.pk):
        assert RetentionPolicy.objects.get().recordings_days == 30, "a saved policy is left as it is"
    with tenant_context(third.pk):
        assert not RetentionPolicy.objects.exists(), "no consent yet: the new default applies"
