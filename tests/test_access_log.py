"""Secret links never reach a log: runserver's access log, the console handler and gunicorn's
access log redact token-shaped path segments (aihm.access_log)."""

import io
import json
import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from gunicorn.config import Config

from aihm.access_log import REDACTED, RedactingGunicornLogger, redact

CONSENT_TOKEN = "Zx3_kq9VtB-7mLw2PpQeR4sYtU1oNc8aHdJf6gKiE0w"  # secrets.token_urlsafe(32)
RESET_TOKEN = "cd5x9n-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
INVITATION_TOKEN = "eyJ1c2VyIjoiNmI1ZTAxZjItYjM4Zi00ZTc4LWE1MjQtYzU0YjA4ZDZhYmE0In0:1tXyZq:Qm9hcmQtc2lnbmF0dXJlLW9mLXRoZS1pbnZpdGF0aW9u"
CANDIDATE_ID = "6b5e01f2-b38f-4e78-a524-c54b08d6aba4"


@pytest.mark.parametrize("path, kept", [
    (f"/consent/{CONSENT_TOKEN}/withdraw/?lang=ar", "/consent/[redacted]/withdraw/?lang=ar"),
    (f"/api/v1/consent/{CONSENT_TOKEN}/accept", "/api/v1/consent/[redacted]/accept"),
    (f"/password/reset/MQ/{RESET_TOKEN}/", "/password/reset/MQ/[redacted]/"),
    (f"/invitation/{INVITATION_TOKEN}/", "/invitation/[redacted]:1tXyZq:[redacted]/"),
    (f"/login/?next=/consent/{CONSENT_TOKEN}/", "/login/?next=/consent/[redacted]/"),
])
def test_token_shaped_segments_are_redacted(path, kept):
    assert redact(path) == kept


def test_object_ids_route_names_and_static_files_are_kept():
    for path in (f"/candidates/{CANDIDATE_ID}/", "/api/v1/analytics/positions-stats", "/password/reset/set-password/",
                 "/static/css/app.3f2a9b8c1d12.css", "/consent/settings/retention/"):
        assert redact(path) == path


def _server_handler():
    return next(h for h in logging.getLogger("django.server").handlers if h.get_name() == "django.server")


def test_runservers_access_log_redacts_a_token_path():
    handler = _server_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /consent/{CONSENT_TOKEN}/ HTTP/1.1", "302", "0", extra={"status_code": 302, "request": None},
        )
    finally:
        handler.setStream(previous)
    line = stream.getvalue()
    assert '"GET /consent/[redacted]/ HTTP/1.1" 302 0' in line and CONSENT_TOKEN not in line


def test_the_console_handler_redacts_the_not_found_warning():
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.request").warning("Not Found: %s", f"/invitation/{INVITATION_TOKEN}/")
    finally:
        handler.setStream(previous)
    assert "Not Found: /invitation/[redacted]:1tXyZq:[redacted]/" in stream.getvalue()


def test_gunicorns_access_log_redacts_the_request_line_and_the_referer(tmp_path):
    log_file = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log_file))
    logger = RedactingGunicornLogger(config)
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/consent/{CONSENT_TOKEN}/?lang=fr", "PATH_INFO": f"/consent/{CONSENT_TOKEN}/",
        "QUERY_STRING": "lang=fr", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": f"https://aihm.example/password/reset/MQ/{RESET_TOKEN}/", "HTTP_USER_AGENT": "Firefox/140",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", "/consent/0a1b2c3d4e5f/")])
    logger.access(response, [("Referer", environ["HTTP_REFERER"])], environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log_file.read_text()
    assert '"GET /consent/[redacted]/?lang=fr HTTP/1.1" 302' in line
    assert f'"https://aihm.example/password/reset/MQ/{REDACTED}/"' in line and "203.0.113.7" in line
    assert CONSENT_TOKEN not in line and RESET_TOKEN not in line


def test_every_gunicorn_the_product_starts_uses_the_redacting_logger():
    base = Path(settings.BASE_DIR)
    cmd = next(line for line in (base / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    command = json.loads(cmd[len("CMD "):])
    assert command[0] == "gunicorn"
    assert command[command.index("--logger-class") + 1] == "aihm.access_log.RedactingGunicornLogger"
    for compose in base.glob("docker-compose*.yml"):
        runs_gunicorn = [line for line in compose.read_text().splitlines() if "gunicorn" in line.split("#")[0]]
        assert all("aihm.access_log.RedactingGunicornLogger" in line for line in runs_gunicorn), compose.name
