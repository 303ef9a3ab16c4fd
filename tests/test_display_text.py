"""Names and titles refuse control characters and direction overrides, on the API (a 400 naming
the field) and on the pages (the message next to the field), through one validator."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from aihm.errors import Invalid
from aihm.tenancy import tenant_context
from aihm.text import clean_display_text
from recruiting.models import Candidate, Position
from tests import factories
from tests.conftest import bearer_for

OVERRIDE = "Lina \u202eadaH"  # U+202E RIGHT-TO-LEFT OVERRIDE: would display as "Lina Hada"


@pytest.mark.parametrize("char", [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\x00", "\x07", "\x0b", "\x1b", "\x1f", "\x7f", "\x85", "\x9b", "\u200b", "\ufeff", "\ud800",
])
def test_controls_overrides_and_invisible_characters_are_refused_with_their_code(char):
    with pytest.raises(Invalid) as refusal:
        clean_display_text(f"Lina{char}Haddad", "full_name")

    assert refusal.value.field == "full_name"
    assert f"U+{ord(char):04X}" in refusal.value.message


@pytest.mark.parametrize("value, cleaned", [
    ("  Lina \t Haddad\r\n", "Lina Haddad"),
    ("ليلى حداد", "ليلى حداد"),
    ("Lina \u200fحداد\u200e (Casablanca)", "Lina \u200fحداد\u200e (Casablanca)"),
    ("Zoë O’Brien-Ñúñez", "Zoë O’Brien-Ñúñez"),
    (None, ""),
])
def test_ordinary_names_pass_with_their_whitespace_collapsed(value, cleaned):
    assert clean_display_text(value, "full_name") == cleaned


# --- The API: 400 naming the field -----------------------------------------------------------


def api(user):
    client = bearer_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def refused_field(response):
    assert response.status_code == 400, response.content
    body = response.json()
    assert "invisible character" in body["message"]
    return set(body["errors"])


@pytest.fixture
def position(tenant_a):
    with tenant_context(tenant_a.pk):
        return factories.PositionFactory(title="Python developer")


@pytest.mark.django_db
def test_the_api_refuses_an_override_in_a_candidate_name(recruiter_a, position):
    response = api(recruiter_a).post(
        f"/api/v1/positions/{position.pk}/candidates", {"full_name": OVERRIDE, "phone": "+212612345678"}, format="json",
    )

    assert refused_field(response) == {"full_name"}
    with tenant_context(position.tenant_id):
        assert not Candidate.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_an_override_in_a_position_title_and_a_question(recruiter_a, position):
    client = api(recruiter_a)

    assert refused_field(client.post("/api/v1/positions", {"title": "Dev \u2066ops", "language": "fr"}, format="json")) == {"title"}
    assert refused_field(client.patch(f"/api/v1/positions/{position.pk}", {"title": "Dev\u202d"}, format="json")) == {"title"}
    assert refused_field(client.post(
        f"/api/v1/positions/{position.pk}/questions", {"text": "Why\u202e us?"}, format="json",
    )) == {"text"}
    with tenant_context(position.tenant_id):
        assert list(Position.objects.values_list("title", flat=True)) == ["Python developer"]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["company_name", "full_name"])
def test_the_api_refuses_an_override_at_sign_up(field):
    values = {"company_name": "Acme", "full_name": "Alice Admin", "email": "alice@new.test", "password": "Correct-Horse-Battery-9"}
    values[field] = "Acme\u202e"

    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post("/api/v1/auth/register", values, format="json")

    assert refused_field(response) == {field}


@pytest.mark.django_db
def test_the_api_refuses_an_override_in_an_invited_or_own_name(admin_a):
    client = api(admin_a)

    invited = client.post("/api/v1/auth/users", {"email": "new@acme.test", "full_name": OVERRIDE, "role": "recruiter"}, format="json")
    profile = client.patch("/api/v1/auth/me", {"full_name": OVERRIDE}, format="json")

    assert refused_field(invited) == {"full_name"} and refused_field(profile) == {"full_name"}
    with tenant_context(admin_a.tenant_id):
        admin_a.refresh_from_db()
    assert admin_a.full_name == "Alice Admin"


# --- The pages: the message next to the field -------------------------------------------------


def page(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def field_error(response, field, form="form"):
    return " ".join(response.context[form].errors.get(field, []))


@pytest.mark.django_db
def test_the_pages_show_the_refusal_next_to_a_candidate_name_a_title_and_a_question(recruiter_a, position):
    client = page(recruiter_a)

    candidate = client.post(reverse("recruiting:candidate_add", args=[position.pk]), {"full_name": OVERRIDE, "phone": "0612345678"})
    title = client.post(reverse("recruiting:position_create"), {
        "title": "Dev\u202eops", "contract_type": "permanent", "language": "fr", "status": "draft",
    })
    question = client.post(reverse("recruiting:question_add", args=[position.pk]), {
        "text": "Why\u2067 us?", "weight": "1", "max_answer_seconds": "90",
    })

    assert "invisible character" in field_error(candidate, "full_name")
    assert "invisible character" in field_error(title, "title")
    assert "invisible character" in field_error(question, "text", form="question_form")


@pytest.mark.django_db
def test_the_sign_up_and_profile_pages_show_the_refusal_next_to_the_field(recruiter_a):
    signup = Client(HTTP_ACCEPT_LANGUAGE="en").post(reverse("accounts:signup"), {
        "company_name": "Acme\u202e", "full_name": "Alice", "email": "alice@new.test",
        "password": "Correct-Horse-Battery-9", "password_confirmation": "Correct-Horse-Battery-9",
    })
    profile = page(recruiter_a).post(reverse("accounts:profile"), {
        "full_name": OVERRIDE, "email": recruiter_a.email, "language": "en",
    })

    assert "invisible character" in field_error(signup, "company_name")
    assert "invisible character" in field_error(profile, "full_name")
