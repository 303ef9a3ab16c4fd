"""A bounded schemathesis run over every operation of the OpenAPI schema, through the WSGI app:
no answer is a 5xx, and every answer conforms (status documented, content type, body).

Authenticated with a real access token of an admin; the `{id}` and `{token}` of each route name
objects seeded below, so that id routes reach real objects rather than 404s. A few examples per
operation keep the run short (seconds, not minutes)."""

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aihm.api import TenantRefreshToken
from aihm.tenancy import tenant_context
from consent import services as consent_services
from recruiting import services
from tests import cv_samples, factories
from tests.openapi_contract import openapi_document

EXAMPLES_PER_OPERATION = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def seeded(tenant_a, admin_a, settings, mailoutbox):
    """One of each object an `{id}` route names, and a consent link's token."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "auth": "100000/min", "public": "100000/min", "user": "100000/min"}}
    with tenant_context(tenant_a.pk):
        position = factories.PositionFactory(owner=admin_a, title="Data engineer", skills=["Python"])
        question = factories.QuestionFactory(position=position, order=1)
        for order in (2, 3):
            factories.QuestionFactory(position=position, order=order)
        candidate = services.add_candidate(
            by=admin_a, position=position, full_name="Lina Haddad", email="lina@example.test", phone="+212612345678",
            cv=SimpleUploadedFile("cv.pdf", cv_samples.pdf_bytes(), content_type="application/pdf"))
        other = factories.CandidateFactory(position=position, full_name="Omar Idrissi", email="omar@example.test")
        consent_services.request_consent(candidate=other, by=admin_a)
        interview = factories.InterviewFactory(candidate=candidate)
    token = _token_in(mailoutbox[-1].body)
    member = factories.UserFactory(tenant=tenant_a, role="viewer", email="victor@acme.test", full_name="Victor Viewer")
    ids = {"positions": position.pk, "questions": question.pk, "candidates": candidate.pk, "users": member.pk, "interviews": interview.pk}
    return {"ids": ids, "token": token, "bearer": f"Bearer {TenantRefreshToken.for_user(admin_a).access_token}"}


def _token_in(body):
    import re

    return re.search(r"/consent/([A-Za-z0-9_-]{40,})/", body).group(1)


def _path_parameters(path, seeded):
    """The seeded object for the resource an `{id}` follows (`/positions/{id}/...` -> the position)."""
    parts = path.strip("/").split("/")
    values = {}
    if "{id}" in parts:
        values["id"] = str(seeded["ids"][parts[parts.index("{id}") - 1]])
    if "{token}" in parts:
        values["token"] = seeded["token"]
    return values


@pytest.fixture
def wsgi_app():
    """The product's WSGI app, minus the end-of-request connection close (as Django's test client
    does), so that requests share the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db(databases=["default", "privileged"])
def test_every_operation_answers_without_5xx_and_as_the_schema_says(seeded, wsgi_app):
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = wsgi_app
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    # Erasures last, so that every other route meets the seeded objects.
    for operation in sorted(operations, key=lambda operation: operation.method.upper() == "DELETE"):

        @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=operation.as_strategy())
        def exercise(case):
            case.path_parameters = {**(case.path_parameters or {}), **_path_parameters(operation.path, seeded)}
            try:
                case.call_and_validate(headers={"Authorization": seeded["bearer"]}, checks=CHECKS)
            except AssertionError as error:
                failures.append(f"{operation.label}: {str(error)[:1500]}")
                raise

        try:
            exercise()
        except Exception as error:  # one line per operation; hypothesis has already shrunk the example
            if not failures or not failures[-1].startswith(operation.label):
                failures.append(f"{operation.label}: {type(error).__name__}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
