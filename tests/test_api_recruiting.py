"""Recruiting API: positions, scripts, candidates and CVs under /api/v1/, with the tenant wall,
the roles, the uploads, the CSV export and import, and a query budget for the candidates list."""

import csv
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditLog
from aihm.tenancy import tenant_context
from recruiting import services
from recruiting import files as recruiting_files
from recruiting.models import Candidate, PipelineStatus, Position, Question, ScoringStatus, ScriptVersion
from tests import cv_samples, factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def client_for(user):
    client = bearer_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def pdf_upload(name="cv.pdf", data=None):
    return SimpleUploadedFile(name, cv_samples.pdf_bytes() if data is None else data, content_type="application/pdf")


def csv_upload(text, name="candidates.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def in_tenant(tenant, function, *args, **kwargs):
    with tenant_context(tenant.pk):
        return function(*args, **kwargs)


def audited(tenant, **lookup):
    with tenant_context(tenant.pk):
        return AuditLog.objects.filter(**lookup).exists()


@pytest.fixture
def position(tenant_a, admin_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=admin_a, title="Python developer", location="Casablanca")
        for order in (1, 2, 3):
            factories.QuestionFactory(position=position, order=order)
        return position


@pytest.fixture
def candidate(tenant_a, admin_a, position):
    """A candidate with a real PDF CV, added through the service."""
    with tenant_context(tenant_a.pk):
        return services.add_candidate(
            by=admin_a, position=position, cv=pdf_upload(), full_name="Lina Haddad", email="lina@example.test",
            phone="+212612345678",
        )


@pytest.fixture
def question(tenant_a, position):
    with tenant_context(tenant_a.pk):
        return position.questions.order_by("order").first()


def error_fields(response):
    return set(response.json().get("errors", {}))


# --- The route matrix: every tenant-owned route, who may read, who may write ---------------------

def _body(kind):
    if kind == "cv":
        return {"cv": pdf_upload()}, "multipart"
    if kind == "csv":
        return {"file": csv_upload("full_name,phone\nSara,+212612345600\n")}, "multipart"
    return kind, "json"


ROUTES = [
    # (method, path with {position}/{question}/{candidate}, body, writes)
    ("get", "/positions/{position}", None, False),
    ("put", "/positions/{position}", {"title": "New title"}, True),
    ("patch", "/positions/{position}", {"title": "New title"}, True),
    ("delete", "/positions/{position}", None, True),
    ("get", "/positions/{position}/questions", None, False),
    ("post", "/positions/{position}/questions", {"text": "Describe a Django project you led."}, True),
    ("post", "/positions/{position}/questions/reorder", {"question_ids": []}, True),
    ("post", "/positions/{position}/questions/draft", None, True),
    ("post", "/positions/{position}/script/freeze", None, True),
    ("get", "/positions/{position}/script/versions", None, False),
    ("get", "/positions/{position}/candidates", None, False),
    ("post", "/positions/{position}/candidates", {"full_name": "Sara B", "phone": "+212612345600"}, True),
    ("get", "/positions/{position}/candidates/export", None, True),
    ("post", "/positions/{position}/candidates/import", "csv", True),
    ("get", "/questions/{question}", None, False),
    ("patch", "/questions/{question}", {"text": "Describe your last Django project."}, True),
    ("delete", "/questions/{question}", None, True),
    ("get", "/candidates/{candidate}", None, False),
    ("patch", "/candidates/{candidate}", {"notes": "called back"}, True),
    ("delete", "/candidates/{candidate}", None, True),
    ("get", "/candidates/{candidate}/cv", None, False),
    ("put", "/candidates/{candidate}/cv", "cv", True),
    ("post", "/candidates/{candidate}/cv", "cv", True),
    ("post", "/candidates/{candidate}/score", None, True),
    ("post", "/candidates/{candidate}/decision", {"decision": "shortlisted"}, True),
]
WRITES = [route for route in ROUTES if route[3]] + [("post", "/positions", {"title": "Data engineer"}, True)]


def call(client, method, path, body, position, question, candidate):
    url = V1 + path.format(position=position.pk, question=question.pk, candidate=candidate.pk)
    data, format = _body(body) if body is not None else (None, "json")
    return getattr(client, method)(url, data, format=format)


@pytest.mark.parametrize("method, path, body, writes", ROUTES)
def test_another_company_gets_404_on_every_route(admin_b, position, question, candidate, method, path, body, writes):
    response = call(client_for(admin_b), method, path, body, position, question, candidate)
    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}
    with tenant_context(position.tenant_id):
        assert Position.objects.filter(pk=position.pk).exists() and Candidate.objects.filter(pk=candidate.pk).exists()


@pytest.mark.parametrize("method, path, body, writes", WRITES)
def test_viewers_get_403_on_every_write(viewer_a, position, question, candidate, method, path, body, writes):
    with tenant_context(position.tenant_id):
        before = AuditLog.objects.count()
    response = call(client_for(viewer_a), method, path, body, position, question, candidate)
    assert response.status_code == 403
    assert response.json()["message"]
    with tenant_context(position.tenant_id):
        assert AuditLog.objects.count() == before


