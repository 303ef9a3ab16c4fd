"""The API contract as a client meets it: requirements taken the way the dashboard takes them,
messages in English unless the request asks otherwise, every 400 naming its field in plain words,
and bodies that are too deep or too large refused as JSON errors, never a 500 or an HTML page."""

import json

import pytest
from rest_framework.test import APIClient

from aihm.tenancy import tenant_context
from recruiting import services
from tests import factories
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db(databases=["default", "privileged"])

V1 = "/api/v1"
# DRF's own wording, which a person cannot act on; no API answer may carry it.
DRF_GENERIC = ("Not a valid string", "Expected a dictionary", "Expected a list of items", "Invalid data. Expected",
               "A valid integer is required", "Must be a valid boolean", "Must be a valid UUID",
               "The submitted data was not a file")


@pytest.fixture
def client(recruiter_a):
    return bearer_for(recruiter_a)


@pytest.fixture
def position(tenant_a, recruiter_a):
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=recruiter_a, title="Data engineer", skills=["Python"], must_haves=["SQL"])
        for order in (1, 2, 3):
            factories.QuestionFactory(position=position, order=order)
        return position


# --- Requirements: text, a list, or the precise object ---------------------------------------------


@pytest.mark.parametrize("requirements", [
    "Python, Airflow\nSQL; python",
    ["Python", "Airflow", "SQL", "python"],
])
def test_requirements_as_text_or_a_list_become_the_skills_as_the_dashboard_reads_them(client, requirements):
    response = client.post(f"{V1}/positions", {"title": "Data engineer", "requirements": requirements}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["requirements"] == {
        "skills": ["Python", "Airflow", "SQL"], "must_haves": [], "nice_to_haves": [], "min_years_experience": None}
    assert response.json()["requirements"]["skills"] == services.clean_position_values({"skills": requirements})["skills"]


def test_requirements_as_an_object_stay_the_precise_form(client):
    requirements = {"skills": ["Python"], "must_haves": ["SQL"], "nice_to_haves": ["Kafka"], "min_years_experience": 3}

    response = client.post(f"{V1}/positions", {"title": "Data engineer", "requirements": requirements}, format="json")

    assert response.status_code == 201 and response.json()["requirements"] == requirements


def test_patching_requirements_as_text_changes_the_skills_only(client, position):
    response = client.patch(f"{V1}/positions/{position.pk}", {"requirements": "Go, Kubernetes"}, format="json")

    assert response.status_code == 200
    assert response.json()["requirements"]["skills"] == ["Go", "Kubernetes"]
    assert response.json()["requirements"]["must_haves"] == ["SQL"]


@pytest.mark.parametrize("requirements, message", [
    (12, "requirements: Give the requirements as text (one a line, or separated by commas), a list of texts, "
         "or an object with skills, must_haves, nice_to_haves and min_years_experience."),
    ("Python, " + "x" * 101, "requirements: Each item must be at most 100 characters."),
    ("Moins de 30 ans", "requirements: Requirements cannot be about protected characteristics: Moins de 30 ans."),
    ("x" * 5001, "requirements: Ensure this text has no more than 5000 characters."),
    ({"skills": "Python"}, "requirements.skills: Must be a list."),
    ({"skills": ["Python", 3]}, "requirements.skills[1]: Must be text, not a number."),
])
def test_bad_requirements_are_a_400_saying_what_to_send(client, requirements, message):
    response = client.post(f"{V1}/positions", {"title": "Dev", "requirements": requirements}, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert "requirements" in response.json()["errors"]


# --- Language ---------------------------------------------------------------------------------------


def test_the_api_answers_in_english_by_default_even_with_the_dashboards_french_cookie(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.post(f"{V1}/positions", {}, format="json")

    assert response.json()["message"] == "title: This field is required."
    assert response["Content-Language"] == "en"


def test_the_api_answers_in_the_language_the_request_asks_for(client):
    response = client.post(f"{V1}/positions", {"title": 12}, format="json", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response.json()["message"] == "title: Doit être du texte, pas un nombre."
    assert response["Content-Language"] == "fr"


def test_an_unknown_language_falls_back_to_english(client):
    response = client.post(f"{V1}/positions", {}, format="json", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert response.json()["message"] == "title: This field is required."


def test_the_dashboard_keeps_french_by_default(client):
    assert APIClient().get("/accounts/login/")["Content-Language"] == "fr"


# --- Every 400 names its field in plain words -------------------------------------------------------


def _bad_inputs(position):
    """(method, path, body, the message expected): one per kind of DRF field error."""
    return [
        ("post", f"{V1}/positions", {"title": 12}, "title: Must be text, not a number."),
        ("post", f"{V1}/positions", {"title": ["Dev"]}, "title: Must be text, not a list."),
        ("post", f"{V1}/positions", {"title": True}, "title: Must be text, not true or false."),
        ("post", f"{V1}/positions", [], "Must be a JSON object with named fields."),
        ("post", f"{V1}/positions", {"title": "Dev", "language": "de"}, 'language: "de" is not a valid choice.'),
        ("post", f"{V1}/positions/{position.pk}/questions", {"text": "Why?", "weight": "heavy"}, "weight: Must be a whole number."),
        ("post", f"{V1}/positions/{position.pk}/questions/reorder", {"question_ids": "all"}, "question_ids: Must be a list."),
        ("post", f"{V1}/positions/{position.pk}/questions/reorder", {"question_ids": [str(position.pk), "nope"]},
         "question_ids[1]: Must be an id (a UUID)."),
        ("post", f"{V1}/positions/{position.pk}/candidates", {"full_name": "Ana", "phone": "+212612345678", "allow_duplicate": "maybe"},
         "allow_duplicate: Must be true or false."),
    ]


def test_every_field_error_is_a_plain_sentence_naming_the_field(client, position):
    for method, path, body, expected in _bad_inputs(position):
        response = getattr(client, method)(path, body, format="json")

        assert response.status_code == 400, (path, body, response.json())
        body_text = json.dumps(response.json())
        assert response.json()["message"] == expected, (path, body)
        assert not [generic for generic in DRF_GENERIC if generic in body_text], body_text


def test_a_file_field_given_text_says_to_send_a_file(client, position):
    response = client.post(f"{V1}/positions/{position.pk}/candidates/import", {"file": "full_name\nAna"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["message"] == "file: Must be a file, sent as multipart/form-data."


def test_errors_of_a_list_of_objects_name_the_item():
    from aihm.api import _first_message

    detail = {"preferred_times": [{}, {"weekday": ["Must be a whole number."]}]}

    assert _first_message(detail) == "preferred_times[1].weekday: Must be a whole number."


# --- Bodies too deep or too large -------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 2000, 100_000])
def test_deeply_nested_json_is_a_400_saying_so(client, depth):
    body = '{"title": "Dev", "requirements": ' + "[" * depth + "]" * depth + "}"

    response = client.post(f"{V1}/positions", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["message"] == "The JSON body nests arrays or objects too deeply (at most 32 levels)."


def test_json_nested_within_the_limit_is_read(client):
    body = {"title": "Dev", "requirements": {"skills": ["Python"]}}

    assert client.post(f"{V1}/positions", body, format="json").status_code == 201


@pytest.mark.parametrize("who, path", [
    ("recruiter", f"{V1}/positions"),
    (None, f"{V1}/auth/login"),
    (None, f"{V1}/auth/register"),
])
def test_a_10_mb_json_body_is_a_json_413(recruiter_a, who, path):
    client = bearer_for(recruiter_a) if who else APIClient()
    body = json.dumps({"title": "x" * (10 * 1024 * 1024)})

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"].startswith("The request body is too large (the limit is")
