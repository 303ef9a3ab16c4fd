"""API-wide error behaviour: bad input is a 400 whose message names the field (never a 500),
unknown routes and methods answer JSON, and the OpenAPI schema and docs exist only when enabled."""

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from aihm import views
from aihm.api import TenantRefreshToken
from tests.conftest import bearer_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Long-Passphrase-42"


def _email_of_length(length):
    return "a" * (length - len("@x.test")) + "@x.test"


# route name, method, who calls it, a valid body, {string field: max length or None}, required fields
ROUTES = {
    "register": ("post", None, {"company_name": "Initech", "full_name": "Peter Gibbons", "email": "peter@initech.test",
                                "password": NEW_PASSWORD},
                 {"company_name": 200, "full_name": 150, "email": 254, "password": 4096},
                 ["company_name", "full_name", "email", "password"]),
    "login": ("post", None, {"email": "someone@acme.test", "password": "whatever-it-is"},
              {"email": 254, "password": 4096}, ["email", "password"]),
    "refresh": ("post", None, {"refresh": "a-token"}, {"refresh": None}, ["refresh"]),
    "logout": ("post", None, {"refresh": "a-token"}, {"refresh": None}, ["refresh"]),
    "me": ("patch", "admin_a", {"full_name": "Alice A.", "email": "alice@acme.test", "language": "en"},
           {"full_name": 150, "email": 254, "language": None}, []),
    "change-password": ("post", "admin_a", {"old_password": "whatever-it-is", "new_password": NEW_PASSWORD},
                        {"old_password": None, "new_password": None}, ["old_password", "new_password"]),
    "users": ("post", "admin_a", {"email": "new@acme.test", "full_name": "New Person", "role": "viewer"},
              {"email": 254, "full_name": 150, "role": None}, ["email", "full_name"]),
    "user": ("patch", "admin_a", {"role": "viewer"}, {"role": None}, ["role"]),
}
WRONG_TYPES = {"number": 12345678901, "list": ["text"], "object": {"text": 1}, "null": None, "boolean": True}


def _cases():
    for route, (_, _, _, strings, required) in ROUTES.items():
        for field in required:
            yield pytest.param(route, field, "missing", id=f"{route}-{field}-missing")
        for field, max_length in strings.items():
            if max_length:
                yield pytest.param(route, field, "too_long", id=f"{route}-{field}-too-long")
            for kind in WRONG_TYPES:
                yield pytest.param(route, field, kind, id=f"{route}-{field}-{kind}")


@pytest.fixture
def call(request, admin_a, recruiter_a):
    """Call a route as its caller; `user` routes act on Rita, a recruiter of the same company."""

    def caller(route, *, data=None, raw=None, content_type="application/json"):
        method, who, *_ = ROUTES[route]
        headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
        if who:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {TenantRefreshToken.for_user(request.getfixturevalue(who)).access_token}"
        client = APIClient()
        client.credentials(**headers)
        path = reverse(f"api-auth-{route}", args=[recruiter_a.pk] if route == "user" else [])
        body = raw if raw is not None else json.dumps(data)
        return getattr(client, method)(path, body, content_type=content_type)

    return caller


@pytest.mark.parametrize("route,field,problem", list(_cases()))
def test_bad_input_is_a_400_naming_the_field(call, route, field, problem):
    body = dict(ROUTES[route][2])
    max_length = ROUTES[route][3].get(field)
    if problem == "missing":
        del body[field]
    elif problem == "too_long":
        body[field] = _email_of_length(max_length + 1) if field == "email" else "x" * (max_length + 1)
    else:
        body[field] = WRONG_TYPES[problem]

    response = call(route, data=body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["message"]
    assert field in response.json()["errors"]


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("raw", ['{"email": ', "not json at all", '{"a": 1}}', b"\xff\xfe{"])
def test_malformed_json_is_a_400_saying_so(call, route, raw):
    response = call(route, raw=raw)

    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("raw", ["[]", '"text"', "42", "null"])
def test_a_body_that_is_not_an_object_is_a_400(call, route, raw):
    response = call(route, raw=raw)

    assert response.status_code == 400
    assert response.json()["message"]


def test_an_unsupported_content_type_is_a_415_in_json(call):
    response = call("login", raw="email=a", content_type="text/plain")

    assert response.status_code == 415
    assert response.json()["message"]


def test_a_nul_character_in_a_search_is_a_400_naming_it(admin_a):
    response = bearer_for(admin_a).get(reverse("api-auth-users"), {"search": "a\x00b"})

    assert response.status_code == 400
    assert "search" in response.json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/auth/nothing", "/api/v1/auth/users/not-a-uuid",
                                  "/api/v1/auth/login/"])