@pytest.mark.parametrize("method, path, body, writes", [route for route in ROUTES if not route[3]] + [
    ("get", "/positions", None, False), ("get", "/candidates", None, False),
])
def test_viewers_read_every_route(viewer_a, position, question, candidate, method, path, body, writes):
    response = call(client_for(viewer_a), method, path, body, position, question, candidate)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/positions", "/candidates"])
def test_lists_need_a_token_and_show_only_the_callers_company(api_client, admin_b, candidate, path):
    assert api_client.get(V1 + path).status_code == 401
    response = client_for(admin_b).get(V1 + path)
    assert response.status_code == 200 and response.json()["count"] == 0


def test_candidate_routes_do_not_shadow_the_consent_routes(recruiter_a, candidate):
    response = client_for(recruiter_a).post(f"{V1}/candidates/{candidate.pk}/grant-consent", {"channel": "recruiter", "note": "by phone"}, format="json")
    assert response.status_code == 201 and response.json()["candidate"] == str(candidate.pk)


# --- Positions -----------------------------------------------------------------------------------


POSITION_BODY = {
    "title": "Data engineer",
    "description": "Pipelines in Python for a telephony platform.",
    "requirements": {"skills": ["Python", "Airflow"], "must_haves": ["SQL"], "nice_to_haves": ["Kafka"], "min_years_experience": 2},
    "location": "Rabat",
    "contract_type": "permanent",
    "language": "en",
    "status": "open",
}


def test_recruiter_creates_a_position_and_reads_it_back(recruiter_a, tenant_a):
    client = client_for(recruiter_a)
    response = client.post(f"{V1}/positions", POSITION_BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Data engineer" and body["status"] == "open" and body["status_label"] == "Open"
    assert body["requirements"] == POSITION_BODY["requirements"]
    assert body["owner"]["id"] == str(recruiter_a.pk) and body["candidate_count"] == 0
    assert body["funnel"]["new"] == 0 and set(body["funnel"]) == set(PipelineStatus.values)
    assert body["script_problems"] == ["A script needs 3 to 10 questions."]
    assert {"id", "created_at"} <= set(body)
    detail = client.get(f"{V1}/positions/{body['id']}").json()
    assert detail["requirements"]["skills"] == ["Python", "Airflow"] and detail["language"] == "en"
    assert audited(tenant_a, action="position.created", target_id=body["id"])


def test_positions_list_is_paginated_searchable_filtered_and_newest_first(admin_a, tenant_a, candidate):
    with tenant_context(tenant_a.pk):
        factories.PositionFactory(title="Sales lead", location="Paris", status="draft")
        factories.PositionFactory(title="Support agent", location="Tanger", status="closed")
    client = client_for(admin_a)
    body = client.get(f"{V1}/positions").json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 3
    assert [p["title"] for p in body["results"]] == ["Support agent", "Sales lead", "Python developer"]
    assert {p["title"]: p["candidate_count"] for p in body["results"]}["Python developer"] == 1
    assert "funnel" not in body["results"][0]
    assert [p["title"] for p in client.get(f"{V1}/positions?search=paris").json()["results"]] == ["Sales lead"]
    assert [p["title"] for p in client.get(f"{V1}/positions?status=closed").json()["results"]] == ["Support agent"]
    assert client.get(f"{V1}/positions?page_size=1").json()["next"]
    response = client.get(f"{V1}/positions?status=bogus")
    assert response.status_code == 400 and "status" in error_fields(response)


def test_position_detail_has_funnel_candidate_count_and_script_problems(admin_a, tenant_a, position, candidate):
    with tenant_context(tenant_a.pk):
        factories.QuestionFactory(position=position, order=9, text="Quel âge avez-vous ?", protected_topics=["age"])
    body = client_for(admin_a).get(f"{V1}/positions/{position.pk}").json()
    assert body["candidate_count"] == 1 and body["funnel"]["new"] == 1 and sum(body["funnel"].values()) == 1
    assert body["script_problems"] == ["Question 4 touches a protected characteristic (age): remove or rewrite it."]


@pytest.mark.parametrize("body, field", [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "Dev", "description": "x" * 20001}, "description"),
    ({"title": "Dev", "language": "de"}, "language"),
    ({"title": "Dev", "status": "paused"}, "status"),
    ({"title": "Dev", "contract_type": "gig"}, "contract_type"),
    ({"title": "Dev", "requirements": {"skills": "Python"}}, "requirements"),
    ({"title": "Dev", "requirements": {"skills": ["x" * 101]}}, "requirements"),
    ({"title": "Dev", "requirements": {"min_years_experience": "many"}}, "requirements"),
    ({"title": "Dev", "requirements": {"min_years_experience": 70}}, "requirements"),
    ({"title": ["Dev"]}, "title"),
    ({"title": 12}, "title"),
    ({"title": "Dev", "requirements": {"skills": [3]}}, "requirements"),
    ({"title": "Dev", "requirements": {"must_haves": ["Moins de 30 ans"]}}, "must_haves"),
])
def test_bad_position_input_is_a_400_naming_the_field(recruiter_a, body, field):
    response = client_for(recruiter_a).post(f"{V1}/positions", body, format="json")
    assert response.status_code == 400
    assert field in error_fields(response) and response.json()["message"]


