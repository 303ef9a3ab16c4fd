"""Operations commands: create_admin, seed, run (web + worker + beat) and the backup script."""

import gzip
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connections

from accounts.management.commands import create_admin as create_admin_module
from accounts.management.commands import seed as seed_module
from accounts.models import AuditLog, Role, Tenant, User
from aihm.tenancy import PRIVILEGED_DB, bypassing_rls, current_tenant_id
from tests import factories

BASE_DIR = Path(settings.BASE_DIR)
STRONG_PASSWORD = "Stronger-Horse-42"


def run_command(name, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- create_admin ---

# Staff accounts are written through the privileged connection: these tests commit, then flush.
staff_writes = pytest.mark.django_db(transaction=True, databases=["default", "privileged"])

@pytest.fixture
def admin_env(monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "Olga.Ops@AIHM.test")
    monkeypatch.setenv("ADMIN_FULL_NAME", "Olga Ops")
    monkeypatch.setenv("ADMIN_PASSWORD", STRONG_PASSWORD)
    return monkeypatch


@staff_writes
def test_create_admin_without_input_makes_a_staff_superuser_from_the_environment(admin_env):
    out, _ = run_command("create_admin", interactive=False)
    user = bypassing_rls(User).get(email="olga.ops@aihm.test")
    assert (user.tenant_id, user.is_staff, user.is_superuser, user.full_name) == (None, True, True, "Olga Ops")
    assert user.check_password(STRONG_PASSWORD)
    assert "olga.ops@aihm.test created" in out


@staff_writes
def test_create_admin_twice_leaves_one_account(admin_env):
    run_command("create_admin", interactive=False)
    admin_env.setenv("ADMIN_EMAIL", "OLGA.OPS@aihm.test")
    out, _ = run_command("create_admin", interactive=False)
    assert "already exists" in out
    assert bypassing_rls(User).filter(email="olga.ops@aihm.test").count() == 1


@staff_writes
@pytest.mark.parametrize(("variable", "value", "message"), [
    ("ADMIN_EMAIL", None, "ADMIN_EMAIL"),
    ("ADMIN_EMAIL", "not-an-email", "valid email"),
    ("ADMIN_PASSWORD", None, "ADMIN_PASSWORD"),
    ("ADMIN_FULL_NAME", None, "ADMIN_FULL_NAME"),
    ("ADMIN_PASSWORD", "password123", "too weak"),
    ("ADMIN_PASSWORD", "olga.ops@aihm", "too weak"),
])
def test_create_admin_without_input_refuses_missing_or_weak_values(admin_env, variable, value, message):
    if value is None:
        admin_env.delenv(variable)
    else:
        admin_env.setenv(variable, value)
    with pytest.raises(CommandError, match=message):
        run_command("create_admin", interactive=False)
    assert not bypassing_rls(User).filter(is_staff=True).exists()


@staff_writes
def test_create_admin_asks_again_until_the_answers_are_valid(monkeypatch):
    answers = iter(["no-at-sign", "Ines@AIHM.test", "Ines Ops"])
    passwords = iter(["first-Horse-42", "other-Horse-42", "short", "short", STRONG_PASSWORD, STRONG_PASSWORD])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr(create_admin_module.getpass, "getpass", lambda prompt="": next(passwords))
    _, err = run_command("create_admin")
    assert "valid email" in err and "differ" in err
    assert err.count("Error:") == 3, "the short password was refused too (validator message in the active language)"
    user = bypassing_rls(User).get(email="ines@aihm.test")
    assert user.is_staff and user.is_superuser and user.check_password(STRONG_PASSWORD)


@staff_writes
def test_create_admin_without_a_terminal_fails_clearly(monkeypatch):
    def no_terminal(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    with pytest.raises(CommandError, match="--no-input"):
        run_command("create_admin")


@staff_writes
def test_create_admin_does_not_touch_an_existing_member(admin_env, admin_a):
    admin_env.setenv("ADMIN_EMAIL", admin_a.email.upper())
    out, _ = run_command("create_admin", interactive=False)
    assert "not staff" in out
    admin_a.refresh_from_db()
    assert not admin_a.is_staff and admin_a.tenant_id is not None


# --- seed ---

DEMO_LOGINS = {
    "admin@demo.aihm.test": Role.ADMIN,
    "recruteur@demo.aihm.test": Role.RECRUITER,
    "lecteur@demo.aihm.test": Role.VIEWER,
}


def seeded_state():
    users = bypassing_rls(User).order_by("email").values_list("email", "tenant__name", "role", "is_staff", "is_active", "password")
    return list(Tenant.objects.values_list("id", "name")), list(users)


@pytest.fixture
def no_seed_password(monkeypatch):
    monkeypatch.delenv("SEED_PASSWORD", raising=False)


@staff_writes
def test_seed_creates_the_demo_company_its_members_and_a_staff_member(no_seed_password):
    out, _ = run_command("seed")
    tenant = Tenant.objects.get(name="Demo Recrutement")
    for email, role in DEMO_LOGINS.items():
        user = bypassing_rls(User).get(email=email)
        assert (user.tenant_id, user.role, user.is_active, user.is_staff) == (tenant.pk, role, True, False)
        assert user.check_password(seed_module.DEFAULT_DEMO_PASSWORD)
    staff = bypassing_rls(User).get(email="staff@aihm.test")
    assert (staff.tenant_id, staff.is_staff, staff.is_superuser) == (None, True, True)
    assert staff.check_password(seed_module.DEFAULT_DEMO_PASSWORD)
    assert settings.FRONTEND_URL + "/" in out
    assert seed_module.DEFAULT_DEMO_PASSWORD in out
    for email in [*DEMO_LOGINS, "staff@aihm.test"]:
        assert email in out


@staff_writes
def test_seed_twice_gives_the_same_state_without_changing_passwords(no_seed_password):
    run_command("seed")
    first = seeded_state()
    run_command("seed")
    assert seeded_state() == first, "a second run changes nothing (not even a password hash: no one is signed out)"


@staff_writes
def test_seed_puts_changed_demo_users_back(no_seed_password):
    run_command("seed")
    recruiter = bypassing_rls(User).get(email="recruteur@demo.aihm.test")
    recruiter.role, recruiter.is_active = Role.VIEWER, False
    recruiter.set_password("Something-Else-77")
    recruiter.save()
    run_command("seed")
    recruiter.refresh_from_db()
    assert (recruiter.role, recruiter.is_active) == (Role.RECRUITER, True)
    assert recruiter.check_password(seed_module.DEFAULT_DEMO_PASSWORD)


@staff_writes
def test_seed_uses_seed_password_and_does_not_print_it(monkeypatch):
    monkeypatch.setenv("SEED_PASSWORD", "Chosen-Demo-Pass-91")
    out, _ = run_command("seed")
    assert bypassing_rls(User).get(email="lecteur@demo.aihm.test").check_password("Chosen-Demo-Pass-91")
    assert "Chosen-Demo-Pass-91" not in out


@staff_writes
def test_seed_refuses_a_weak_seed_password(monkeypatch):
    monkeypatch.setenv("SEED_PASSWORD", "12345678901")
    with pytest.raises(CommandError, match="too weak"):
        run_command("seed")
    assert not Tenant.objects.exists()


@staff_writes
def test_seed_refuses_the_public_password_in_production(no_seed_password, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="SEED_PASSWORD"):
        run_command("seed")


@staff_writes
def test_seed_refuses_to_take_over_an_account_of_another_company(no_seed_password, tenant_b):
    factories.UserFactory(tenant=tenant_b, email="lecteur@demo.aihm.test")
    with pytest.raises(CommandError, match="outside the demo company"):
        run_command("seed")


@staff_writes
def test_seed_runs_each_app_demo_inside_the_demo_company(no_seed_password, monkeypatch):
    """Later apps add a `demo.seed_demo(company)`; it runs in the demo tenant's context."""
    seen = []

    class FakeDemoModule:
        @staticmethod
        def seed_demo(company):
            seen.append((current_tenant_id(), company.recruiter.email))

    monkeypatch.setattr(seed_module, "module_has_submodule", lambda module, name: module.__name__ == "accounts")
    monkeypatch.setattr(seed_module, "import_module", lambda name: FakeDemoModule)
    run_command("seed")
    tenant = Tenant.objects.get(name="Demo Recrutement")
    assert seen == [(str(tenant.pk), "recruteur@demo.aihm.test")]


@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_seed_registers_the_company_through_the_service(no_seed_password):
    run_command("seed")
    tenant = Tenant.objects.get(name="Demo Recrutement")
    assert bypassing_rls(AuditLog).filter(action="tenant.registered", tenant=tenant).count() == 1


# --- run: web + worker + beat in one command ---

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout, step=0.2):
    """Poll a condition until it holds or the time is up (bounded waiting, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def health_status(port):
    try:
        with urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return response.status
    except OSError:  # refused, reset, or an HTTP error (URLError and HTTPError are OSErrors)
        return None


def processes_in_session(session_id):
    """Pids of live processes in a session (Linux /proc): what a child left behind."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def embedded_env(tmp_path):
    """The local demo's environment: SQLite and the filesystem broker under a temporary var dir,
    whatever the test run itself uses; migrated once."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "SENTRY_DSN", "ENVIRONMENT"):
        env.pop(name, None)
    sqlite_url = f"sqlite:///{tmp_path / 'aihm.sqlite3'}"
    env.update(
        AIHM_VAR_DIR=str(tmp_path), DATABASE_URL=sqlite_url, DATABASE_PRIVILEGED_URL=sqlite_url,
        REDIS_URL="", S3_BUCKET="", DEBUG="false", HOST="127.0.0.1", PYTHONUNBUFFERED="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR, env=env, check=True, timeout=120,
    )
    return env


def start_run(env, tmp_path, port, *options):
    log_path = tmp_path / "run.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run", *options], cwd=BASE_DIR, env={**env, "PORT": str(port)},
        stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    return process, log_path


def child_pids(log_path):
    text = log_path.read_text(errors="replace")
    marker = "Started the web server"
    if marker not in text:
        return None
    line = text[text.index(marker):].splitlines()[0]
    return [int(part.split(")")[0]) for part in line.split("(pid ")[1:]]


needs_posix = pytest.mark.skipif(not Path("/proc").is_dir() or not hasattr(os, "killpg"), reason="needs POSIX signals and /proc")


@pytest.fixture
def running_app(embedded_env, tmp_path):
    """`manage.py run` serving on a free port, with the worker ready and beat started."""
    port = free_port()
    process, log_path = start_run(embedded_env, tmp_path, port)
    try:
        assert wait_until(lambda: health_status(port) == 200, timeout=60), log_path.read_text()
        ready = lambda: "ready." in log_path.read_text() and "beat: Starting" in log_path.read_text()  # noqa: E731
        assert wait_until(ready, timeout=60), log_path.read_text()
        yield process, log_path, port, child_pids(log_path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@needs_posix
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_serves_and_stops_web_worker_and_beat_cleanly(running_app, stop_signal):
    process, log_path, port, (web_pid, worker_pid) = running_app
    process.send_signal(stop_signal)
    assert process.wait(timeout=40) == 0, log_path.read_text()
    log = log_path.read_text()
    assert "Warm shutdown" in log and "Stopped cleanly." in log
    assert processes_in_session(web_pid) == [] and processes_in_session(worker_pid) == [], "nothing is left running"
    assert health_status(port) is None


@needs_posix
def test_run_kills_everything_on_a_second_ctrl_c(running_app):
    process, log_path, port, (web_pid, worker_pid) = running_app
    process.send_signal(signal.SIGINT)
    # Two signals sent at once may arrive as one: the second goes once the stop has begun.
    assert wait_until(lambda: "Warm shutdown" in log_path.read_text(), timeout=20), log_path.read_text()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=40) == 1, log_path.read_text()
    assert "killing" in log_path.read_text()
    assert processes_in_session(web_pid) == [] and processes_in_session(worker_pid) == []


@needs_posix
def test_run_restarts_a_killed_worker_and_keeps_serving_meanwhile(running_app):
    process, log_path, port, (web_pid, worker_pid) = running_app
    os.kill(worker_pid, signal.SIGKILL)
    restarted = lambda: "Restarted the worker process" in log_path.read_text()  # noqa: E731
    statuses = []
    deadline = time.monotonic() + 30
    while not restarted() and time.monotonic() < deadline:
        statuses.append(health_status(port))
        time.sleep(0.2)
    assert restarted(), log_path.read_text()
    assert statuses and set(statuses) == {200}, "the web server answered all along"
    log = log_path.read_text()
    assert "The worker process exited with code -9; restarting it in 1 s" in log
    new_worker_pid = int(log.split("Restarted the worker process (pid ")[1].split(")")[0])
    assert new_worker_pid != worker_pid and processes_in_session(worker_pid) == [], "the old pool went with it"
    assert wait_until(lambda: log_path.read_text().count("ready.") >= 2, timeout=60), log_path.read_text()
    assert process.poll() is None
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=40) == 0, log_path.read_text()
    assert processes_in_session(web_pid) == [] and processes_in_session(new_worker_pid) == []


@needs_posix
def test_run_stops_the_worker_and_fails_when_the_web_server_keeps_failing_to_start(embedded_env, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process, log_path = start_run(embedded_env, tmp_path, taken.getsockname()[1], "--max-restarts", "1")
        try:
            assert process.wait(timeout=60) != 0, log_path.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    log = log_path.read_text()
    assert "restarting it in 1 s" in log and "Restarted the web process" in log
    assert "the web process exited with code 1, 2 times in a row; stopped the rest." in log
    web_pid, worker_pid = child_pids(log_path)
    assert processes_in_session(worker_pid) == []


# --- backup ---

def privileged_url():
    """The owner role's URL for the test database (its name is set by the test setup)."""
    db = connections[PRIVILEGED_DB].settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_backup(backup_dir, database_url, keep=None):
    env = {**os.environ, "DATABASE_PRIVILEGED_URL": database_url, "BACKUP_DIR": str(backup_dir)}
    if keep is not None:
        env["BACKUP_KEEP"] = str(keep)
    return subprocess.run(
        ["bash", str(BASE_DIR / "scripts" / "backup.sh")], env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=["default", "privileged"])
def test_backup_dumps_every_company_and_keeps_the_newest_dumps(tmp_path, tenant_a, tenant_b):
    from aihm.tenancy import tenant_context

    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant.pk):
            factories.AuditLogFactory(action=f"backup.marker.{tenant.name.lower()}")
    old_names = [f"aihm-2020010{day}T000000Z.sql.gz" for day in range(1, 5)]
    for name in old_names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a dump")

    result = run_backup(tmp_path, privileged_url(), keep=3)

    assert result.returncode == 0, result.stderr
    dumps = sorted(p.name for p in tmp_path.glob("aihm-*.sql.gz"))
    assert len(dumps) == 3 and dumps[:2] == old_names[2:], "the newest 3 are kept, the new one among them"
    assert (tmp_path / "notes.txt").exists(), "rotation removes only dumps"
    assert not list(tmp_path.glob(".*partial"))
    sql = gzip.decompress((tmp_path / dumps[-1]).read_bytes()).decode()
    assert "CREATE TABLE" in sql
    for table in ("accounts_tenant", "accounts_user", "accounts_auditlog"):
        assert f'"{table}"' in sql
    assert "backup.marker.acme" in sql and "backup.marker.globex" in sql, "the owner role dumps every tenant's rows"
    assert "ROW LEVEL SECURITY" in sql and "CREATE POLICY" in sql


@pytest.mark.postgres
def test_backup_fails_loudly_and_leaves_no_file(tmp_path):
    broken_url = privileged_url().rsplit("/", 1)[0] + "/no_such_database_for_aihm"
    result = run_backup(tmp_path, broken_url)
    assert result.returncode != 0
    assert "no_such_database_for_aihm" in result.stderr
    assert list(tmp_path.iterdir()) == []