def test_unknown_api_routes_answer_json_404(admin_a, path):
    response = bearer_for(admin_a).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"]


def test_an_invalid_page_is_a_json_404(admin_a):
    response = bearer_for(admin_a).get(reverse("api-auth-users"), {"page": 99})

    assert response.status_code == 404
    assert response.json()["message"]


@pytest.mark.parametrize("method,route", [("get", "login"), ("put", "register"), ("delete", "me"), ("put", "users")])
def test_a_wrong_method_is_a_json_405(admin_a, method, route):
    response = getattr(bearer_for(admin_a), method)(reverse(f"api-auth-{route}"))

    assert response.status_code == 405
    assert response.json()["message"]


@pytest.mark.parametrize("route", ["me", "users", "audit-logs"])
def test_no_token_is_a_json_401(route):
    response = APIClient().get(reverse(f"api-auth-{route}"))

    assert response.status_code == 401
    assert response.json()["message"]


def test_a_server_error_on_an_api_path_is_json():
    response = views.server_error(RequestFactory().get("/api/v1/auth/me"))

    assert response.status_code == 500
    assert json.loads(response.content) == {"message": "Server error."}


# --- OpenAPI ---

@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_docs_are_a_json_404_when_disabled(settings, name):
    settings.API_DOCS_ENABLED = False

    response = APIClient().get(reverse(name))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "unsafe-inline" not in response.get("Content-Security-Policy", "")


def test_docs_are_served_when_enabled_with_csp_relaxed_for_styles_only(settings):
    settings.API_DOCS_ENABLED = True
    client = APIClient()

    schema = client.get(reverse("api-schema"), {"format": "json"})
    page = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs"), {"script": ""})

    assert schema.status_code == 200
    assert "/api/v1/auth/login" in json.loads(schema.content)["paths"]
    assert page.status_code == 200
    assert "<script>" not in page.content.decode()
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" in policy["style-src"]
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_rest_of_the_site_keeps_the_strict_csp(settings, client):
    settings.API_DOCS_ENABLED = True

    response = client.get(reverse("accounts:login"))

    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_openapi_schema_generates_valid_and_without_warnings():
    GENERATOR_STATS.reset()

    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, (
        dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache))
    auth_paths = {path for path in schema["paths"] if path.startswith("/api/v1/auth/")}
    assert auth_paths == {f"/api/v1/auth/{route}" for route in (
        "register", "login", "refresh", "logout", "me", "change-password", "users", "users/{id}", "audit-logs")}
    login = schema["paths"]["/api/v1/auth/login"]["post"]
    assert login.get("security", [{}]) == [{}]
    assert schema["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"jwtAuth": []}]


def test_a_sign_up_racing_on_the_same_email_is_a_400_not_a_500(db, monkeypatch):
    """The uniqueness check passes for both requests; the database index decides."""
    from accounts import services
    from aihm.errors import Invalid

    services.register_company(company_name="First", full_name="Ana First", email="race@example.test", password="Correct-Horse-Battery-9")
    monkeypatch.setattr(services, "_ensure_email_free", lambda email, field="email": None)
    with pytest.raises(Invalid) as error:
        services.register_company(company_name="Second", full_name="Ana Second", email="RACE@example.test", password="Correct-Horse-Battery-9")
    assert error.value.field == "email"
