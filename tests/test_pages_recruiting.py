"""The recruiting pages of the dashboard: positions, screening scripts, candidates, CVs, CSV import
and export, the scoring panel; who may use each route (viewers read only, another company's object
is a 404); the demo data; and the page rules (no inline script or style)."""

import csv
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.management.commands.seed import DemoCompany
from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from recruiting import demo, scoring, services
from recruiting import files as recruiting_files
from recruiting.models import Candidate, PipelineStatus, Position, PositionStatus, Question, ScoringStatus, ScriptVersion
from tests import cv_samples, factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """CV files of these tests go to a temporary folder; the AI runs offline."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}},
    }
    settings.S3_BUCKET = ""
    settings.ANTHROPIC_API_KEY = ""


def client_for(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def html(response):
    return response.content.decode()


def audit_actions(tenant_id):
    with tenant_context(tenant_id):
        return list(AuditLog.objects.values_list("action", flat=True))


def reload(instance):
    """The row as stored now (reads need the tenant, as everywhere in these tests)."""
    with tenant_context(instance.tenant_id):
        return type(instance).objects.get(pk=instance.pk)


def upload(data, name="cv.pdf"):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def position(tenant_a):
    with tenant_context(tenant_a.pk):
        return factories.PositionFactory(title="Développeur·se Python/Django", location="Casablanca")


@pytest.fixture
def question(position):
    with tenant_context(position.tenant_id):
        return factories.QuestionFactory(position=position, order=1)


@pytest.fixture
def candidate(position, recruiter_a):
    """A candidate added through the service with a real PDF CV (queued for scoring)."""
    with tenant_context(position.tenant_id):
        return services.add_candidate(
            by=recruiter_a, position=position, cv=upload((demo.CV_DIR / "dev_python_senior_fr.pdf").read_bytes(), "Amina CV.pdf"),
            full_name="Amina Benali", email="amina@example.test", phone="06 12 34 56 78",
        )


def scored(candidate):
    """Run the offline scorer on a queued candidate, as the worker would."""
    with tenant_context(candidate.tenant_id):
        scoring.score_cv(candidate.pk)
        return Candidate.objects.get(pk=candidate.pk)


def set_scoring(candidate, status, error=""):
    with tenant_context(candidate.tenant_id):
        Candidate.objects.filter(pk=candidate.pk).update(scoring_status=status, scoring_error=error)


# --- Positions -------------------------------------------------------------------------------

POSITION_FORM = {
    "title": "Comptable confirmé·e",
    "description": "Tenue de la comptabilité de PME.",
    "skills": "Fiscalité, Sage\nExcel",
    "must_haves": "Comptabilité générale",
    "nice_to_haves": "IFRS; Anglais",
    "min_years_experience": "4",
    "location": "Lyon",
    "contract_type": "permanent",
    "language": "fr",
    "status": "open",
}


def test_create_a_position_with_requirements_as_lines_or_commas(recruiter_a, tenant_a):
    response = client_for(recruiter_a).post(reverse("recruiting:position_create"), POSITION_FORM)

    with tenant_context(tenant_a.pk):
        position = Position.objects.get(title="Comptable confirmé·e")
    assert response.status_code == 302 and response.url == reverse("recruiting:script", args=[position.pk])
    assert position.skills == ["Fiscalité", "Sage", "Excel"]
    assert position.nice_to_haves == ["IFRS", "Anglais"]
    assert position.min_years_experience == 4 and position.owner_id == recruiter_a.pk
    assert "position.created" in audit_actions(tenant_a.pk)


def test_a_protected_requirement_is_refused_next_to_its_field(recruiter_a, tenant_a):
    response = client_for(recruiter_a).post(reverse("recruiting:position_create"), {**POSITION_FORM, "must_haves": "Moins de 30 ans"})

    assert response.status_code == 200
    assert "protected characteristics" in response.context["form"].errors["must_haves"][0]
    with tenant_context(tenant_a.pk):
        assert not Position.objects.exists()


def test_edit_a_position_shows_its_lists_one_a_line_and_saves(admin_a, position):
    client = client_for(admin_a)
    page = html(client.get(reverse("recruiting:position_edit", args=[position.pk])))
    assert "Python\nDjango\nPostgreSQL</textarea>" in page

    response = client.post(reverse("recruiting:position_edit", args=[position.pk]), {**POSITION_FORM, "title": "Renamed"})

    assert response.status_code == 302
    position = reload(position)
    assert position.title == "Renamed"


def test_the_interview_language_is_refused_next_to_its_field_once_a_script_is_frozen(admin_a, position):
    with tenant_context(position.tenant_id):
        for n in range(3):
            factories.QuestionFactory(position=position, order=n)
        services.freeze_script(by=admin_a, position=position)

    response = client_for(admin_a).post(reverse("recruiting:position_edit", args=[position.pk]), {**POSITION_FORM, "language": "en"})

    assert response.status_code == 200
    assert response.context["form"].errors["language"]


def test_positions_list_searches_filters_counts_and_paginates(admin_a, tenant_a):
    with tenant_context(tenant_a.pk):
        rabat = factories.PositionFactory(title="Data Analyst", location="Rabat", status="open")
        factories.PositionFactory(title="Comptable", location="Lyon", status="closed")
        for _ in range(3):
            factories.CandidateFactory(position=rabat)
        for n in range(30):
            factories.PositionFactory(title=f"Filler {n}", status="draft")
    client = client_for(admin_a)

    by_location = client.get(reverse("recruiting:position_list"), {"q": "rabat"})
    assert [p.title for p in by_location.context["page"].object_list] == ["Data Analyst"]
    assert by_location.context["page"].object_list[0].candidate_count == 3
    closed = client.get(reverse("recruiting:position_list"), {"status": "closed"})
    assert [p.title for p in closed.context["page"].object_list] == ["Comptable"]
    first, second = client.get(reverse("recruiting:position_list")), client.get(reverse("recruiting:position_list"), {"page": 2})
    assert len(first.context["page"].object_list) == 25 and len(second.context["page"].object_list) == 7
    assert "Page 1 of 2" in html(first)


def test_position_detail_shows_every_funnel_status_in_order_its_candidates_and_script(viewer_a, position, question):
    with tenant_context(position.tenant_id):
        factories.CandidateFactory(position=position, full_name="Zoé Hired", status=PipelineStatus.HIRED)
        factories.CandidateFactory(position=position, full_name="Noa New")

    response = client_for(viewer_a).get(reverse("recruiting:position_detail", args=[position.pk]))

    assert response.status_code == 200
    funnel = response.context["funnel"]
    assert [step["label"] for step in funnel] == [status.label for status in PipelineStatus]
    assert {step["status"]: step["count"] for step in funnel}[PipelineStatus.HIRED] == 1
    page = html(response)
    assert "Zoé Hired" in page and "Noa New" in page and question.text in page
    positions = [page.index(str(status.label)) for status in PipelineStatus]
    assert positions == sorted(positions)


def test_position_detail_lists_the_first_25_candidates_and_links_to_all(admin_a, position):
    with tenant_context(position.tenant_id):
        for _ in range(27):
            factories.CandidateFactory(position=position)

    response = client_for(admin_a).get(reverse("recruiting:position_detail", args=[position.pk]))

    assert len(response.context["candidates"]) == 25
    assert "See all 27 candidates" in html(response)


def test_an_empty_position_is_deleted_after_confirmation(admin_a, position):
    client = client_for(admin_a)
    confirm = client.get(reverse("recruiting:position_delete", args=[position.pk]))
    assert confirm.status_code == 200 and "cannot be undone" in html(confirm)

    response = client.post(reverse("recruiting:position_delete", args=[position.pk]))

    assert response.status_code == 302 and response.url == reverse("recruiting:position_list")
    with tenant_context(position.tenant_id):
        assert not Position.objects.filter(pk=position.pk).exists()


def test_a_position_with_candidates_is_closed_or_archived_instead_of_deleted(admin_a, position, candidate):
    client = client_for(admin_a)
    confirm = html(client.get(reverse("recruiting:position_delete", args=[position.pk])))
    assert "cannot be deleted" in confirm
    assert 'value="closed"' in confirm and 'value="archived"' in confirm

    refused = client.post(reverse("recruiting:position_delete", args=[position.pk]))

    assert refused.status_code == 409
    assert "close or archive it instead" in html(refused)
    archived = client.post(reverse("recruiting:position_status", args=[position.pk]), {"status": "archived"})
    assert archived.status_code == 302
    position = reload(position)
    assert position.status == PositionStatus.ARCHIVED


# --- Screening script ------------------------------------------------------------------------


def test_script_editor_flags_a_protected_question_refuses_to_freeze_then_freezes(recruiter_a, position):
    client = client_for(recruiter_a)
    script_url = reverse("recruiting:script", args=[position.pk])
    add_url = reverse("recruiting:question_add", args=[position.pk])

    client.post(add_url, {"text": "Êtes-vous marié et avez-vous des enfants ?", "good_answer": "", "weight": "1", "max_answer_seconds": "60"})
    page = html(client.get(script_url))
    assert "Protected characteristic" in page and "family or marital status" in page

    refused = client.post(reverse("recruiting:script_freeze", args=[position.pk]), follow=True)
    refusal = html(refused)
    assert "A script needs 3 to 10 questions." in refusal and "touches a protected characteristic" in refusal
    with tenant_context(position.tenant_id):
        assert not ScriptVersion.objects.exists()
        flagged = Question.objects.get()
    client.post(reverse("recruiting:question_delete", args=[flagged.pk]))
    for text in ("Parlez-nous d'un projet Django.", "Comment testez-vous votre code ?", "Quand pouvez-vous commencer ?"):
        response = client.post(add_url, {"text": text, "good_answer": "Un exemple concret.", "weight": "3", "max_answer_seconds": "90"})
        assert response.status_code == 302

    frozen = client.post(reverse("recruiting:script_freeze", args=[position.pk]), follow=True)

    assert "Version 1 of the script is frozen." in html(frozen)
    versions = frozen.context["versions"]
    assert [v.number for v in versions] == [1] and versions[0].frozen_by == recruiter_a
    assert "Rita Recruiter" in html(frozen)
    again = client.post(reverse("recruiting:script_freeze", args=[position.pk]), follow=True)
    assert "has not changed since version 1" in html(again)


def test_script_questions_are_edited_and_moved_up_and_down(recruiter_a, position):
    with tenant_context(position.tenant_id):
        first, second, third = (factories.QuestionFactory(position=position, order=n) for n in (1, 2, 3))
    client = client_for(recruiter_a)

    client.post(reverse("recruiting:question_move", args=[third.pk]), {"direction": "up"})
    client.post(reverse("recruiting:question_move", args=[first.pk]), {"direction": "down"})
    edit = client.post(reverse("recruiting:question_edit", args=[second.pk]),
                       {"text": "Décrivez votre meilleur projet.", "good_answer": "Du concret.", "weight": "5", "max_answer_seconds": "120"})

    assert edit.status_code == 302
    with tenant_context(position.tenant_id):
        assert list(position.questions.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]
        second = reload(second)
    assert (second.text, second.weight, second.max_answer_seconds) == ("Décrivez votre meilleur projet.", 5, 120)


def test_question_form_errors_are_shown_next_to_their_fields(recruiter_a, position):
    response = client_for(recruiter_a).post(reverse("recruiting:question_add", args=[position.pk]),
                                            {"text": "", "weight": "9", "max_answer_seconds": "5"})

    assert response.status_code == 200
    errors = response.context["question_form"].errors
    assert set(errors) == {"text", "weight", "max_answer_seconds"}


def test_draft_with_ai_is_labelled_offline_and_adds_questions_to_review(recruiter_a, position):
    client = client_for(recruiter_a)
    page = html(client.get(reverse("recruiting:script", args=[position.pk])))
    assert "Draft with AI (offline drafting)" in page

    response = client.post(reverse("recruiting:script_draft", args=[position.pk]), follow=True)

    with tenant_context(position.tenant_id):
        drafted = list(position.questions.all())
    assert 3 <= len(drafted) <= 10 and all(q.drafted_by_ai and not q.protected_topics for q in drafted)
    assert "questions drafted" in html(response) and "Drafted by the AI" in html(response)


def test_draft_with_ai_is_labelled_plainly_when_a_provider_is_configured(recruiter_a, position, settings):
    settings.ANTHROPIC_API_KEY = "sk-test"

    page = html(client_for(recruiter_a).get(reverse("recruiting:script", args=[position.pk])))

    assert "Draft with AI" in page and "offline drafting" not in page


# --- Candidates: lists -----------------------------------------------------------------------


def test_candidates_page_searches_by_name_email_or_phone_and_filters(admin_a, tenant_a, position):
    with tenant_context(tenant_a.pk):
        other = factories.PositionFactory(title="Comptable")
        factories.CandidateFactory(position=position, full_name="Amina Alaoui", email="amina@x.test", phone="+212612345001")
        factories.CandidateFactory(position=other, full_name="Bruno Blanc", email="bruno@x.test", phone="+33612345002",
                                   status=PipelineStatus.SHORTLISTED, scoring_status=ScoringStatus.FAILED)
    client = client_for(admin_a)
    names = lambda response: [c.full_name for c in response.context["page"].object_list]  # noqa: E731

    assert names(client.get(reverse("recruiting:candidate_list"), {"q": "amina"})) == ["Amina Alaoui"]
    assert names(client.get(reverse("recruiting:candidate_list"), {"q": "bruno@"})) == ["Bruno Blanc"]
    assert names(client.get(reverse("recruiting:candidate_list"), {"q": "345001"})) == ["Amina Alaoui"]
    assert names(client.get(reverse("recruiting:candidate_list"), {"status": "shortlisted"})) == ["Bruno Blanc"]
    assert names(client.get(reverse("recruiting:candidate_list"), {"scoring": "failed"})) == ["Bruno Blanc"]
    assert names(client.get(reverse("recruiting:position_candidates", args=[position.pk]))) == ["Amina Alaoui"]
    page = html(client.get(reverse("recruiting:candidate_list")))
    assert "Comptable" in page and "Shortlisted" in page and "Scoring failed" in page


def test_candidates_list_marks_offline_scores(admin_a, candidate):
    scored(candidate)

    page = html(client_for(admin_a).get(reverse("recruiting:candidate_list")))

    assert re.search(r'class="score">\d+<span class="score-max">/100</span></span> <span class="badge badge-warning"[^>]*>offline AI<', page)


@pytest.mark.parametrize("route", ["recruiting:candidate_list", "recruiting:position_candidates"])
def test_candidates_lists_run_a_constant_number_of_queries(admin_a, position, route):
    client = client_for(admin_a)
    args = [position.pk] if route == "recruiting:position_candidates" else []

    def queries_with(total):
        with tenant_context(position.tenant_id):
            while Candidate.objects.count() < total:
                factories.CandidateFactory(position=position, cv_score=50, scoring_status=ScoringStatus.SCORED,
                                           cv_score_details={"provider": "offline"})
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(route, args=args)).status_code == 200
        return len(queries)

    assert queries_with(5) == queries_with(40)


def test_candidates_lists_paginate_by_25(admin_a, position):
    with tenant_context(position.tenant_id):
        for _ in range(26):
            factories.CandidateFactory(position=position)

    response = client_for(admin_a).get(reverse("recruiting:candidate_list"), {"page": 2})

    assert len(response.context["page"].object_list) == 1


# --- Candidates: add, duplicates, uploads ----------------------------------------------------


def candidate_form(**overrides):
    return {"full_name": "Amina Benali", "email": "amina@example.test", "phone": "06 12 34 56 78", "timezone": "",
            "notes": "Vue au salon.", **overrides}


def test_add_a_candidate_with_a_cv(recruiter_a, position):
    client = client_for(recruiter_a)
    form = html(client.get(reverse("recruiting:candidate_add", args=[position.pk])))
    assert 'accept=".pdf,.docx,.txt"' in form and 'list="common-timezones"' in form

    response = client.post(reverse("recruiting:candidate_add", args=[position.pk]),
                           candidate_form(cv=upload(cv_samples.docx_bytes(), "Mon CV.docx")))

    with tenant_context(position.tenant_id):
        candidate = Candidate.objects.select_related("created_by").get()
    assert response.status_code == 302 and response.url == reverse("recruiting:candidate_detail", args=[candidate.pk])
    assert candidate.phone == "+212612345678" and candidate.timezone == "Africa/Casablanca"
    assert candidate.cv_filename == "Mon CV.docx" and candidate.scoring_status == ScoringStatus.QUEUED
    assert candidate.created_by == recruiter_a


def test_a_duplicate_is_shown_with_links_and_added_only_when_asked(recruiter_a, position, candidate):
    client = client_for(recruiter_a)
    url = reverse("recruiting:candidate_add", args=[position.pk])

    warned = client.post(url, candidate_form(full_name="Amina B.", phone="+33 6 12 34 56 78"))

    page = html(warned)
    assert warned.status_code == 200 and "already have" in page
    assert reverse("recruiting:candidate_detail", args=[candidate.pk]) in page
    assert 'name="allow_duplicate"' in page and 'type="checkbox"' in page
    with tenant_context(position.tenant_id):
        assert Candidate.objects.count() == 1
    added = client.post(url, candidate_form(full_name="Amina B.", phone="+33 6 12 34 56 78", allow_duplicate="on"))
    assert added.status_code == 302
    with tenant_context(position.tenant_id):
        assert Candidate.objects.count() == 2


def test_a_new_candidate_without_a_duplicate_sees_no_add_anyway_box(recruiter_a, position):
    page = html(client_for(recruiter_a).get(reverse("recruiting:candidate_add", args=[position.pk])))

    assert 'name="allow_duplicate"' not in page


@pytest.mark.parametrize("data, name, message", [
    (cv_samples.ELF_EXECUTABLE, "cv.pdf", "Only PDF, DOCX and plain-text CVs are accepted"),
    (b"", "cv.pdf", "The CV file is empty."),
    (cv_samples.CORRUPT_PDF, "cv.pdf", "The PDF is damaged"),
])
def test_bad_cv_uploads_are_refused_next_to_the_file_field(recruiter_a, position, data, name, message):
    response = client_for(recruiter_a).post(reverse("recruiting:candidate_add", args=[position.pk]),
                                            candidate_form(cv=upload(data, name)))

    assert response.status_code == 200
    assert message in response.context["form"].errors["cv"][0]
    with tenant_context(position.tenant_id):
        assert not Candidate.objects.exists()


def test_a_cv_over_the_cv_limit_is_refused(recruiter_a, position, settings):
    settings.CV_MAX_BYTES = 1000

    response = client_for(recruiter_a).post(reverse("recruiting:candidate_add", args=[position.pk]),
                                            candidate_form(cv=upload(cv_samples.pdf_bytes() + b" " * 2000)))

    assert "larger than" in response.context["form"].errors["cv"][0]


def test_an_upload_cut_off_for_size_says_too_large_not_missing(recruiter_a, position, settings):
    settings.MAX_UPLOAD_BYTES = 2000
    settings.CV_MAX_BYTES = 2000

    response = client_for(recruiter_a).post(reverse("recruiting:candidate_add", args=[position.pk]),
                                            candidate_form(cv=upload(b"%PDF-1.4 " + b"x" * 100_000)))

    assert response.status_code == 200
    assert response.context["form"].errors["cv"] == ["The file is too large: the limit is 2.0\xa0KB."]
    with tenant_context(position.tenant_id):
        assert not Candidate.objects.exists()


def test_invalid_phone_and_time_zone_are_shown_next_to_their_fields(recruiter_a, position):
    client = client_for(recruiter_a)
    url = reverse("recruiting:candidate_add", args=[position.pk])

    bad_phone = client.post(url, candidate_form(phone="12"))
    bad_zone = client.post(url, candidate_form(timezone="Mars/Olympus"))

    assert bad_phone.context["form"].errors["phone"]
    assert "Unknown time zone" in bad_zone.context["form"].errors["timezone"][0]


def test_a_closed_position_refuses_new_candidates_with_a_message(recruiter_a, position):
    with tenant_context(position.tenant_id):
        Position.objects.filter(pk=position.pk).update(status=PositionStatus.CLOSED)

    response = client_for(recruiter_a).post(reverse("recruiting:candidate_add", args=[position.pk]), candidate_form())

    assert "This position is closed" in response.context["form"].non_field_errors()[0]


def test_a_chosen_time_zone_is_kept(recruiter_a, position):
    client_for(recruiter_a).post(reverse("recruiting:candidate_add", args=[position.pk]), candidate_form(timezone="Europe/Paris"))

    with tenant_context(position.tenant_id):
        assert Candidate.objects.get().timezone == "Europe/Paris"


# --- Candidates: edit, replace the CV, erase -------------------------------------------------


def test_edit_a_candidate(recruiter_a, candidate):
    client = client_for(recruiter_a)
    page = html(client.get(reverse("recruiting:candidate_edit", args=[candidate.pk])))
    assert 'value="Amina Benali"' in page and 'type="file"' not in page

    response = client.post(reverse("recruiting:candidate_edit", args=[candidate.pk]),
                           candidate_form(full_name="Amina Benali-Idrissi", notes="Rappeler lundi"))

    assert response.status_code == 302
    candidate = reload(candidate)
    assert candidate.full_name == "Amina Benali-Idrissi" and candidate.notes == "Rappeler lundi"


def test_replace_the_cv_deletes_the_old_file_and_scores_again(recruiter_a, candidate, django_capture_on_commit_callbacks):
    old_key = candidate.cv_file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(recruiter_a).post(reverse("recruiting:candidate_cv_replace", args=[candidate.pk]),
                                                {"cv": upload(cv_samples.docx_bytes(), "nouveau.docx")})

    assert response.status_code == 302
    candidate = reload(candidate)
    assert candidate.cv_filename == "nouveau.docx" and candidate.cv_file.name != old_key
    assert not default_storage.exists(old_key)
    assert candidate.scoring_status == ScoringStatus.SCORED  # the eager worker ran on commit


def test_replace_the_cv_shows_upload_errors(recruiter_a, candidate):
    response = client_for(recruiter_a).post(reverse("recruiting:candidate_cv_replace", args=[candidate.pk]),
                                            {"cv": upload(cv_samples.ELF_EXECUTABLE, "cv.docx")})

    assert response.status_code == 200 and response.context["form"].errors["cv"]


def test_erasing_a_candidate_says_what_goes_and_removes_the_row_and_the_file(recruiter_a, candidate, django_capture_on_commit_callbacks):
    client = client_for(recruiter_a)
    confirm = html(client.get(reverse("recruiting:candidate_delete", args=[candidate.pk])))
    assert "files included" in confirm and "cannot be undone" in confirm
    key = candidate.cv_file.name
    assert default_storage.exists(key)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recruiting:candidate_delete", args=[candidate.pk]))

    assert response.status_code == 302 and response.url == reverse("recruiting:position_candidates", args=[candidate.position_id])
    with tenant_context(candidate.tenant_id):
        assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert not default_storage.exists(key)
    assert "candidate.erased" in audit_actions(candidate.tenant_id)


# --- CV download -----------------------------------------------------------------------------


def test_cv_download_is_an_attachment_not_sniffed_nor_cached_and_audited(viewer_a, candidate):
    response = client_for(viewer_a).get(reverse("recruiting:candidate_cv", args=[candidate.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Amina CV.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    with tenant_context(candidate.tenant_id):
        entry = AuditLog.objects.get(action="candidate.cv_downloaded")
    assert entry.actor_id == viewer_a.pk and entry.target_id == str(candidate.pk)


def test_cv_download_redirects_to_a_signed_url_on_s3(admin_a, candidate, monkeypatch):
    asked = {}

    class SignedStorage:
        querystring_auth = True

        def url(self, name, parameters=None):
            asked.update(name=name, parameters=parameters)
            return f"https://s3.test/{name}?X-Amz-Signature=abc"

    monkeypatch.setattr(recruiting_files, "default_storage", SignedStorage())

    response = client_for(admin_a).get(reverse("recruiting:candidate_cv", args=[candidate.pk]))

    assert response.status_code == 302 and response.url.startswith("https://s3.test/tenants/")
    assert asked["parameters"]["ResponseContentDisposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert "candidate.cv_downloaded" in audit_actions(candidate.tenant_id)


def test_a_candidate_without_a_cv_has_no_download(admin_a, position):
    with tenant_context(position.tenant_id):
        without_cv = factories.CandidateFactory(position=position)

    assert client_for(admin_a).get(reverse("recruiting:candidate_cv", args=[without_cv.pk])).status_code == 404


# --- Candidate page, scoring panel, decisions ------------------------------------------------


def test_candidate_page_shows_contact_cv_and_a_polling_scoring_panel_while_queued(viewer_a, candidate):
    response = client_for(viewer_a).get(reverse("recruiting:candidate_detail", args=[candidate.pk]))

    page = html(response)
    assert "amina@example.test" in page and "+212612345678" in page and "Amina CV.pdf" in page
    assert reverse("recruiting:candidate_cv", args=[candidate.pk]) in page
    assert f'hx-get="{reverse("recruiting:candidate_scoring", args=[candidate.pk])}"' in page
    assert 'hx-trigger="every 2s"' in page and "<noscript>" in page
    assert 'src="/static/vendor/htmx/htmx-2.0.11.min.js" defer' in page
    assert "includeIndicatorStyles" in page


def test_candidate_page_includes_the_consent_panel(admin_a, candidate):
    page = html(client_for(admin_a).get(reverse("recruiting:candidate_detail", args=[candidate.pk])))

    assert 'id="consent"' in page and "Consent to the screening call" in page


def test_scoring_fragment_polls_while_scoring_and_stops_with_the_result(admin_a, candidate):
    client = client_for(admin_a)
    url = reverse("recruiting:candidate_scoring", args=[candidate.pk])
    set_scoring(candidate, ScoringStatus.SCORING)

    scoring_now = client.get(url, HTTP_HX_REQUEST="true")
    assert "hx-trigger=\"every 2s\"" in html(scoring_now) and "being scored" in html(scoring_now)
    assert "<html" not in html(scoring_now)

    set_scoring(candidate, ScoringStatus.QUEUED)
    scored(candidate)
    done = html(client.get(url, HTTP_HX_REQUEST="true"))

    assert "hx-get" not in done and "hx-trigger" not in done
    assert "offline AI" in done and "Evidence from the CV" in done and "Must-have" in done
    assert '<q class="evidence">' in done
    assert re.search(r"<details[^>]*>\s*<summary>Technical details</summary>\s*<p>[^<]*score_cv\.v1", done)  # jargon tucked away


def test_failed_scoring_shows_the_reason_and_scores_again(admin_a, candidate):
    set_scoring(candidate, ScoringStatus.FAILED, error="AI provider unavailable after several retries")
    client = client_for(admin_a)

    page = html(client.get(reverse("recruiting:candidate_scoring", args=[candidate.pk])))
    assert "AI provider unavailable after several retries" in page and "Score again" in page and "hx-get" not in page

    response = client.post(reverse("recruiting:candidate_rescore", args=[candidate.pk]))

    assert response.status_code == 302
    candidate = reload(candidate)
    assert candidate.scoring_status == ScoringStatus.QUEUED and candidate.scoring_error == ""
    assert "candidate.scoring_requested" in audit_actions(candidate.tenant_id)


def test_a_scan_without_text_explains_itself(admin_a, position, recruiter_a):
    with tenant_context(position.tenant_id):
        scan = services.add_candidate(by=recruiter_a, position=position, cv=upload(cv_samples.scanned_pdf_bytes(), "scan.pdf"),
                                      full_name="Sami Scan", phone="+212612340000")
    assert scan.scoring_status == ScoringStatus.NO_TEXT

    page = html(client_for(admin_a).get(reverse("recruiting:candidate_scoring", args=[scan.pk])))

    assert "no text layer" in page and "DOCX" in page and "hx-get" not in page


def test_a_candidate_without_cv_is_not_scored(admin_a, position):
    with tenant_context(position.tenant_id):
        plain = factories.CandidateFactory(position=position)

    page = html(client_for(admin_a).get(reverse("recruiting:candidate_scoring", args=[plain.pk])))

    assert "No CV yet" in page and "hx-get" not in page


def test_a_person_decides_and_the_page_says_who_and_when(recruiter_a, candidate):
    client = client_for(recruiter_a)

    response = client.post(reverse("recruiting:candidate_decide", args=[candidate.pk]), {"decision": "shortlisted"}, follow=True)

    candidate = reload(candidate)
    assert candidate.status == PipelineStatus.SHORTLISTED and candidate.decided_by_id == recruiter_a.pk
    assert "Decision recorded: Shortlisted." in html(response) and "by Rita Recruiter" in html(response)
    assert client.post(reverse("recruiting:candidate_decide", args=[candidate.pk]), {"decision": "cv_scored"}).status_code == 302
    candidate = reload(candidate)
    assert candidate.status == PipelineStatus.SHORTLISTED


# --- CSV import and export -------------------------------------------------------------------


def test_csv_import_reports_each_row_with_counts_and_links_duplicates(recruiter_a, position, candidate):
    client = client_for(recruiter_a)
    assert "full_name" in html(client.get(reverse("recruiting:position_import", args=[position.pk])))
    data = (
        "nom;email;téléphone\n"
        "Karim Idrissi;karim@example.test;06 11 22 33 44\n"
        "Amina Again;amina@example.test;06 99 88 77 66\n"
        "Nobody;;12\n"
    ).encode("cp1252")

    response = client.post(reverse("recruiting:position_import", args=[position.pk]), {"file": upload(data, "candidats.csv")})

    assert response.status_code == 200
    assert (response.context["added"], response.context["refused"]) == (1, 2)
    page = html(response)
    assert "Karim Idrissi" in page and "Already a candidate" in page
    assert reverse("recruiting:candidate_detail", args=[candidate.pk]) in page
    assert "1 candidate added" in page and "2 rows refused" in page
    with tenant_context(position.tenant_id):
        assert Candidate.objects.filter(full_name="Karim Idrissi").exists()


def test_csv_import_errors_are_shown_next_to_the_file(recruiter_a, position):
    client = client_for(recruiter_a)
    url = reverse("recruiting:position_import", args=[position.pk])

    missing_column = client.post(url, {"file": upload(b"email\nx@y.test\n", "c.csv")})
    empty = client.post(url, {"file": upload(b"", "c.csv")})

    assert "needs the columns" in missing_column.context["form"].errors["file"][0]
    assert "empty" in empty.context["form"].errors["file"][0]


def test_csv_export_has_a_bom_neutralises_formulas_and_is_named_after_the_position(recruiter_a, position):
    with tenant_context(position.tenant_id):
        factories.CandidateFactory(position=position, full_name="=HYPERLINK(\"http://evil\")", notes="")
        factories.CandidateFactory(position=position, full_name="@SUM(A1)")

    response = client_for(recruiter_a).get(reverse("recruiting:position_export", args=[position.pk]), {"delimiter": "comma"})

    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="developpeurse-pythondjango-candidates.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    names = {row[0] for row in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://evil\")", "'@SUM(A1)"}
    assert "candidates.exported" in audit_actions(position.tenant_id)


def test_viewers_see_no_export_and_are_refused_when_they_force_it(viewer_a, position):
    client = client_for(viewer_a)
    assert reverse("recruiting:position_export", args=[position.pk]) not in html(client.get(reverse("recruiting:position_detail", args=[position.pk])))

    assert client.get(reverse("recruiting:position_export", args=[position.pk])).status_code == 403
    assert "candidates.exported" not in audit_actions(position.tenant_id)


# --- Who may use each route ------------------------------------------------------------------

# (method, route name, which object the URL takes)
READ_ROUTES = [
    ("get", "recruiting:position_list", None),
    ("get", "recruiting:candidate_list", None),
    ("get", "recruiting:position_detail", "position"),
    ("get", "recruiting:script", "position"),
    ("get", "recruiting:position_candidates", "position"),
    ("get", "recruiting:candidate_detail", "candidate"),
    ("get", "recruiting:candidate_cv", "candidate"),
    ("get", "recruiting:candidate_scoring", "candidate"),
]
WRITE_ROUTES = [
    ("get", "recruiting:position_create", None),
    ("post", "recruiting:position_create", None),
    ("get", "recruiting:position_edit", "position"),
    ("post", "recruiting:position_edit", "position"),
    ("get", "recruiting:position_delete", "position"),
    ("post", "recruiting:position_delete", "position"),
    ("post", "recruiting:position_status", "position"),
    ("post", "recruiting:question_add", "position"),
    ("post", "recruiting:script_draft", "position"),
    ("post", "recruiting:script_freeze", "position"),
    ("get", "recruiting:candidate_add", "position"),
    ("post", "recruiting:candidate_add", "position"),
    ("get", "recruiting:position_import", "position"),
    ("post", "recruiting:position_import", "position"),
    ("get", "recruiting:position_export", "position"),
    ("get", "recruiting:question_edit", "question"),
    ("post", "recruiting:question_edit", "question"),
    ("post", "recruiting:question_delete", "question"),
    ("post", "recruiting:question_move", "question"),
    ("get", "recruiting:candidate_edit", "candidate"),
    ("post", "recruiting:candidate_edit", "candidate"),
    ("get", "recruiting:candidate_cv_replace", "candidate"),
    ("post", "recruiting:candidate_cv_replace", "candidate"),
    ("get", "recruiting:candidate_delete", "candidate"),
    ("post", "recruiting:candidate_delete", "candidate"),
    ("post", "recruiting:candidate_rescore", "candidate"),
    ("post", "recruiting:candidate_decide", "candidate"),
]
WRITE_DATA = {
    "recruiting:position_create": POSITION_FORM,
    "recruiting:position_edit": POSITION_FORM,
    "recruiting:position_status": {"status": "closed"},
    "recruiting:question_add": {"text": "Une question ?", "weight": "1", "max_answer_seconds": "60"},
    "recruiting:question_edit": {"text": "Une question ?", "weight": "1", "max_answer_seconds": "60"},
    "recruiting:question_move": {"direction": "down"},
    "recruiting:candidate_add": candidate_form(email="new@example.test", phone="0611111111"),
    "recruiting:candidate_edit": candidate_form(),
    "recruiting:candidate_decide": {"decision": "hired"},
}


@pytest.fixture
def objects(position, question, candidate):
    return {"position": position, "question": question, "candidate": candidate}


def url_for(name, kind, objects):
    return reverse(name, args=[objects[kind].pk] if kind else [])


def call(client, method, name, kind, objects):
    return getattr(client, method)(url_for(name, kind, objects), WRITE_DATA.get(name, {}))


@pytest.mark.parametrize("method, name, kind", [route for route in READ_ROUTES + WRITE_ROUTES if route[2]])
def test_another_companys_objects_are_not_found(admin_b, objects, method, name, kind):
    response = call(client_for(admin_b), method, name, kind, objects)

    assert response.status_code == 404


@pytest.mark.parametrize("method, name, kind", WRITE_ROUTES)
def test_viewers_are_refused_every_write(viewer_a, objects, method, name, kind):
    client = client_for(viewer_a)
    before = audit_actions(objects["position"].tenant_id)

    response = call(client, method, name, kind, objects)

    assert response.status_code == 403
    assert audit_actions(objects["position"].tenant_id) == before
    with tenant_context(objects["position"].tenant_id):
        assert Position.objects.count() == 1 and Question.objects.count() == 1 and Candidate.objects.count() == 1


@pytest.mark.parametrize("method, name, kind", READ_ROUTES)
def test_viewers_read_every_page(viewer_a, objects, method, name, kind):
    assert call(client_for(viewer_a), method, name, kind, objects).status_code == 200


@pytest.mark.parametrize("method, name, kind", READ_ROUTES + WRITE_ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(client, objects, method, name, kind):
    response = call(client, method, name, kind, objects)

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_viewers_see_no_write_buttons(viewer_a, objects):
    client = client_for(viewer_a)
    pages = {
        "position_list": client.get(reverse("recruiting:position_list")),
        "position": client.get(reverse("recruiting:position_detail", args=[objects["position"].pk])),
        "script": client.get(reverse("recruiting:script", args=[objects["position"].pk])),
        "candidates": client.get(reverse("recruiting:position_candidates", args=[objects["position"].pk])),
        "candidate": client.get(reverse("recruiting:candidate_detail", args=[objects["candidate"].pk])),
    }
    write_urls = [url_for(name, kind, objects) for _method, name, kind in WRITE_ROUTES]
    for label, response in pages.items():
        page = html(response)
        assert 'method="post"' not in page.replace('action="/accounts/logout/" method="post"', "").replace(
            'class="lang-switch" action="/i18n/setlang/" method="post"', ""), label
        assert not [url for url in write_urls if f'"{url}"' in page], label


# --- Start page, French, demo data, page rules -----------------------------------------------


def test_start_page_is_an_empty_state_without_positions(admin_a):
    page = html(client_for(admin_a).get(reverse("home")))

    assert "No positions yet" in page and reverse("recruiting:position_create") in page


def test_start_page_counts_open_positions_candidates_by_status_and_lists_recent_ones(viewer_a, position, candidate):
    with tenant_context(position.tenant_id):
        factories.PositionFactory(status="closed")
        factories.CandidateFactory(position=position, full_name="Hana Hired", status=PipelineStatus.HIRED)

    response = client_for(viewer_a).get(reverse("home"))

    assert response.context["open_position_total"] == 1 and response.context["position_total"] == 2
    assert {row["label"]: row["count"] for row in response.context["candidates_by_status"]} == {"New": 1, "Hired": 1}
    page = html(response)
    assert "Hana Hired" in page and "Amina Benali" in page and "No positions yet" not in page


def test_pages_speak_french(admin_a, candidate):
    client = client_for(admin_a, language="fr")

    assert "Postes" in html(client.get(reverse("recruiting:position_list")))
    page = html(client.get(reverse("recruiting:candidate_detail", args=[candidate.pk])))
    assert "Décision" in page and "Télécharger" in page


def test_seed_demo_adds_positions_scripts_and_candidates_once(admin_a, recruiter_a, viewer_a, tenant_a):
    company = DemoCompany(tenant=tenant_a, admin=admin_a, recruiter=recruiter_a, viewer=viewer_a)

    def counts():
        with tenant_context(tenant_a.pk):
            return (Position.objects.count(), Question.objects.count(), ScriptVersion.objects.count(), Candidate.objects.count())

    with tenant_context(tenant_a.pk):
        demo.seed_demo(company)
    first = counts()
    with tenant_context(tenant_a.pk):
        demo.seed_demo(company)

    assert counts() == first
    positions, questions, versions, candidates = first
    assert positions == 3 and versions == 3 and 12 <= questions <= 18 and candidates == 12
    with tenant_context(tenant_a.pk):
        titles = set(Position.objects.values_list("title", "language"))
        assert titles == {("Développeur·se Python/Django", "fr"), ("Customer Support Team Lead", "en"), ("Comptable confirmé·e", "fr")}
        assert not Question.objects.exclude(protected_topics=[]).exists()
        assert Candidate.objects.filter(cv_text__gt="", source="seed").count() == 12


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_every_page_is_free_of_inline_script_and_style(admin_a, viewer_a, objects):
    candidate = scored(objects["candidate"])
    position, question = objects["position"], objects["question"]
    admin = client_for(admin_a)
    responses = [
        admin.get(reverse("home")),
        admin.get(reverse("recruiting:position_list")),
        admin.get(reverse("recruiting:position_list"), {"q": "nothing-matches"}),
        admin.get(reverse("recruiting:position_create")),
        admin.post(reverse("recruiting:position_create"), {"title": ""}),
        admin.get(reverse("recruiting:position_detail", args=[position.pk])),
        admin.get(reverse("recruiting:position_edit", args=[position.pk])),
        admin.get(reverse("recruiting:position_delete", args=[position.pk])),
        admin.post(reverse("recruiting:position_delete", args=[position.pk])),
        admin.get(reverse("recruiting:script", args=[position.pk])),
        admin.get(reverse("recruiting:question_edit", args=[question.pk])),
        admin.get(reverse("recruiting:candidate_list")),
        admin.get(reverse("recruiting:position_candidates", args=[position.pk])),
        admin.get(reverse("recruiting:candidate_add", args=[position.pk])),
        admin.post(reverse("recruiting:candidate_add", args=[position.pk]), candidate_form()),
        admin.get(reverse("recruiting:candidate_detail", args=[candidate.pk])),
        admin.get(reverse("recruiting:candidate_edit", args=[candidate.pk])),
        admin.get(reverse("recruiting:candidate_cv_replace", args=[candidate.pk])),
        admin.get(reverse("recruiting:candidate_delete", args=[candidate.pk])),
        admin.get(reverse("recruiting:candidate_scoring", args=[candidate.pk])),
        admin.get(reverse("recruiting:position_import", args=[position.pk])),
        admin.post(reverse("recruiting:position_import", args=[position.pk]),
                   {"file": upload(b"full_name,phone\nA B,0612345670\n", "c.csv")}),
        client_for(viewer_a).get(reverse("recruiting:candidate_detail", args=[candidate.pk])),
        client_for(viewer_a, language="fr").get(reverse("recruiting:script", args=[position.pk])),
    ]
    for response in responses:
        assert response.status_code in (200, 409), response
        assert "Content-Security-Policy" in response.headers
        page = html(response)
        assert not INLINE_SCRIPT.search(page)
        assert 'style="' not in page and "<style" not in page
        assert not INLINE_HANDLER.search(page)