def test_nested_requirement_errors_name_the_nested_field(recruiter_a):
    response = client_for(recruiter_a).post(f"{V1}/positions", {"title": "Dev", "requirements": {"skills": "Python"}}, format="json")
    assert response.json()["message"].startswith("requirements.skills:")


def test_put_and_patch_update_a_position(recruiter_a, tenant_a, position):
    client = client_for(recruiter_a)
    response = client.put(f"{V1}/positions/{position.pk}", {**POSITION_BODY, "title": "Senior data engineer"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Senior data engineer"
    assert response.json()["requirements"]["must_haves"] == ["SQL"]
    response = client.patch(f"{V1}/positions/{position.pk}", {"status": "closed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed" and response.json()["title"] == "Senior data engineer"
    assert client.put(f"{V1}/positions/{position.pk}", {"location": "Fès"}, format="json").status_code == 400


def test_language_is_fixed_once_a_script_is_frozen(recruiter_a, tenant_a, position):
    in_tenant(tenant_a, services.freeze_script, by=recruiter_a, position=position)
    response = client_for(recruiter_a).patch(f"{V1}/positions/{position.pk}", {"language": "en"}, format="json")
    assert response.status_code == 409 and "language" in error_fields(response)


def test_deleting_a_position_with_candidates_is_a_409_and_an_empty_one_goes(recruiter_a, tenant_a, position, candidate):
    client = client_for(recruiter_a)
    response = client.delete(f"{V1}/positions/{position.pk}")
    assert response.status_code == 409
    assert response.json()["message"] == "This position has candidates: close or archive it instead of deleting it."
    with tenant_context(tenant_a.pk):
        empty = factories.PositionFactory()
    assert client.delete(f"{V1}/positions/{empty.pk}").status_code == 204
    with tenant_context(tenant_a.pk):
        assert not Position.objects.filter(pk=empty.pk).exists() and Position.objects.filter(pk=position.pk).exists()


# --- The screening script ------------------------------------------------------------------------


def test_questions_are_listed_in_order_and_added_at_the_end(recruiter_a, position):
    client = client_for(recruiter_a)
    body = client.get(f"{V1}/positions/{position.pk}/questions").json()
    assert body["count"] == 3 and [q["order"] for q in body["results"]] == [1, 2, 3]
    response = client.post(
        f"{V1}/positions/{position.pk}/questions",
        {"text": "Décrivez une API que vous avez conçue.", "good_answer": "Concrete design choices", "weight": 3, "max_answer_seconds": 120},
        format="json",
    )
    assert response.status_code == 201
    question = response.json()
    assert question["order"] == 4 and question["weight"] == 3 and question["protected_topics"] == []
    assert question["position"] == str(position.pk) and question["drafted_by_ai"] is False


def test_a_question_about_a_protected_topic_is_flagged_with_code_and_label(recruiter_a, position):
    client = client_for(recruiter_a)
    response = client.post(f"{V1}/positions/{position.pk}/questions", {"text": "Avez-vous des enfants ?"}, format="json")
    assert response.status_code == 201
    assert response.json()["protected_topics"] == [{"code": "family", "label": "family or marital status"}]
    problems = client.get(f"{V1}/positions/{position.pk}").json()["script_problems"]
    assert problems == ["Question 4 touches a protected characteristic (family or marital status): remove or rewrite it."]
    response = client.post(f"{V1}/positions/{position.pk}/script/freeze")
    assert response.status_code == 409 and "protected characteristic" in response.json()["message"]


@pytest.mark.parametrize("body, field", [
    ({}, "text"),
    ({"text": "x" * 501}, "text"),
    ({"text": "Why us?", "weight": 9}, "weight"),
    ({"text": "Why us?", "weight": "heavy"}, "weight"),
    ({"text": 42}, "text"),
    ({"text": "Why us?", "max_answer_seconds": 5}, "max_answer_seconds"),
    ({"text": "Why us?", "good_answer": "x" * 2001}, "good_answer"),
])
def test_bad_question_input_is_a_400_naming_the_field(recruiter_a, position, body, field):
    response = client_for(recruiter_a).post(f"{V1}/positions/{position.pk}/questions", body, format="json")
    assert response.status_code == 400 and field in error_fields(response)


def test_a_script_holds_at_most_ten_questions(recruiter_a, tenant_a, position):
    with tenant_context(tenant_a.pk):
        for order in range(4, 11):
            factories.QuestionFactory(position=position, order=order)
    client = client_for(recruiter_a)
    response = client.post(f"{V1}/positions/{position.pk}/questions", {"text": "One more question?"}, format="json")
    assert response.status_code == 409
    response = client.post(f"{V1}/positions/{position.pk}/questions/draft")
    assert response.status_code == 409 and "full" in response.json()["message"]


def test_question_detail_patch_and_delete(recruiter_a, tenant_a, question):
    client = client_for(recruiter_a)
    assert client.get(f"{V1}/questions/{question.pk}").json()["text"] == question.text
    response = client.patch(f"{V1}/questions/{question.pk}", {"text": "Quelle est votre religion ?", "weight": 5}, format="json")
    assert response.status_code == 200
    assert response.json()["weight"] == 5 and [t["code"] for t in response.json()["protected_topics"]] == ["religion"]
    assert client.patch(f"{V1}/questions/{question.pk}", {"weight": 0}, format="json").status_code == 400
    assert client.delete(f"{V1}/questions/{question.pk}").status_code == 204
    with tenant_context(tenant_a.pk):
        assert not Question.objects.filter(pk=question.pk).exists()


def test_reorder_takes_every_question_once(recruiter_a, tenant_a, position):
    with tenant_context(tenant_a.pk):
        ids = [str(pk) for pk in position.questions.order_by("order").values_list("pk", flat=True)]
    client = client_for(recruiter_a)
    response = client.post(f"{V1}/positions/{position.pk}/questions/reorder", {"question_ids": ids[::-1]}, format="json")
    assert response.status_code == 200
    assert [q["id"] for q in response.json()["questions"]] == ids[::-1] and response.json()["script_problems"] == []
    assert [q["id"] for q in client.get(f"{V1}/positions/{position.pk}/questions").json()["results"]] == ids[::-1]
    for bad in ({"question_ids": ids[:2]}, {"question_ids": ["not-a-uuid"]}, {}):
        response = client.post(f"{V1}/positions/{position.pk}/questions/reorder", bad, format="json")
        assert response.status_code == 400 and "question_ids" in error_fields(response)


def test_the_ai_drafts_questions_for_review(recruiter_a, tenant_a, settings):
    settings.ANTHROPIC_API_KEY = ""
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(title="Python developer", language="en")
    response = client_for(recruiter_a).post(f"{V1}/positions/{position.pk}/questions/draft")
    assert response.status_code == 201
    drafted = response.json()["questions"]
    assert 3 <= len(drafted) <= 10 and all(q["drafted_by_ai"] and q["protected_topics"] == [] for q in drafted)
    assert response.json()["script_problems"] == []


def test_freezing_makes_numbered_versions_and_keeps_an_unchanged_one(recruiter_a, tenant_a, position, question):
    client = client_for(recruiter_a)
    response = client.post(f"{V1}/positions/{position.pk}/script/freeze")
    assert response.status_code == 201
    version = response.json()
    assert version["number"] == 1 and version["language"] == "fr" and len(version["questions"]) == 3
    assert set(version["questions"][0]) == {"id", "text", "good_answer", "weight", "max_answer_seconds"}
    assert {"id", "created_at"} <= set(version)
    again = client.post(f"{V1}/positions/{position.pk}/script/freeze")
    assert again.status_code == 200 and again.json()["id"] == version["id"]
    client.patch(f"{V1}/questions/{question.pk}", {"text": "What did you ship last quarter?"}, format="json")
    assert client.post(f"{V1}/positions/{position.pk}/script/freeze").json()["number"] == 2
    versions = client.get(f"{V1}/positions/{position.pk}/script/versions").json()
    assert versions["count"] == 2 and [v["number"] for v in versions["results"]] == [2, 1]
    assert versions["results"][1]["questions"] == version["questions"]


def test_a_script_with_too_few_questions_cannot_be_frozen(recruiter_a, tenant_a, question):
    client = client_for(recruiter_a)
    client.delete(f"{V1}/questions/{question.pk}")
    response = client.post(f"{V1}/positions/{question.position_id}/script/freeze")
    assert response.status_code == 409 and response.json()["message"] == "A script needs 3 to 10 questions."
    with tenant_context(tenant_a.pk):
        assert not ScriptVersion.objects.exists()


# --- Candidates: adding ----------------------------------------------------------------------------


def test_add_a_candidate_with_json(recruiter_a, tenant_a, position):
    response = client_for(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "  Sara   Bennani ", "email": "Sara@Example.test", "phone": "06 12 34 56 00", "notes": "met at a fair"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["full_name"] == "Sara Bennani" and body["phone"] == "+212612345600" and body["timezone"] == "Africa/Casablanca"
    assert body["email"] == "sara@example.test" and body["source"] == "api" and body["status"] == "new"
    assert body["scoring_status"] == "no_cv" and body["cv"] is None and body["has_cv"] is False
    assert body["position"] == {"id": str(position.pk), "title": "Python developer"}
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.get(pk=body["id"]).created_by_id == recruiter_a.pk


def test_add_a_candidate_with_a_real_pdf_cv(recruiter_a, tenant_a, position):
    response = client_for(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "Omar Alaoui", "phone": "+33612345678", "cv": pdf_upload("Omar CV.pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["timezone"] == "Europe/Paris" and body["scoring_status"] == "queued" and body["has_cv"] is True
    assert body["cv"]["file_name"] == "Omar CV.pdf" and body["cv"]["content_type"] == "application/pdf" and body["cv"]["size"] > 0
    assert body["cv"]["cv_url"] == f"http://testserver{V1}/candidates/{body['id']}/cv"
    with tenant_context(tenant_a.pk):
        stored = Candidate.objects.get(pk=body["id"])
        assert "Django" in stored.cv_text and stored.cv_file.name.startswith(f"tenants/{tenant_a.pk}/cvs/")
        assert "Omar" not in stored.cv_file.name


@pytest.mark.parametrize("name, data, reason", [
    ("cv.pdf", cv_samples.ELF_EXECUTABLE, "none of them"),
    ("cv.pdf", b"", "empty"),
    ("cv.pdf", cv_samples.CORRUPT_PDF, "damaged"),
    ("cv.docx", b"PK\x03\x04" + b"\x00" * 100, "damaged"),
])
def test_bad_cv_uploads_are_a_400_naming_cv(recruiter_a, tenant_a, position, name, data, reason):
    response = client_for(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "Omar Alaoui", "phone": "+33612345678", "cv": SimpleUploadedFile(name, data)},
        format="multipart",
    )
    assert response.status_code == 400
    assert error_fields(response) == {"cv"} and reason in response.json()["message"]
    with tenant_context(tenant_a.pk):
        assert not Candidate.objects.exists()


def test_a_cv_over_the_limit_is_a_400_naming_cv(recruiter_a, tenant_a, position, settings):
    settings.CV_MAX_BYTES = 1024 * 1024
    data = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    response = client_for(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "Omar Alaoui", "phone": "+33612345678", "cv": pdf_upload(data=data)},
        format="multipart",
    )
    assert response.status_code == 400 and error_fields(response) == {"cv"} and "larger than 1.0" in response.json()["message"]


def test_an_upload_cut_off_by_the_upload_handler_says_too_large_not_missing(recruiter_a, tenant_a, position, settings):
    settings.MAX_UPLOAD_BYTES = 2000
    response = client_for(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "Omar Alaoui", "phone": "+33612345678", "cv": pdf_upload(data=b"%PDF-1.4\n" + b"0" * 5000)},
        format="multipart",
    )
    assert response.status_code == 400 and error_fields(response) == {"cv"}
    assert "too large" in response.json()["message"]
    with tenant_context(tenant_a.pk):
        assert not Candidate.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"phone": "+212612345600"}, "full_name"),
    ({"full_name": "x" * 201, "phone": "+212612345600"}, "full_name"),
    ({"full_name": ["Sara"], "phone": "+212612345600"}, "full_name"),
    ({"full_name": "Sara", "phone": 212612345600}, "phone"),
    ({"full_name": "Sara"}, "phone"),
    ({"full_name": "Sara", "phone": "hello"}, "phone"),
    ({"full_name": "Sara", "phone": "+33 8 99 12 34 56"}, "phone"),
    ({"full_name": "Sara", "phone": "1" * 41}, "phone"),
    ({"full_name": "Sara", "phone": "+212612345600", "email": "not-an-email"}, "email"),
    ({"full_name": "Sara", "phone": "+212612345600", "timezone": "Mars/Olympus"}, "timezone"),
    ({"full_name": "Sara", "phone": "+212612345600", "notes": "x" * 5001}, "notes"),
    ({"full_name": "Sara", "phone": "+212612345600", "allow_duplicate": "perhaps"}, "allow_duplicate"),
])
def test_bad_candidate_input_is_a_400_naming_the_field(recruiter_a, position, body, field):
    response = client_for(recruiter_a).post(f"{V1}/positions/{position.pk}/candidates", body, format="json")
    assert response.status_code == 400 and field in error_fields(response), response.json()


