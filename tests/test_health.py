"""GET /health: 200 when database, broker and storage are up, 503 naming what is down, and never
a word about why (no exception text, host, port or configuration in the body)."""

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aihm import health

pytestmark = pytest.mark.django_db

ALL_UP = {"status": "ok", "checks": {"database": "up", "broker": "up", "storage": "up"}}
SECRET_LOOKING_TEXT = "db.internal.example:5432 password=hunter2"


@pytest.fixture(autouse=True)
def embedded_services(settings, tmp_path):
    """The embedded defaults, in a temporary folder: filesystem broker and local media."""
    broker = tmp_path / "broker"
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
        "store_processed": False,
    }
    for folder in ("queue", "processed", "control"):
        (broker / folder).mkdir(parents=True)
    settings.S3_BUCKET = ""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}},
    }
    return tmp_path


def get_health(client):
    response = client.get("/health")
    return response.status_code, response.json(), response


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_reveals_nothing(body, *secrets):
    text = repr(body)
    for secret in ("Error", "Exception", "Traceback", "127.0.0.1", "localhost", *secrets):
        assert secret not in text, f"/health leaks {secret!r}"


def test_health_is_200_when_everything_is_up(client):
    status, body, response = get_health(client)
    assert (status, body) == (200, ALL_UP)
    assert "no-cache" in response["Cache-Control"]


def test_health_only_answers_get(client):
    assert client.post("/health").status_code == 405


def test_health_is_503_naming_the_database_when_its_check_fails(client, monkeypatch, caplog):
    def database_away():
        raise ConnectionError(SECRET_LOOKING_TEXT)

    monkeypatch.setitem(health.CHECKS, "database", database_away)
    status, body, _ = get_health(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "down", "broker": "up", "storage": "up"},
        "down": ["database"],
    }
    assert_reveals_nothing(body, SECRET_LOOKING_TEXT)
    assert "ConnectionError" in caplog.text and "hunter2" not in caplog.text, "the log names the error type only"


def test_health_is_503_naming_the_broker_when_redis_is_unreachable(client, settings):
    port = closed_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    status, body, _ = get_health(client)
    assert status == 503
    assert body["down"] == ["broker"] and body["checks"]["broker"] == "down"
    assert_reveals_nothing(body, str(port), "redis")


def test_health_is_200_with_the_real_local_redis(client, settings):
    url = "redis://127.0.0.1:6379/0"
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("CI runs Redis on 127.0.0.1:6379 (see .ci/run)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.REDIS_URL = url
    status, body, _ = get_health(client)
    assert (status, body) == (200, ALL_UP)


def test_health_is_503_when_a_filesystem_broker_folder_is_missing(client, embedded_services):
    (embedded_services / "broker" / "control").rmdir()
    status, body, _ = get_health(client)
    assert (status, body["down"]) == (503, ["broker"])


def test_health_is_503_naming_storage_when_the_media_folder_cannot_be_made(client, settings, embedded_services):
    blocker = embedded_services / "a-file"
    blocker.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocker / "media")}},
    }
    status, body, _ = get_health(client)
    assert (status, body["down"]) == (503, ["storage"])
    assert_reveals_nothing(body, str(blocker))


def test_health_lists_everything_that_is_down(client, monkeypatch, settings):
    monkeypatch.setitem(health.CHECKS, "database", lambda: False)
    monkeypatch.setitem(health.CHECKS, "storage", lambda: False)
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    status, body, _ = get_health(client)
    assert (status, body["status"], body["down"]) == (503, "unavailable", ["database", "broker", "storage"])


class _BucketStub(BaseHTTPRequestHandler):
    """Answers S3's HEAD-bucket for one bucket, like MinIO would; 404 for any other."""

    bucket = "aihm-media"

    def do_HEAD(self):
        self.send_response(200 if self.path.rstrip("/") == f"/{self.bucket}" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def s3_stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BucketStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def use_s3(settings, endpoint_url, bucket):
    settings.S3_BUCKET = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket, "endpoint_url": endpoint_url, "access_key": "test-key",
                "secret_key": "test-secret", "region_name": "us-east-1",
            },
        },
    }


def test_health_checks_the_s3_bucket_through_boto3(client, settings, s3_stub):
    use_s3(settings, s3_stub, "aihm-media")
    assert get_health(client)[:2] == (200, ALL_UP)


@pytest.mark.parametrize("case", ["missing bucket", "endpoint down"])
def test_health_is_503_naming_storage_when_s3_is_not_there(client, settings, s3_stub, case):
    if case == "missing bucket":
        use_s3(settings, s3_stub, "no-such-bucket")
    else:
        use_s3(settings, f"http://127.0.0.1:{closed_port()}", "aihm-media")
    status, body, _ = get_health(client)
    assert (status, body["down"]) == (503, ["storage"])
    assert_reveals_nothing(body, "no-such-bucket", "test-key", "test-secret")
