"""Positions, scripts, candidates, CV files, CSV import and export: the service layer."""

import csv
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from aihm.errors import Conflict, Invalid, NotAllowed
from aihm.tenancy import tenant_context
from recruiting import services
from recruiting.cv import DOCX, PDF, TEXT, read_cv
from recruiting.models import Candidate, PipelineStatus, ScoringStatus
from recruiting.phones import normalise_phone, timezone_for
from recruiting.protected import protected_topics
from tests import cv_samples, factories

pytestmark = pytest.mark.django_db


def upload(data, name="cv.pdf"):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def position(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        return services.create_position(
            by=recruiter_a, title="Développeur Python", description="API et téléphonie",
            skills=["Python", "Django"], must_haves=["Python"], nice_to_haves=["Docker"], min_years_experience=3,
            language="fr", status="open",
        )


class TestProtectedTopics:
    @pytest.mark.parametrize("text, topic", [
        ("Quel âge avez-vous ?", "age"), ("How old are you?", "age"), ("Êtes-vous mariée ?", "family"),
        ("Do you have children?", "family"), ("Envisagez-vous une grossesse ?", "pregnancy"),
        ("Pratiquez-vous une religion ?", "religion"), ("What is your nationality?", "origin"),
        ("Avez-vous des problèmes de santé ?", "health"), ("Are you a union member?", "union"),
        ("Êtes-vous syndiqué ?", "union"),
    ])
    def test_protected_questions_are_flagged_in_french_and_english(self, text, topic):
        assert topic in protected_topics(text)

    @pytest.mark.parametrize("text", [
        "Décrivez un projet Python dont vous êtes fier.", "Tell me about a race condition you debugged.",
        "Quelle est la taille de votre équipe actuelle ?", "Have you built a single page application?",
        "Expérience dans le secteur de la santé ?", "Describe our pricing policy and sales politics",
    ])
    def test_ordinary_questions_are_not_flagged(self, text):
        assert protected_topics(text) == []


class TestPhones:
    def test_moroccan_and_french_numbers_are_normalised(self):
        assert normalise_phone("06 12 34 56 78") == "+212612345678"
        assert normalise_phone("+33 6 12 34 56 78") == "+33612345678"
        assert timezone_for("+33612345678") == "Europe/Paris"
        assert timezone_for("+212612345678") == "Africa/Casablanca"

    @pytest.mark.parametrize("raw, reason", [
        ("", "required"), ("hello", "not a phone number"), ("+33 6 12", "wrong length"),
        ("+33 8 99 12 34 56", "premium"),
    ])
    def test_numbers_that_cannot_be_dialled_are_refused_with_the_reason(self, raw, reason):
        with pytest.raises(Invalid, match=reason) as error:
            normalise_phone(raw)
        assert error.value.field == "phone"


class TestCVFiles:
    def test_pdf_docx_and_text_are_read_by_content(self):
        assert read_cv(upload(cv_samples.pdf_bytes(), "cv.docx")).content_type == PDF
        content = read_cv(upload(cv_samples.docx_bytes(), "cv.pdf"))
        assert content.content_type == DOCX and "Django" in content.text
        assert read_cv(upload("Python developer, 5 years.".encode(), "cv.exe")).content_type == TEXT

    def test_a_scanned_pdf_has_no_text(self):
        content = read_cv(upload(cv_samples.scanned_pdf_bytes()))
        assert content.content_type == PDF and not content.has_text

    @pytest.mark.parametrize("data, name, message", [
        (cv_samples.ELF_EXECUTABLE, "cv.pdf", "Only PDF, DOCX and plain-text"),
        (b"", "cv.pdf", "empty"),
        (cv_samples.CORRUPT_PDF, "cv.pdf", "damaged"),
        (b"PK\x03\x04not a zip at all", "cv.docx", "damaged"),
    ])
    def test_bad_files_are_refused_with_a_reason(self, data, name, message):
        with pytest.raises(Invalid, match=message) as error:
            read_cv(upload(data, name))
        assert error.value.field == "cv"

    def test_an_oversize_file_is_refused_before_reading(self, settings):
        settings.CV_MAX_BYTES = 1000
        with pytest.raises(Invalid, match="larger than"):
            read_cv(upload(b"x" * 1001, "cv.txt"))


class TestPositionsAndScripts:
    def test_viewer_cannot_create_a_position(self, tenant_a, viewer_a):
        with tenant_context(tenant_a.pk), pytest.raises(NotAllowed):
            services.create_position(by=viewer_a, title="X")

    def test_requirements_about_protected_characteristics_are_refused(self, tenant_a, recruiter_a):
        with tenant_context(tenant_a.pk), pytest.raises(Invalid, match="protected"):
            services.create_position(by=recruiter_a, title="Agent", must_haves=["moins de 30 ans"])

    def test_a_position_with_candidates_cannot_be_deleted(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            factories.CandidateFactory(position=position)
            with pytest.raises(Conflict, match="close or archive"):
                services.delete_position(by=recruiter_a, position=position)
            empty = factories.PositionFactory()
            services.delete_position(by=recruiter_a, position=empty)
            assert not type(empty).objects.filter(pk=empty.pk).exists()

    def test_script_with_a_protected_question_cannot_be_frozen(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            for text in ("Parlez-moi de votre dernier projet Python.", "Comment testez-vous une API ?"):
                services.add_question(by=recruiter_a, position=position, text=text)
            with pytest.raises(Conflict, match="3 to 10"):
                services.freeze_script(by=recruiter_a, position=position)
            flagged = services.add_question(by=recruiter_a, position=position, text="Avez-vous des enfants ?")
            assert flagged.protected_topics == ["family"]
            with pytest.raises(Conflict, match="protected characteristic"):
                services.freeze_script(by=recruiter_a, position=position)
            services.delete_question(by=recruiter_a, question=flagged)
            services.add_question(by=recruiter_a, position=position, text="Quelle base de données préférez-vous ?")
            version = services.freeze_script(by=recruiter_a, position=position)
            assert version.number == 1 and len(version.questions) == 3

    def test_editing_a_frozen_script_makes_a_new_version_and_keeps_the_old(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            questions = [services.add_question(by=recruiter_a, position=position, text=f"Question technique {n} ?") for n in range(3)]
            first = services.freeze_script(by=recruiter_a, position=position)
            assert services.freeze_script(by=recruiter_a, position=position) == first
            services.update_question(by=recruiter_a, question=questions[0], text="Question réécrite ?")
            second = services.freeze_script(by=recruiter_a, position=position)
            first.refresh_from_db()
            assert second.number == 2
            assert first.questions[0]["text"] == "Question technique 0 ?"
            assert second.questions[0]["text"] == "Question réécrite ?"

    def test_reorder_needs_every_question_once(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            q1, q2, q3 = (services.add_question(by=recruiter_a, position=position, text=f"Q{n} ?") for n in range(3))
            services.reorder_questions(by=recruiter_a, position=position, question_ids=[q3.pk, q1.pk, q2.pk])
            assert [q.pk for q in position.questions.all()] == [q3.pk, q1.pk, q2.pk]
            with pytest.raises(Invalid):
                services.reorder_questions(by=recruiter_a, position=position, question_ids=[q1.pk, q1.pk, q2.pk])
            services.move_question(by=recruiter_a, question=q2, offset=-1)
            assert [q.pk for q in position.questions.all()] == [q3.pk, q2.pk, q1.pk]

    def test_a_script_holds_at_most_ten_questions(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            for n in range(10):
                services.add_question(by=recruiter_a, position=position, text=f"Question {n} ?")
            with pytest.raises(Conflict, match="at most 10"):
                services.add_question(by=recruiter_a, position=position, text="Une de trop ?")


class TestCandidates:
    def test_adding_a_candidate_with_a_cv_stores_it_under_a_tenant_key(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            candidate = services.add_candidate(
                by=recruiter_a, position=position, full_name="Nadia Benali", email="Nadia@Example.test",
                phone="0612345678", cv=upload(cv_samples.pdf_bytes(), "Nadia Benali CV.pdf"),
            )
        assert candidate.email == "nadia@example.test" and candidate.phone == "+212612345678"
        assert candidate.timezone == "Africa/Casablanca"
        assert candidate.cv_file.name.startswith(f"tenants/{tenant_a.pk}/cvs/")
        assert "Nadia" not in candidate.cv_file.name and candidate.cv_filename == "Nadia Benali CV.pdf"
        assert default_storage.exists(candidate.cv_file.name)
        assert "Django" in candidate.cv_text

    def test_a_duplicate_is_refused_with_a_link_unless_confirmed(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            first = services.add_candidate(by=recruiter_a, position=position, full_name="A", email="a@x.test", phone="0612345678")
            with pytest.raises(services.DuplicateCandidate) as error:
                services.add_candidate(by=recruiter_a, position=position, full_name="B", email="A@X.test", phone="0622222222")
            assert error.value.duplicates == [first]
            services.add_candidate(by=recruiter_a, position=position, full_name="B", email="a@x.test", phone="0622222222", allow_duplicate=True)
            assert Candidate.objects.count() == 2

    def test_another_tenant_with_the_same_phone_is_not_a_duplicate(self, tenant_a, tenant_b, recruiter_a, admin_b, position):
        with tenant_context(tenant_a.pk):
            services.add_candidate(by=recruiter_a, position=position, full_name="A", phone="0612345678")
        with tenant_context(tenant_b.pk):
            other = factories.PositionFactory()
            services.add_candidate(by=admin_b, position=other, full_name="A", phone="0612345678")
            assert Candidate.objects.count() == 1

    def test_a_bad_cv_adds_nothing_and_stores_nothing(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            with pytest.raises(Invalid):
                services.add_candidate(by=recruiter_a, position=position, full_name="A", phone="0612345678",
                                       cv=upload(cv_samples.ELF_EXECUTABLE))
            assert Candidate.objects.count() == 0

    def test_decision_is_recorded_with_who_and_when(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            candidate = factories.CandidateFactory(position=position)
            services.decide(by=recruiter_a, candidate=candidate, decision=PipelineStatus.SHORTLISTED)
            assert candidate.decided_by == recruiter_a and candidate.decided_at is not None
            with pytest.raises(Invalid):
                services.decide(by=recruiter_a, candidate=candidate, decision=PipelineStatus.CV_SCORED)

    def test_erasure_removes_the_row_and_its_file_and_audits_only_the_id(self, tenant_a, recruiter_a, position, django_capture_on_commit_callbacks):
        with tenant_context(tenant_a.pk):
            candidate = services.add_candidate(by=recruiter_a, position=position, full_name="Zineb Erased", email="z@x.test",
                                               phone="0612345678", cv=upload(cv_samples.pdf_bytes()))
            key = candidate.cv_file.name
            with django_capture_on_commit_callbacks(execute=True):
                candidate_id = services.erase_candidate(by=recruiter_a, candidate=candidate)
            assert not Candidate.objects.filter(pk=candidate_id).exists()
            entries = list(AuditLog.objects.filter(target_id=str(candidate_id)))
        assert not default_storage.exists(key)
        assert "candidate.erased" in {e.action for e in entries}
        flattened = " ".join(f"{e.details} {e.target_type} {e.target_id}" for e in entries)
        assert "Zineb" not in flattened and "z@x.test" not in flattened


class TestCSV:
    def csv_upload(self, text, encoding="utf-8"):
        return SimpleUploadedFile("candidates.csv", text.encode(encoding), content_type="text/csv")

    def test_import_adds_valid_rows_and_reports_refused_ones(self, tenant_a, recruiter_a, position):
        data = (
            "Nom;Email;Téléphone\n"
            "Karim Alaoui;karim@x.test;0611111111\n"
            ";nobody@x.test;0622222222\n"
            "Sara Idrissi;sara@x.test;12\n"
            "Karim Bis;KARIM@x.test;0633333333\n"
            "Léa Martin;lea@x.test;+33 6 12 34 56 78\n"
        )
        with tenant_context(tenant_a.pk):
            report = services.import_candidates_csv(by=recruiter_a, position=position, upload=self.csv_upload(data, "cp1252"))
            assert [r["status"] for r in report] == ["added", "refused", "refused", "refused", "added"]
            assert "full name" in report[1]["reason"]
            assert report[3]["reason"].startswith("Same email or phone as line 2")
            assert Candidate.objects.filter(position=position).count() == 2
            again = services.import_candidates_csv(by=recruiter_a, position=position, upload=self.csv_upload(data))
            assert [r["status"] for r in again if r["line"] == 2] == ["refused"]
            assert again[0]["duplicate_of"] == report[0]["candidate_id"]

    def test_import_needs_the_name_and_phone_columns(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk), pytest.raises(Invalid, match="phone"):
            services.import_candidates_csv(by=recruiter_a, position=position, upload=self.csv_upload("name,email\nA,a@x.test\n"))

    def test_export_neutralises_formulas_and_starts_with_a_bom(self, tenant_a, recruiter_a, position):
        with tenant_context(tenant_a.pk):
            for name in ("=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTab", "Normal Name"):
                factories.CandidateFactory(position=position, full_name=name)
            lines = list(services.export_candidates_csv(by=recruiter_a, position=position))
        assert lines[0].startswith("\ufeff")
        rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff")), delimiter=";"))  # French user
        names = [row[0] for row in rows[1:]]
        assert all(name.startswith("'") for name in names[:5]) and names[5] == "Normal Name"
        assert all(row[2].startswith("'+") for row in rows[1:])

    def test_viewer_cannot_export(self, tenant_a, viewer_a, position):
        with tenant_context(tenant_a.pk), pytest.raises(NotAllowed):
            services.export_candidates_csv(by=viewer_a, position=position)


def test_a_candidate_without_cv_is_not_queued_for_scoring(tenant_a, recruiter_a, position):
    with tenant_context(tenant_a.pk):
        candidate = services.add_candidate(by=recruiter_a, position=position, full_name="No CV", phone="0612345678")
    assert candidate.scoring_status == ScoringStatus.NO_CV
