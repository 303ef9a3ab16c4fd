"""Production settings: Django's deployment checks pass, unsafe settings refuse to start, and
Sentry is sent nothing personal."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from aihm import observability

BASE_DIR = Path(settings.BASE_DIR)


def production_env(tmp_path, **overrides):
    """A production environment with strong secrets, on SQLite so no server is needed (a
    single-host install that allows every embedded part)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SENTRY_"))}
    env.update(
        ENVIRONMENT="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        JWT_SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="aihm.example.com",
        FRONTEND_URL="https://aihm.example.com",
        AIHM_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'aihm.sqlite3'}",
        DATABASE_PRIVILEGED_URL=f"sqlite:///{tmp_path / 'aihm.sqlite3'}",
        REDIS_URL="",
        S3_BUCKET="",
        ALLOW_SINGLE_HOST="true",
    )
    env = {key: value for key, value in env.items() if key not in _EARLIER_NAMES}
    env.update(overrides)
    return env


# Names the earlier implementation used, read as aliases; a developer's shell must not leak them in.
_EARLIER_NAMES = ("S3_ENDPOINT", "TWILIO_PHONE_NUMBER", "EMAIL_BACKEND", "RESEND_API_KEY", "CORS_ORIGINS")


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


def test_deployment_checks_pass_without_a_single_warning(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(("overrides", "named"), [
    ({"DEBUG": "true"}, "DEBUG"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SECRET_KEY": "change-me-" + "x" * 60}, "SECRET_KEY"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"JWT_SECRET_KEY": "change-me"}, "JWT_SECRET_KEY"),
    ({"JWT_SECRET_KEY": None}, "JWT_SECRET_KEY must differ from SECRET_KEY"),
])
def test_production_refuses_to_start_with_unsafe_settings(tmp_path, overrides, named):
    env = production_env(tmp_path)
    if overrides.get("JWT_SECRET_KEY", "") is None:
        overrides = {"JWT_SECRET_KEY": env["SECRET_KEY"]}
    env.update(overrides)
    result = manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr
    assert not (tmp_path / "secret_key.txt").exists(), "production never invents a secret"


def test_production_refuses_every_embedded_part_and_names_what_to_set(tmp_path):
    result = manage(production_env(tmp_path, ALLOW_SINGLE_HOST=""), "check")
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "Refusing to start in production on development parts" in message
    for missing in ("DATABASE_URL", "REDIS_URL", "RESEND_API_KEY", "S3_BUCKET"):
        assert missing in message
    assert "ALLOW_SINGLE_HOST=database,cache,email,media" in message


def test_a_single_host_install_allows_parts_by_name_and_is_refused_the_others(tmp_path):
    env = production_env(tmp_path, ALLOW_SINGLE_HOST="database,cache,media")
    result = manage(env, "check")
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "email is not sent" in message and "ALLOW_SINGLE_HOST=email" in message
    assert "SQLite" not in message and "REDIS_URL" not in message and "S3_BUCKET" not in message
    env["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    assert manage(env, "check").returncode == 0


def test_single_host_allowance_with_an_unknown_part_is_refused(tmp_path):
    result = manage(production_env(tmp_path, ALLOW_SINGLE_HOST="databse"), "check")
    assert result.returncode != 0 and "ALLOW_SINGLE_HOST names unknown parts ['databse']" in result.stderr


def test_development_runs_on_embedded_parts_without_being_told(tmp_path):
    env = production_env(tmp_path, ENVIRONMENT="development", ALLOW_SINGLE_HOST="")
    assert manage(env, "check").returncode == 0


def test_the_earlier_implementations_variable_names_are_read_as_aliases(tmp_path):
    env = production_env(
        tmp_path, ENVIRONMENT="development", S3_BUCKET="aihm-media", S3_ENDPOINT="http://127.0.0.1:9000",
        TWILIO_PHONE_NUMBER="+212500000001", CORS_ORIGINS='["https://app.example.com", "https://b.example.com"]',
        DATABASE_URL="postgresql+asyncpg://aihm_app:secret@db.example.com:5433/aihm?ssl=require",
        DATABASE_PRIVILEGED_URL="postgresql+psycopg://aihm:owner@db.example.com:5433/aihm",
    )
    probe = (
        "from django.conf import settings as s; d, p = s.DATABASES['default'], s.DATABASES['privileged']; "
        "print(s.STORAGES['default']['OPTIONS']['endpoint_url'], s.TWILIO_FROM_NUMBER, ','.join(s.CORS_ALLOWED_ORIGINS), "
        "d['ENGINE'], d['USER'], d['HOST'], d['PORT'], d['NAME'], d['OPTIONS'].get('sslmode'), p['ENGINE'], p['USER'])"
    )
    result = manage(env, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "http://127.0.0.1:9000", "+212500000001", "https://app.example.com,https://b.example.com",
        "aihm.database", "aihm_app", "db.example.com", "5433", "aihm", "require",
        "django.db.backends.postgresql", "aihm",
    ]


def test_our_names_win_over_the_aliases_and_comma_separated_origins_still_work(tmp_path):
    env = production_env(
        tmp_path, ENVIRONMENT="development", TWILIO_FROM_NUMBER="+212500000002", TWILIO_PHONE_NUMBER="+212500000001",
        CORS_ORIGINS="https://app.example.com, https://b.example.com",
    )
    probe = "from django.conf import settings as s; print(s.TWILIO_FROM_NUMBER, '|'.join(s.CORS_ALLOWED_ORIGINS))"
    result = manage(env, "shell", "--no-imports", "-c", probe)
    assert result.stdout.split() == ["+212500000002", "https://app.example.com|https://b.example.com"], result.stderr


def test_production_allows_no_host_unless_told(tmp_path):
    env = production_env(tmp_path)
    del env["ALLOWED_HOSTS"]
    result = manage(env, "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.ALLOWED_HOSTS)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_scrub_event_removes_everything_personal():
    event = {
        "request": {
            "url": "https://aihm.example.com/api/v1/candidates/1",
            "method": "POST",
            "data": {"full_name": "Jane Candidate"},
            "cookies": {"sessionid": "abc"},
            "query_string": "email=jane@example.com",
            "env": {"REMOTE_ADDR": "203.0.113.9"},
            "headers": {
                "Authorization": "Bearer secret-token",
                "Cookie": "sessionid=abc",
                "X-Twilio-Signature": "sig",
                "X-Forwarded-For": "203.0.113.9",
                "User-Agent": "pytest",
            },
        },
        "user": {"id": "1", "email": "jane@example.com", "ip_address": "203.0.113.9"},
        "breadcrumbs": {"values": [{"category": "query", "message": "SELECT 1", "data": {"params": ["jane"]}}]},
    }
    scrubbed = observability.scrub_event(event, hint={})
    request = scrubbed["request"]
    assert {"data", "cookies", "query_string", "env"}.isdisjoint(request)
    assert request["headers"] == {"User-Agent": "pytest"}
    assert "user" not in scrubbed
    assert "data" not in scrubbed["breadcrumbs"]["values"][0]
    for secret in ("Jane", "jane@", "secret-token", "sessionid", "203.0.113.9"):
        assert secret not in repr(scrubbed)


def test_sentry_is_initialised_without_personal_data(monkeypatch):
    calls = []
    monkeypatch.setattr(observability.sentry_sdk, "init", lambda **options: calls.append(options))
    observability.init_sentry("https://public@sentry.example.com/1", "production")
    [options] = calls
    assert options["send_default_pii"] is False
    assert options["before_send"] is observability.scrub_event
    assert options["max_request_body_size"] == "never"
    assert options["environment"] == "production"


def test_settings_initialise_sentry_only_when_a_dsn_is_given(tmp_path):
    probe = (
        "import sentry_sdk; from django.conf import settings; "
        "print(settings.SENTRY_DSN or 'off', sentry_sdk.get_client().is_active())"
    )
    off = manage(production_env(tmp_path), "shell", "--no-imports", "-c", probe)
    assert off.stdout.split() == ["off", "False"], off.stderr
    on = manage(production_env(tmp_path, SENTRY_DSN="https://public@127.0.0.1:9/1"), "shell", "--no-imports", "-c", probe)
    assert on.stdout.split() == ["https://public@127.0.0.1:9/1", "True"], on.stderr


def test_env_example_documents_every_variable_the_settings_and_compose_read():
    """A variable added to the settings or to Compose must be documented in .env.example."""
    import re

    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    read_by_settings = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', (BASE_DIR / "aihm" / "settings.py").read_text()))
    compose_text = "".join((BASE_DIR / name).read_text() for name in ("docker-compose.yml", "docker-compose.prod.yml"))
    read_by_compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose_text))
    assert read_by_settings, "the settings read their configuration with env.<type>(\"NAME\")"
    assert read_by_settings - documented == set()
    assert read_by_compose - documented == set()


def load_compose(name):
    """A compose file, understanding Compose's `!reset` tag (no Docker engine needed)."""
    yaml = pytest.importorskip("yaml")

    class ComposeLoader(yaml.SafeLoader):
        pass

    ComposeLoader.add_constructor("!reset", lambda loader, node: ("!reset", loader.construct_sequence(node)))
    return yaml.load((BASE_DIR / name).read_text(), Loader=ComposeLoader)


def test_compose_files_wire_the_two_database_roles_and_production_publishes_only_the_web_server():
    base, production = load_compose("docker-compose.yml"), load_compose("docker-compose.prod.yml")
    services = base["services"]
    assert {"db", "redis", "minio", "minio-init", "backend", "celery-worker", "celery-beat", "db-backup"} <= set(services)
    assert set(production["services"]) <= set(services)
    for name in ("backend", "celery-worker", "celery-beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://${AIHM_DB_APP_USER:-aihm_app}:")
        assert environment["DATABASE_PRIVILEGED_URL"].startswith("postgres://${AIHM_DB_OWNER:-aihm}:")
        production_environment = production["services"][name]["environment"]
        assert (production_environment["ENVIRONMENT"], production_environment["DEBUG"]) == ("production", "false")
        assert production_environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert production["services"][name]["restart"] == "always"
    assert services["backend"]["environment"]["AIHM_MIGRATE"] == "1"
    assert "AIHM_MIGRATE" not in services["celery-worker"]["environment"]
    for name in ("db", "redis", "minio"):
        assert production["services"][name]["ports"] == ("!reset", []), f"{name} is published in production"
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert (BASE_DIR / source).exists() if source.startswith(".") else source in base["volumes"], (name, source)