def test_a_duplicate_is_a_409_linking_the_existing_candidate_then_allowed_on_request(recruiter_a, tenant_a, position, candidate):
    client = client_for(recruiter_a)
    url = f"{V1}/positions/{position.pk}/candidates"
    response = client.post(url, {"full_name": "Lina H.", "phone": "+212 6 12 34 56 78"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert "already exists" in body["message"]
    assert body["duplicates"] == [{"id": str(candidate.pk), "full_name": "Lina Haddad", "position": {"id": str(position.pk), "title": "Python developer"}}]
    response = client.post(url, {"full_name": "Lina H.", "phone": "+212 6 12 34 56 78", "allow_duplicate": "true"}, format="multipart")
    assert response.status_code == 201
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.filter(phone="+212612345678").count() == 2


def test_a_closed_position_takes_no_candidates(recruiter_a, tenant_a):
    with tenant_context(tenant_a.pk):
        closed = factories.PositionFactory(status="closed")
    response = client_for(recruiter_a).post(f"{V1}/positions/{closed.pk}/candidates", {"full_name": "Sara", "phone": "+212612345600"}, format="json")
    assert response.status_code == 409 and "closed" in response.json()["message"]


# --- Candidates: lists and the query budget --------------------------------------------------------


def test_candidates_list_filters_by_search_status_and_scoring(admin_a, tenant_a, position, candidate):
    with tenant_context(tenant_a.pk):
        factories.CandidateFactory(position=position, full_name="Yassine Idrissi", status="rejected")
        factories.CandidateFactory(position=factories.PositionFactory(), full_name="Elsewhere")
    client = client_for(admin_a)
    url = f"{V1}/positions/{position.pk}/candidates"
    body = client.get(url).json()
    assert body["count"] == 2 and {c["full_name"] for c in body["results"]} == {"Lina Haddad", "Yassine Idrissi"}
    assert [c["full_name"] for c in client.get(url + "?search=idrissi").json()["results"]] == ["Yassine Idrissi"]
    assert [c["full_name"] for c in client.get(url + "?status=rejected").json()["results"]] == ["Yassine Idrissi"]
    assert [c["full_name"] for c in client.get(url + "?scoring=queued").json()["results"]] == ["Lina Haddad"]
    rejected = client.get(url + "?status=rejected").json()["results"][0]
    assert rejected["status_label"] == "Rejected" and rejected["scoring_status_label"] == "No CV"
    assert client.get(url + "?scoring=perfect").status_code == 400
    assert client.get(f"{V1}/candidates").json()["count"] == 3
    assert [c["full_name"] for c in client.get(f"{V1}/candidates?search=elsewhere").json()["results"]] == ["Elsewhere"]


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("path", ["/positions/{position}/candidates?page_size=100", "/candidates?page_size=100"])
def test_candidates_list_runs_the_same_queries_for_5_and_200_candidates(admin_a, tenant_a, path):
    with tenant_context(tenant_a.pk):
        few, many = factories.PositionFactory(), factories.PositionFactory()
        factories.CandidateFactory.create_batch(5, position=few, decided_by=admin_a)
    client = client_for(admin_a)
    few_queries, few_body = _list_queries(client, V1 + path.format(position=few.pk))
    with tenant_context(tenant_a.pk):
        factories.CandidateFactory.create_batch(195, position=many, decided_by=admin_a)
    many_queries, many_body = _list_queries(client, V1 + path.format(position=many.pk))
    assert few_body["count"] == 5 and len(many_body["results"]) == 100
    assert few_queries == many_queries <= 10, (few_queries, many_queries)


def test_positions_list_runs_the_same_queries_for_few_and_many(admin_a, tenant_a):
    with tenant_context(tenant_a.pk):
        factories.PositionFactory.create_batch(3, owner=admin_a)
    client = client_for(admin_a)
    few_queries, _ = _list_queries(client, f"{V1}/positions?page_size=100")
    with tenant_context(tenant_a.pk):
        for position in factories.PositionFactory.create_batch(40, owner=admin_a):
            factories.CandidateFactory(position=position)
    many_queries, body = _list_queries(client, f"{V1}/positions?page_size=100")
    assert body["count"] == 43 and few_queries == many_queries


# --- One candidate ---------------------------------------------------------------------------------


def test_candidate_detail_shows_cv_score_and_decision(admin_a, tenant_a, candidate):
    details = {"summary": "Solid Python.", "criteria": [], "must_haves_met": ["Python"], "must_haves_missing": [],
               "years_of_experience": 6, "insufficient_text": False, "provider": "offline", "model": "heuristics",
               "prompt_version": "score_cv/1", "usage": {}}
    with tenant_context(tenant_a.pk):
        Candidate.objects.filter(pk=candidate.pk).update(scoring_status=ScoringStatus.SCORED, cv_score=81, cv_score_details=details)
    body = client_for(admin_a).get(f"{V1}/candidates/{candidate.pk}").json()
    assert body["cv_score"] == 81 and body["cv_score_details"] == details and body["scoring_status_label"] == "Scored"
    assert body["scoring_error"] == "" and body["decided_by"] is None and body["decided_at"] is None
    assert body["cv"]["cv_url"].endswith(f"/candidates/{candidate.pk}/cv") and body["notes"] == ""


def test_patch_a_candidate_and_refuse_a_duplicate_phone(recruiter_a, tenant_a, position, candidate):
    with tenant_context(tenant_a.pk):
        other = factories.CandidateFactory(position=position, phone="+212612345699")
    client = client_for(recruiter_a)
    response = client.patch(f"{V1}/candidates/{candidate.pk}", {"notes": "Prefers mornings", "timezone": "Europe/Paris"}, format="json")
    assert response.status_code == 200 and response.json()["notes"] == "Prefers mornings" and response.json()["timezone"] == "Europe/Paris"
    response = client.patch(f"{V1}/candidates/{candidate.pk}", {"phone": other.phone}, format="json")
    assert response.status_code == 409 and response.json()["duplicates"][0]["id"] == str(other.pk)
    response = client.patch(f"{V1}/candidates/{candidate.pk}", {"phone": other.phone, "allow_duplicate": True}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == other.phone
    response = client.patch(f"{V1}/candidates/{candidate.pk}", {"full_name": ""}, format="json")
    assert response.status_code == 400 and "full_name" in error_fields(response)


def test_deleting_a_candidate_erases_it_with_its_cv(recruiter_a, tenant_a, candidate, django_capture_on_commit_callbacks):
    path = candidate.cv_file.name
    assert default_storage.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(recruiter_a).delete(f"{V1}/candidates/{candidate.pk}")
    assert response.status_code == 204
    assert not default_storage.exists(path)
    with tenant_context(tenant_a.pk):
        assert not Candidate.objects.filter(pk=candidate.pk).exists()
    with tenant_context(tenant_a.pk):
        erased = AuditLog.objects.get(action="candidate.erased")
    assert "Lina" not in str(erased.details)


def test_the_cv_downloads_as_an_audited_attachment(viewer_a, tenant_a, candidate):
    response = client_for(viewer_a).get(f"{V1}/candidates/{candidate.pk}/cv", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="cv.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
    assert audited(tenant_a, action="candidate.cv_downloaded", actor=viewer_a, target_id=str(candidate.pk))


def test_a_candidate_without_a_cv_has_no_download(admin_a, tenant_a, position):
    with tenant_context(tenant_a.pk):
        bare = factories.CandidateFactory(position=position)
    response = client_for(admin_a).get(f"{V1}/candidates/{bare.pk}/cv")
    assert response.status_code == 404 and response.json() == {"message": "This candidate has no CV."}


def test_a_cv_missing_from_storage_is_a_404_not_a_500(admin_a, candidate):
    default_storage.delete(candidate.cv_file.name)
    response = client_for(admin_a).get(f"{V1}/candidates/{candidate.pk}/cv")
    assert response.status_code == 404 and response.json() == {"message": "The CV file is missing from storage."}
    assert not audited(candidate.tenant, action="candidate.cv_downloaded")


def test_with_object_storage_the_cv_route_redirects_to_a_signed_url(admin_a, candidate, monkeypatch):
    class SignedStorage:
        querystring_auth = True

        def url(self, name, parameters=None, expire=None):
            assert parameters["ResponseContentDisposition"] == 'attachment; filename="cv.pdf"'
            assert parameters["ResponseContentType"] == "application/pdf"
            return f"https://s3.example.test/{name}?X-Amz-Signature=abc"

    monkeypatch.setattr(recruiting_files, "default_storage", SignedStorage())
    response = client_for(admin_a).get(f"{V1}/candidates/{candidate.pk}/cv")
    assert response.status_code == 302 and "X-Amz-Signature" in response["Location"]
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("method", ["put", "post"])
def test_replacing_the_cv_stores_the_new_file_and_scores_again(recruiter_a, tenant_a, candidate, method, django_capture_on_commit_callbacks):
    old_path = candidate.cv_file.name
    new_cv = SimpleUploadedFile("new.docx", cv_samples.docx_bytes("Ingénieure Python, 8 ans d'expérience avec Django et PostgreSQL."))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = getattr(client_for(recruiter_a), method)(f"{V1}/candidates/{candidate.pk}/cv", {"cv": new_cv}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["cv"]["file_name"] == "new.docx" and body["scoring_status"] == "queued" and callbacks
    with tenant_context(tenant_a.pk):
        stored = Candidate.objects.get(pk=candidate.pk)
        assert stored.cv_file.name != old_path and "8 ans" in stored.cv_text


@pytest.mark.parametrize("files, reason", [
    ({}, "No file was submitted"),
    ({"cv": SimpleUploadedFile("cv.pdf", cv_samples.ELF_EXECUTABLE)}, "none of them"),
    ({"cv": SimpleUploadedFile("cv.pdf", b"")}, "empty"),
])
def test_a_bad_replacement_cv_is_a_400_and_keeps_the_old_one(recruiter_a, tenant_a, candidate, files, reason):
    response = client_for(recruiter_a).put(f"{V1}/candidates/{candidate.pk}/cv", files, format="multipart")
    assert response.status_code == 400 and error_fields(response) == {"cv"} and reason in response.json()["message"]
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.get(pk=candidate.pk).cv_file.name == candidate.cv_file.name


def test_rescoring_is_accepted_and_queued(recruiter_a, tenant_a, candidate):
    with tenant_context(tenant_a.pk):
        Candidate.objects.filter(pk=candidate.pk).update(scoring_status=ScoringStatus.FAILED, scoring_error="AI provider unavailable")
    response = client_for(recruiter_a).post(f"{V1}/candidates/{candidate.pk}/score")
    assert response.status_code == 202 and response.json() == {"scoring_status": "queued", "scoring_status_label": "Queued"}
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.get(pk=candidate.pk).scoring_error == ""
    assert audited(tenant_a, action="candidate.scoring_requested")


def test_the_recruiter_decides(recruiter_a, tenant_a, candidate):
    client = client_for(recruiter_a)
    response = client.post(f"{V1}/candidates/{candidate.pk}/decision", {"decision": "hired"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "hired" and body["status_label"] == "Hired" and body["decided_at"]
    assert body["decided_by"] == {"id": str(recruiter_a.pk), "full_name": "Rita Recruiter"}
    for bad in ({"decision": "new"}, {"decision": ""}, {}):
        response = client.post(f"{V1}/candidates/{candidate.pk}/decision", bad, format="json")
        assert response.status_code == 400 and "decision" in error_fields(response)


# --- CSV export and import ---------------------------------------------------------------------------


def test_csv_export_has_a_bom_and_neutralises_formulas(recruiter_a, tenant_a, position):
    with tenant_context(tenant_a.pk):
        factories.CandidateFactory(position=position, full_name="=HYPERLINK(\"http://evil\")", email="a@example.test")
        factories.CandidateFactory(position=position, full_name="+cmd|' /C calc'!A0", email="b@example.test")
        factories.CandidateFactory(position=position, full_name="@SUM(1+1)", email="c@example.test")
        factories.CandidateFactory(position=position, full_name="-2+3", email="d@example.test")
        factories.CandidateFactory(position=position, full_name="Plain Name", email="e@example.test")
    response = client_for(recruiter_a).get(f"{V1}/positions/{position.pk}/candidates/export", {"delimiter": "comma"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="candidates-python-developer.csv"'
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Nom complet", "E-mail", "Téléphone"]  # the user's language: French
    names = [row[0] for row in rows[1:]]
    assert names == ["'=HYPERLINK(\"http://evil\")", "'+cmd|' /C calc'!A0", "'@SUM(1+1)", "'-2+3", "Plain Name"]
    assert audited(tenant_a, action="candidates.exported", target_id=str(position.pk))


def test_csv_import_reports_each_row(recruiter_a, tenant_a, position, candidate):
    text = (
        "Nom,Téléphone,Email\n"
        "Sara Bennani,0612345600,sara@example.test\n"
        "No Phone,,nophone@example.test\n"
        "Lina Again,+212612345678,\n"
        "Sara Twin,+212612345600,\n"
        "Karim Tazi,+33612345679,karim@example.test\n"
    )
    response = client_for(recruiter_a).post(f"{V1}/positions/{position.pk}/candidates/import", {"file": csv_upload(text)}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["added"] == 2 and body["refused"] == 3
    by_line = {row["line"]: row for row in body["rows"]}
    assert by_line[2]["status"] == "added" and by_line[2]["candidate_id"]
    assert by_line[3]["status"] == "refused" and "phone" in by_line[3]["reason"].lower()
    assert by_line[4]["duplicate_of"] == str(candidate.pk)
    assert "line 2" in by_line[5]["reason"]
    with tenant_context(tenant_a.pk):
        assert Candidate.objects.filter(position=position).count() == 3


def test_csv_import_with_nothing_added_is_a_200(recruiter_a, position, candidate):
    response = client_for(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates/import", {"file": csv_upload("name,phone\nLina,+212612345678\n")}, format="multipart",
    )
    assert response.status_code == 200 and response.json()["added"] == 0 and response.json()["refused"] == 1


@pytest.mark.parametrize("files, reason", [
    ({}, "No file was submitted"),
    ({"file": csv_upload("")}, "empty"),
    ({"file": csv_upload("colour,size\nred,L\n")}, "columns"),
    ({"file": SimpleUploadedFile("x.csv", cv_samples.ELF_EXECUTABLE)}, "not a CSV"),
    ({"file": SimpleUploadedFile("x.csv", b"\xff\x81\x8d\x90 binary")}, "not a CSV"),
])
def test_a_bad_csv_is_a_400_naming_file(recruiter_a, position, files, reason):
    response = client_for(recruiter_a).post(f"{V1}/positions/{position.pk}/candidates/import", files, format="multipart")
    assert response.status_code == 400 and error_fields(response) == {"file"} and reason in response.json()["message"]


def test_a_csv_cut_off_by_the_upload_handler_is_too_large(recruiter_a, position, settings):
    settings.MAX_UPLOAD_BYTES = 100
    text = "name,phone\n" + "Sara,+212612345600\n" * 20
    response = client_for(recruiter_a).post(f"{V1}/positions/{position.pk}/candidates/import", {"file": csv_upload(text)}, format="multipart")
    assert response.status_code == 400 and error_fields(response) == {"file"} and "too large" in response.json()["message"]


# --- OpenAPI -----------------------------------------------------------------------------------------


def test_the_openapi_schema_covers_recruiting_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    problems = list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
    assert [message for message in problems if "recruiting" in message or "collision" in message] == []
    paths = schema["paths"]
    for path in (
        "/api/v1/positions", "/api/v1/positions/{id}", "/api/v1/positions/{id}/questions", "/api/v1/positions/{id}/questions/reorder",
        "/api/v1/positions/{id}/questions/draft", "/api/v1/positions/{id}/script/freeze", "/api/v1/positions/{id}/script/versions",
        "/api/v1/positions/{id}/candidates", "/api/v1/positions/{id}/candidates/export", "/api/v1/positions/{id}/candidates/import",
        "/api/v1/questions/{id}", "/api/v1/candidates", "/api/v1/candidates/{id}", "/api/v1/candidates/{id}/cv",
        "/api/v1/candidates/{id}/score", "/api/v1/candidates/{id}/decision",
    ):
        assert path in paths, path
    assert "text/csv" in paths["/api/v1/positions/{id}/candidates/export"]["get"]["responses"]["200"]["content"]
    assert set(paths["/api/v1/positions/{id}/candidates"]["post"]["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert "PaginatedCandidateList" in schema["components"]["schemas"]
