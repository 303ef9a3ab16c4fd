"""Every response the API test modules get from the API is checked against the OpenAPI schema
(openapi-core): its status is one the operation documents, its content type is documented for
that status, and its body matches the schema. A response the schema does not describe fails the
test that received it. Loaded for every run from pyproject.toml (`-p tests.openapi_contract`).

Requests outside any documented operation (an unknown route, an undocumented method, the docs
themselves) are what the error tests probe on purpose: they are not checked here."""

import json
from fnmatch import fnmatch

import pytest

CHECKED_MODULES = ("test_*api*.py",)


def openapi_document():
    """The schema the API serves, as plain JSON."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def _opaque(value, **parameters):
    """A file body (a CV, a zip) is checked as an opaque string: its type and status are what matter."""
    return value.decode("latin-1")


@pytest.fixture(scope="session")
def openapi_spec():
    from openapi_core import Config, OpenAPI
    from openapi_core.deserializing.media_types.util import plain_loads

    files = {media_type: _opaque for media_type in (
        "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip")}
    config = Config(extra_media_type_deserializers={"text/csv": plain_loads, **files})
    return OpenAPI.from_dict(openapi_document(), config=config)


def _describe(error):
    """openapi-core's error in a few lines: each schema error's place and message, values cut short."""
    schema_errors = getattr(error, "schema_errors", None) or getattr(error.__cause__, "schema_errors", None) or ()
    lines = [f"{type(error).__name__}: {str(error)[:300]}"]
    lines += [f"  at {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}" for e in schema_errors]
    if error.__cause__ and not schema_errors:
        lines.append(f"  because {type(error.__cause__).__name__}: {str(error.__cause__)[:300]}")
    return "\n".join(lines)


def schema_problem(spec, response):
    """Why the schema does not describe this response, or None when it does (or has no operation)."""
    from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
    from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

    class Request(DjangoOpenAPIRequest):
        # Find the operation from the concrete path (Django's `<uuid:pk>` is the schema's `{id}`).
        path_pattern = None

    request = response.wsgi_request
    if not request.path.startswith("/api/v1/"):
        return None
    try:
        spec.validate_response(Request(request), DjangoOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        return None
    except Exception as error:  # every other openapi-core error is a response the schema misses
        return (f"{request.method} {request.path} answered {response.status_code} "
                f"{response.get('Content-Type', '')}, which the OpenAPI schema does not describe:\n{_describe(error)}")
    return None


@pytest.fixture(autouse=True)
def _api_responses_follow_the_schema(request, monkeypatch):
    if not any(fnmatch(request.path.name, pattern) for pattern in CHECKED_MODULES):
        return
    from rest_framework.test import APIClient

    spec = request.getfixturevalue("openapi_spec")
    send = APIClient.request

    def checked(client, **kwargs):
        response = send(client, **kwargs)
        problem = schema_problem(spec, response)
        if problem:
            pytest.fail(problem, pytrace=False)
        return response

    monkeypatch.setattr(APIClient, "request", checked)
