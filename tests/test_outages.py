"""Outages of the services AIHM depends on, injected for real: Redis (cache and broker) at a dead
port, file storage that cannot be written, a PostgreSQL backend terminated mid-request. A request
whose data is stored succeeds; one that could not store anything says so with a 503; the next
request recovers."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aihm.tenancy import tenant_context
from recruiting import scoring
from recruiting.models import Candidate, ScoringStatus
from tests import cv_samples, factories
from tests.conftest import bearer_for

DEAD_REDIS = "redis://127.0.0.1:1/0"
V1 = "/api/v1"
STORAGE_MESSAGE = "File storage is unavailable; nothing was saved. Try again later."


def page_client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.raise_request_exception = False
    return client


def api_client(user):
    client = bearer_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.raise_request_exception = False
    return client


def cv_upload():
    return SimpleUploadedFile("cv.pdf", cv_samples.pdf_bytes(), content_type="application/pdf")


def candidates_of(tenant):
    with tenant_context(tenant.pk):
        return list(Candidate.objects.all())


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "aihm.storage.LocalMediaStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    settings.S3_BUCKET = ""
    settings.ANTHROPIC_API_KEY = ""
    return tmp_path / "media"


@pytest.fixture
def position(tenant_a):
    with tenant_context(tenant_a.pk):
        return factories.PositionFactory(title="Python developer")


# --- Redis unreachable: the cache and the broker ---

@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {"default": {
        "BACKEND": "aihm.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}


@pytest.fixture
def dead_broker():
    """Celery publishes for real, to a Redis that is not there."""
    from aihm.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.task_always_eager = False
    app.conf.broker_url, app.conf.broker_transport_options = DEAD_REDIS, {}
    app._pool, app.amqp._producer_pool = None, None
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool, app.amqp._producer_pool = None, None
    app.conf.task_always_eager = True


def test_the_api_answers_with_a_valid_token_while_the_cache_is_down(dead_cache, admin_a, position):
    response = api_client(admin_a).get(f"{V1}/positions")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_signing_in_works_and_stays_throttled_while_the_cache_is_down(dead_cache, admin_a, monkeypatch):
    from aihm.api import AuthThrottle

    monkeypatch.setattr(AuthThrottle, "rate", "2/min", raising=False)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False
    statuses = [client.post(f"{V1}/auth/login", {"email": admin_a.email, "password": "wrong"}, content_type="application/json").status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429], "the throttle counts in the process's memory meanwhile"


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_adding_a_candidate_while_the_broker_is_down_saves_it_and_says_it_is_queued(
        dead_broker, media, recruiter_a, position, caplog):
    client = page_client(recruiter_a)
    with caplog.at_level(logging.WARNING, logger="aihm.tasks"):
        response = client.post(reverse("recruiting:candidate_add", args=[position.pk]), {
            "full_name": "Amina Benali", "email": "amina@example.test", "phone": "06 12 34 56 78", "cv": cv_upload(),
        })
    [candidate] = candidates_of(position.tenant)
    assert response.status_code == 302 and response.url == reverse("recruiting:candidate_detail", args=[candidate.pk])
    assert candidate.scoring_status == ScoringStatus.QUEUED
    page = client.get(response.url).content.decode()
    assert "The CV is waiting for its turn to be scored." in page
    [warning] = [r for r in caplog.records if r.name == "aihm.tasks"]
    assert warning.getMessage() == "broker unreachable, recruiting.score_cv not sent (OperationalError): left to the sweeper"
    for personal in ("Amina", "amina@", "612345678", str(candidate.pk)):
        assert personal not in caplog.text


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_a_candidate_added_through_the_api_while_the_broker_is_down_is_created_queued_then_swept(
        dead_broker, media, recruiter_a, position):
    from aihm.celery import app

    response = api_client(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "Omar Alaoui", "phone": "+33612345678", "cv": cv_upload()}, format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["scoring_status"] == "queued"
    # The broker is back: the sweeper sends what waited in the queue for too long.
    app.conf.task_always_eager = True
    with time_machine.travel(timezone.now() + scoring.STALE_QUEUE + timedelta(seconds=1), tick=False):
        assert scoring.requeue_stale_scoring() == 1
    [candidate] = candidates_of(position.tenant)
    assert candidate.scoring_status == ScoringStatus.SCORED


# --- File storage that cannot be written ---

@pytest.fixture
def unwritable_media(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "aihm.storage.LocalMediaStorage", "OPTIONS": {"location": str(blocker / "media")}}}
    settings.S3_BUCKET = ""
    settings.ANTHROPIC_API_KEY = ""


def test_an_upload_to_unwritable_storage_is_a_503_saying_nothing_was_saved_on_the_api(unwritable_media, recruiter_a, position):
    response = api_client(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "Omar Alaoui", "phone": "+33612345678", "cv": cv_upload()}, format="multipart",
    )
    assert response.status_code == 503
    assert response.json() == {"message": STORAGE_MESSAGE, "code": "storage_unavailable"}
    assert response["Retry-After"]
    assert candidates_of(position.tenant) == []


@pytest.mark.parametrize("language, message", [
    ("en", STORAGE_MESSAGE),
    ("fr", "Le stockage des fichiers est indisponible ; rien n’a été enregistré. Réessayez plus tard."),
])
def test_an_upload_to_unwritable_storage_is_a_503_page_saying_nothing_was_saved(
        unwritable_media, recruiter_a, position, language, message):
    client = page_client(recruiter_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.post(reverse("recruiting:candidate_add", args=[position.pk]), {
        "full_name": "Amina Benali", "phone": "06 12 34 56 78", "cv": cv_upload(),
    })
    assert response.status_code == 503
    assert message in response.content.decode()
    assert candidates_of(position.tenant) == []


def test_an_unreachable_s3_is_a_503_too(settings, recruiter_a, position):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "aihm.storage.MediaS3Storage", "OPTIONS": {
        "bucket_name": "aihm-media", "endpoint_url": "http://127.0.0.1:1", "access_key": "k", "secret_key": "s",
        "region_name": "us-east-1", "client_config": _one_attempt()}}}
    response = api_client(recruiter_a).post(
        f"{V1}/positions/{position.pk}/candidates",
        {"full_name": "Omar Alaoui", "phone": "+33612345678", "cv": cv_upload()}, format="multipart",
    )
    assert response.status_code == 503 and response.json()["code"] == "storage_unavailable"
    assert candidates_of(position.tenant) == []


def _one_attempt():
    from botocore.config import Config

    return Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1, "mode": "standard"})


# --- A PostgreSQL backend terminated while a request runs ---

def terminate_own_backend():
    """What an administrator, a failover or a crash does to the request's connection. A role may
    end its own backends: a second connection as the runtime role does it (the owner role would
    need pg_signal_backend, which only a superuser can grant)."""
    import psycopg

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        [[terminated]] = other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchall()
    assert terminated


@pytest.fixture
def backend_terminated_once(monkeypatch):
    """`arm(owner, name)`: the first call of that method in the next request terminates the
    request's own backend first. Returns the calls, to prove it happened."""
    calls = []

    def arm(owner, name):
        original = getattr(owner, name)

        def terminated_first(*args, **kwargs):
            if not calls:
                calls.append(name)
                terminate_own_backend()
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, terminated_first)

    return arm, calls


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_an_api_request_whose_backend_is_terminated_is_a_json_503_and_the_next_recovers(
        backend_terminated_once, admin_a, position):
    from aihm import api

    arm, calls = backend_terminated_once
    arm(api.Pagination, "paginate_queryset")
    client = api_client(admin_a)
    response = client.get(f"{V1}/positions")
    assert calls, "the backend was terminated during the request"
    assert response.status_code == 503
    assert response.json() == {"message": "The database is unavailable; nothing was saved. Try again in a moment.",
                               "code": "database_unavailable"}
    after = client.get(f"{V1}/positions")
    assert after.status_code == 200 and after.json()["count"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_a_page_whose_backend_is_terminated_is_a_503_page_and_the_next_recovers(
        backend_terminated_once, admin_a, position):
    from django.template import response as template_response

    arm, calls = backend_terminated_once
    arm(template_response.TemplateResponse, "render")
    client = page_client(admin_a)
    response = client.get(reverse("recruiting:position_list"))
    assert calls and response.status_code == 503
    page = response.content.decode()
    assert "The database is unavailable; nothing was saved. Try again in a moment." in page and "<html" in page
    after = client.get(reverse("recruiting:position_list"))
    assert after.status_code == 200 and "Python developer" in after.content.decode()
