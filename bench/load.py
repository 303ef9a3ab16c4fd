"""Load benchmark of the API and the dashboard: gunicorn on the production settings, PostgreSQL
as the runtime role with row-level security, Redis, traffic from a second process on 127.0.0.1.

    .venv/bin/python bench/load.py [--duration 10] [--connections 16] [--threads 2] [--rounds 3]
                                   [--scale 1.0] [--keep-db] [--app-dir DIR] [--generator auto|wrk|python]

One command, which cleans up after itself:
1. creates its own database (`--db-name`, default aihm_bench) with the two roles
   (scripts/pg_roles.sh, as the PostgreSQL superuser $PGSUPERUSER, default postgres), migrates it
   and collects the static files, as the image's build does;
2. seeds the data set (bench/load_app.py seed): 20 companies, 200 positions, 10,000 candidates,
   one position with 2,000 of them (times --scale), the same on every run;
3. signs a recruiter in (a bearer token, a session cookie) and counts each route's queries in
   process (bench/load_app.py probe);
4. starts gunicorn as the Dockerfile's ENTRYPOINT and CMD run it (same module, same flags, the
   workers and threads that the Dockerfile and docker-compose.prod.yml give it), bound to 127.0.0.1;
5. warms each route up, then loads each route in turn, `--rounds` times interleaved, with wrk
   (when installed) or a bounded Python generator, and samples the server's memory throughout;
6. prints req/s, p50 and p99 per route beside the targets, the queries per request and the peak
   memory; stops gunicorn, empties its Redis database and drops the database (unless --keep-db).

`--app-dir` runs the same benchmark against another checkout (a `git worktree` of an older
commit): its code, migrations, Dockerfile and compose files; this script and its seed stay the same.
"""

import argparse
import json
import math
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"
OWNER_ROLE, APP_ROLE = "aihm", "aihm_app"
REQUEST_TIMEOUT_S = 2.0

# name, path (filled from the seed's ids), how it signs in, the API route it is the page twin of
ROUTES = [
    ("API candidate list", "/api/v1/positions/{big_position_id}/candidates?page_size=20", "bearer", None),
    ("API candidate detail", "/api/v1/candidates/{candidate_id}", "bearer", None),
    ("API positions", "/api/v1/positions?page_size=20", "bearer", None),
    ("page candidate list", "/positions/{big_position_id}/candidates/", "session", "API candidate list"),
    ("page candidate detail", "/candidates/{candidate_id}/", "session", "API candidate detail"),
    ("page positions", "/positions/", "session", "API positions"),
    ("page dashboard home", "/", "session", None),
    ("page report", "/interviews/{interview_id}/report/", "session", None),
    ("API analytics overview", "/api/v1/analytics/overview", "bearer", None),
    # The floor: a signed-in request that reads nothing but its own account (one query).
    ("API me", "/api/v1/auth/me", "bearer", None),
]
TARGET_RPS = {"API candidate list": 300, "API candidate detail": 800, "API positions": 300}
PAGE_SHARE_OF_TWIN = 0.5
TARGET_P99_MS = 100


class BenchError(Exception):
    pass


def log(message):
    print(message, flush=True)


# --- The server's environment ---------------------------------------------------------------


def server_environment(app_dir, *, db_name, redis_url, var_dir, port, extra):
    """Everything the web server (and the seed and probe, which must agree with it) runs with.

    Built from nothing but PATH/HOME/LANG, so that the caller's shell (a DATABASE_URL, a .env)
    cannot leak in. In order, later winning:
    1. the Dockerfile's ENV lines (PYTHONUNBUFFERED, ...);
    2. the `backend` service's environment in docker-compose.yml then docker-compose.prod.yml,
       with Compose's `${VAR:-default}` defaults (ENVIRONMENT=production, DEBUG=false,
       WEB_CONCURRENCY and whatever else the production file sets for the web process), minus
       the S3_* variables: there is no object store here, the routes measured never touch files,
       and media stay in a local folder;
    3. what this machine needs instead of the production services, below;
    4. --server-env KEY=VALUE, for trying other settings (WEB_CONCURRENCY=4, GUNICORN_CMD_ARGS=...).
    """
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if key in os.environ}
    # The benchmark's interpreter (the project's virtualenv) provides python and gunicorn.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env.update(dockerfile(app_dir)["env"])
    env.update({key: value for key, value in compose_backend_environment(app_dir).items() if not key.startswith("S3_")})
    env.update({
        # Production settings, as the image runs them; the application comes from the checkout.
        "ENVIRONMENT": "production",
        "DEBUG": "false",
        "PYTHONPATH": str(app_dir),
        "DJANGO_SETTINGS_MODULE": "aihm.settings",
        # Throw-away secrets: production refuses to start without two distinct random ones.
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SECRET_KEY": secrets.token_urlsafe(64),
        # Only 127.0.0.1 is served. The clients send `X-Forwarded-Proto: https` as the TLS proxy
        # in front of production does, so SECURE_SSL_REDIRECT and the secure cookies stay on.
        "ALLOWED_HOSTS": HOST,
        "FRONTEND_URL": f"https://{HOST}",
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        # The benchmark's own database: the runtime role (no BYPASSRLS) serves, the owner migrates.
        "DATABASE_URL": f"postgres://{APP_ROLE}@{HOST}:{os.environ.get('PGPORT', '5432')}/{db_name}",
        "DATABASE_PRIVILEGED_URL": f"postgres://{OWNER_ROLE}@{HOST}:{os.environ.get('PGPORT', '5432')}/{db_name}",
        # Cache (throttles, sessions if cached), and broker: the local Redis, a database of its own.
        "REDIS_URL": redis_url,
        # No mail service and no object store here: the production guard refuses the console
        # email backend and local media unless a single host allows them by name (the database
        # and the cache stay real: PostgreSQL and Redis). The routes measured send no mail and
        # read no file.
        "ALLOW_SINGLE_HOST": "email,media",
        # The files the embedded parts keep (media folder, ...) go to the run's temporary folder.
        "AIHM_VAR_DIR": str(var_dir),
        # The benchmark migrates before the server starts; the entrypoint need not.
        "AIHM_MIGRATE": "0",
        "PORT": str(port),
        # One recruiter sends thousands of requests a minute: the per-user API throttle
        # (600/min) would answer 429. Its cost, a Redis round trip per request, is still paid.
        "THROTTLE_USER": "100000000/min",
        # The access token must outlive the run (default 15 minutes).
        "JWT_ACCESS_MINUTES": "720",
    })
    env.update(extra)
    return env


def dockerfile(app_dir):
    """ENV, WORKDIR, ENTRYPOINT and CMD of the Dockerfile's last stage."""
    text = re.sub(r"\\\n", " ", (app_dir / "Dockerfile").read_text())
    found = {"env": {}, "workdir": "/", "entrypoint": [], "cmd": []}
    for line in text.splitlines():
        keyword, _, rest = line.strip().partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            found = {"env": {}, "workdir": "/", "entrypoint": [], "cmd": []}
        elif keyword == "ENV":
            words = shlex.split(rest)
            if words and "=" not in words[0]:
                found["env"][words[0]] = " ".join(words[1:])
            else:
                found["env"].update(word.split("=", 1) for word in words if "=" in word)
        elif keyword == "WORKDIR":
            found["workdir"] = rest
        elif keyword in ("ENTRYPOINT", "CMD"):
            words = json.loads(rest) if rest.startswith("[") else ["sh", "-c", rest]
            found[keyword.lower()] = words
            if keyword == "ENTRYPOINT":
                found["cmd"] = []  # Docker resets CMD when ENTRYPOINT is set after it
    return found


def server_command(app_dir, port):
    """The Dockerfile's ENTRYPOINT + CMD, with the image's WORKDIR mapped onto the checkout and
    the bind address (0.0.0.0:8000 in the image) replaced by 127.0.0.1:port."""
    image = dockerfile(app_dir)
    workdir = image["workdir"].rstrip("/") + "/"
    words = [str(app_dir / word[len(workdir):]) if workdir != "/" and word.startswith(workdir) else word
             for word in image["entrypoint"] + image["cmd"]]
    command, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("--bind", "-b"):
            skip = True
        elif not word.startswith("--bind="):
            command.append(word)
    if "gunicorn" not in " ".join(command):
        raise BenchError(f"the Dockerfile does not run gunicorn: {command}")
    return command + ["--bind", f"{HOST}:{port}"]


def compose_loader():
    """yaml.SafeLoader that also reads Compose's `!reset` and `!override` tags."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def untagged(loader, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    for tag in ("!reset", "!override"):
        Loader.add_constructor(tag, untagged)
    return Loader


def compose_backend_environment(app_dir):
    """The web service's variables in docker-compose.yml + docker-compose.prod.yml, with their
    Compose defaults; a variable Compose would require (`${X:?...}`) is left to the caller."""
    import yaml

    merged = {}
    for name in ("docker-compose.yml", "docker-compose.prod.yml"):
        path = app_dir / name
        if not path.exists():
            continue
        document = yaml.load(path.read_text(), Loader=compose_loader()) or {}
        environment = ((document.get("services") or {}).get("backend") or {}).get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
        merged.update(environment)
    resolved = {}
    for key, value in merged.items():
        text, required = compose_interpolate("" if value is None else str(value))
        if not required:
            resolved[key] = text
    return resolved


def compose_interpolate(value):
    """(value with no variable set, whether it needs a variable Compose would require)."""
    out, required, i = [], False, 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
        elif value.startswith("${", i):
            depth, j = 1, i + 2
            while j < len(value) and depth:
                depth += {"{": 1, "}": -1}.get(value[j], 0)
                j += 1
            body = value[i + 2 : j - 1]
            match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", body)
            rest = body[match.end():] if match else ""
            if rest.startswith((":?", "?")):
                required = True
            elif rest.startswith((":-", "-")):
                text, inner_required = compose_interpolate(rest[2:] if rest.startswith(":-") else rest[1:])
                out.append(text)
                required = required or inner_required
            i = j
        else:
            out.append(value[i])
            i += 1
    return "".join(out), required


# --- Database, Redis, preparation -----------------------------------------------------------


def superuser_env():
    env = dict(os.environ)
    env.update({"PGHOST": HOST, "PGPORT": os.environ.get("PGPORT", "5432"), "PGUSER": os.environ.get("PGSUPERUSER", "postgres")})
    return env


def psql(sql, database="postgres"):
    subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-d", database, "-c", sql],
                   env=superuser_env(), check=True, capture_output=True, text=True)


def create_database(app_dir, db_name):
    if shutil.which("psql") is None:
        raise BenchError("psql is not installed (the PostgreSQL client)")
    drop_database(db_name)
    script = app_dir / "scripts" / "pg_roles.sh"
    if not script.exists():
        script = BENCH_DIR.parent / "scripts" / "pg_roles.sh"
    result = subprocess.run(["bash", str(script), db_name, OWNER_ROLE, APP_ROLE], env=superuser_env(),
                            capture_output=True, text=True)
    if result.returncode:
        raise BenchError(f"could not create the database {db_name} as {superuser_env()['PGUSER']}: {result.stderr.strip()}")


def drop_database(db_name):
    psql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def redis_client(redis_url):
    import redis

    return redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)


def run_in_app(app_dir, env, args, what, timeout=900):
    started = time.monotonic()
    result = subprocess.run([sys.executable, *args], cwd=app_dir, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise BenchError(f"{what} failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return time.monotonic() - started


def newest_mtime(paths):
    newest = 0.0
    for root in paths:
        for path in root.rglob("*") if root.is_dir() else [root]:
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def prepare_app(app_dir, env):
    """Migrate, collect the static files (the image does it at build time: production serves
    hashed names from a manifest), and compile translations that are older than their .po."""
    log(f"  migrate: {run_in_app(app_dir, env, ['manage.py', 'migrate', '--noinput', '-v0'], 'migrate'):.1f} s")
    manifest = app_dir / "staticfiles" / "staticfiles.json"
    sources = [path for path in app_dir.glob("*/static") if path.parent.name not in (".venv", "staticfiles")]
    if not manifest.exists() or newest_mtime(sources) > manifest.stat().st_mtime:
        log(f"  collectstatic: {run_in_app(app_dir, env, ['manage.py', 'collectstatic', '--noinput', '-v0'], 'collectstatic'):.1f} s")
    stale = [po for po in app_dir.glob("**/locale/*/LC_MESSAGES/*.po")
             if ".venv" not in po.parts and (not po.with_suffix(".mo").exists() or po.stat().st_mtime > po.with_suffix(".mo").stat().st_mtime)]
    if stale:
        run_in_app(app_dir, env, ["manage.py", "compilemessages", "--ignore=.venv", "-v0"], "compilemessages")
        log(f"  compiled {len(stale)} translation file(s)")


# --- The server -----------------------------------------------------------------------------


class Server:
    """gunicorn in its own session; its log (the access log included) goes to a file."""

    def __init__(self, app_dir, env, command, port, log_path):
        self.port, self.log_path = port, log_path
        self.log_file = open(log_path, "wb")
        self.process = subprocess.Popen(command, cwd=app_dir, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _body, _ = http_get(self.port, "/health", {})
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise BenchError(f"gunicorn did not answer /health within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, size=3000):
        self.log_file.flush()
        return Path(self.log_path).read_bytes()[-size:].decode(errors="replace")

    def stop(self):
        """SIGTERM to the master (a graceful stop), SIGKILL to the group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.log_file.close()


class MemorySampler(threading.Thread):
    """Peak of the summed resident size (and proportional size, which counts pages shared by
    the forked workers once) of the gunicorn master and all its descendants, every 0.2 s."""

    def __init__(self, root_pid):
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peak_rss = self.peak_pss = 0
        self.processes = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(0.2):
            pids = process_tree(self.root_pid)
            rss = sum(proc_kib(pid, "status", "VmRSS:") for pid in pids)
            pss = sum(proc_kib(pid, "smaps_rollup", "Pss:") for pid in pids)
            if rss > self.peak_rss:
                self.peak_rss, self.processes = rss, len(pids)
            self.peak_pss = max(self.peak_pss, pss)

    def stop(self):
        self.stopped.set()
        self.join()


def process_tree(root_pid):
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def proc_kib(pid, name, field):
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


# --- Load generation ------------------------------------------------------------------------


def http_get(port, path, headers):
    """One request on a fresh connection: (status, body, Location)."""
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Location")
    finally:
        connection.close()


def check_route(port, route):
    """The route answers 200 (not a redirect to the sign-in page, not an error)."""
    status, body, location = http_get(port, route["path"], route["headers"])
    if status != 200:
        raise BenchError(f"{route['name']}: {route['path']} answered {status}"
                         + (f" -> {location}" if location else f": {body[:300]!r}"))
    return len(body)


def run_wrk(port, route, duration, connections, threads):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", f"--timeout={REQUEST_TIMEOUT_S:g}s"]
    for name, value in route["headers"].items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{route['path']}")
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if result.returncode:
        raise BenchError(f"wrk failed: {result.stderr.strip() or result.stdout.strip()}")
    try:
        return parse_wrk(result.stdout)
    except (AttributeError, KeyError) as error:
        raise BenchError(f"could not read wrk's output ({error!r}):\n{result.stdout}") from error


def parse_wrk(output):
    def milliseconds(text):
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    completed = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": milliseconds(percentiles["50"]),
        "p99": milliseconds(percentiles["99"]),
        "requests": int(completed.group(1)) if completed else 0,
        "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def run_python_generator(port, route, duration, connections, threads):
    """`threads` processes (this script's `_generate`), sharing the connections, as wrk's -t does."""
    spec = {"port": port, "path": route["path"], "headers": route["headers"], "duration": duration}
    processes = []
    for index in range(threads):
        share = connections // threads + (1 if index < connections % threads else 0)
        if share:
            processes.append(subprocess.Popen([sys.executable, __file__, "_generate", json.dumps({**spec, "connections": share})],
                                              stdout=subprocess.PIPE, text=True))
    latencies, errors, elapsed = [], 0, 0.0
    for process in processes:
        output, _ = process.communicate(timeout=duration + 30)
        if process.returncode:
            raise BenchError("the Python load generator failed")
        part = json.loads(output)
        latencies += part["latencies_ms"]
        errors += part["errors"]
        elapsed = max(elapsed, part["elapsed"])
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "requests": len(latencies),
        "errors": errors,
    }


def generate(spec):
    """One load process: `connections` threads, each a keep-alive connection sending GETs until
    the deadline; a request is bounded by REQUEST_TIMEOUT_S. Prints its latencies as JSON."""
    import http.client

    deadline = time.monotonic() + spec["duration"]
    latencies, counters, lock = [], {"errors": 0}, threading.Lock()

    def worker():
        mine, bad = [], 0
        connection = http.client.HTTPConnection(HOST, spec["port"], timeout=REQUEST_TIMEOUT_S)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", spec["path"], headers=spec["headers"])
                response = connection.getresponse()
                response.read()
                mine.append((time.perf_counter() - started) * 1000)
                if not 200 <= response.status < 400:
                    bad += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                bad += 1
                connection.close()
        connection.close()
        with lock:
            latencies.extend(mine)
            counters["errors"] += bad

    started = time.monotonic()
    workers = [threading.Thread(target=worker) for _ in range(spec["connections"])]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    print(json.dumps({"latencies_ms": latencies, "errors": counters["errors"], "elapsed": time.monotonic() - started}))


def percentile(sorted_values, rank):
    """Nearest rank: the smallest value with at least `rank` % of the values at or below it."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(rank / 100 * len(sorted_values)) - 1)]


# --- Report ---------------------------------------------------------------------------------


def summarise(routes, results, queries):
    """Per route: the median of the rounds (and their range), and the targets."""
    rows, medians = [], {}
    for route in routes:
        runs = results[route["name"]]
        medians[route["name"]] = statistics.median(run["rps"] for run in runs)
    for route in routes:
        name, runs = route["name"], results[route["name"]]
        rps = [run["rps"] for run in runs]
        p50 = [run["p50"] for run in runs]
        p99 = [run["p99"] for run in runs]
        if name in TARGET_RPS:
            wanted = TARGET_RPS[name]
            target = f">= {wanted} req/s"
        elif route["twin"] in medians:
            wanted = PAGE_SHARE_OF_TWIN * medians[route["twin"]]
            target = f">= {wanted:.0f} req/s (half the API's)"
        else:
            wanted, target = 0, "-"
        errors = sum(run["errors"] for run in runs)
        met = medians[name] >= wanted and statistics.median(p99) < TARGET_P99_MS and not errors
        rows.append({
            "route": name, "path": route["path"], "rps": rps, "p50": p50, "p99": p99, "errors": errors,
            "queries": queries.get(name), "target": f"{target}, p99 < {TARGET_P99_MS} ms", "met": met,
        })
    return rows


def spread(values, digits=0):
    fmt = f"{{:.{digits}f}}"
    middle = fmt.format(statistics.median(values))
    if len(values) == 1:
        return middle
    return f"{middle} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def print_report(rows, header, memory):
    log("")
    for line in header:
        log(line)
    log("")
    log("| route | req/s | p50 ms | p99 ms | queries | errors | target | met |")
    log("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        log(f"| {row['route']} | {spread(row['rps'])} | {spread(row['p50'], 1)} | {spread(row['p99'], 1)} | "
            f"{row['queries']} | {row['errors']} | {row['target']} | {'yes' if row['met'] else 'NO'} |")
    log("")
    log("req/s, p50, p99: median of the rounds (min-max); queries: per request, every database alias, warm;")
    log("met: the median rate reaches the target, the median p99 is under the limit, and no request failed.")
    log(f"Server memory, peak over the run: {memory.peak_rss / 1024:.0f} MiB resident (sum of {memory.processes} "
        f"gunicorn processes), {memory.peak_pss / 1024:.0f} MiB proportional (shared pages counted once).")


def machine_description():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu})"


def checkout_description(app_dir):
    result = subprocess.run(["git", "-C", str(app_dir), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(app_dir), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return (result.stdout.strip() or "not a git checkout") + (" (with uncommitted changes)" if dirty else "")


# --- Main -----------------------------------------------------------------------------------


def interrupted(signum, frame):
    raise KeyboardInterrupt


def free_port():
    with socket.socket() as probe_socket:
        probe_socket.bind((HOST, 0))
        return probe_socket.getsockname()[1]


def parse_options(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per route and round (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="load generator threads (wrk -t) or processes (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all routes, interleaved (default 3)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load per route before the rounds (default 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="data set size factor (0.1 for a quick run)")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    parser.add_argument("--db-name", default="aihm_bench", help="the benchmark's database, dropped and re-created (default aihm_bench)")
    parser.add_argument("--redis-url", default=f"redis://{HOST}:6379/13", help="a Redis database of the benchmark's own, emptied before and after")
    parser.add_argument("--app-dir", type=Path, default=BENCH_DIR.parent, help="the checkout to measure (default: this one)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto", help="auto: wrk when installed")
    parser.add_argument("--port", type=int, default=0, help="the server's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE", help="an extra variable for the server")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--route", action="append", default=[], metavar="NAME",
                        help="load only the routes whose name holds NAME (repeatable; default: all)")
    options = parser.parse_args(argv)
    if options.duration < 1 or options.warmup < 0 or options.rounds < 1 or options.connections < 1 or options.threads < 1:
        parser.error("--duration, --rounds, --connections and --threads must be positive")
    options.threads = min(options.threads, options.connections)
    unknown = [word for word in options.route if not any(word.casefold() in name.casefold() for name, *_ in ROUTES)]
    if unknown:
        parser.error(f"no route is named like {', '.join(unknown)}: " + "; ".join(name for name, *_ in ROUTES))
    options.app_dir = options.app_dir.resolve()
    if not (options.app_dir / "manage.py").exists():
        parser.error(f"{options.app_dir} is not an AIHM checkout (no manage.py)")
    return options


def seed_and_sign_in(app_dir, env, work, scale, db_name, only=()):
    """Seed the data set, then sign in and count queries in process: (ids, routes, queries)."""
    seed_file, spec_file, probe_file = work / "seed.json", work / "spec.json", work / "probe.json"
    took = run_in_app(app_dir, env, [str(BENCH_DIR / "load_app.py"), "seed", "--scale", str(scale), "--out", str(seed_file)], "seed")
    # A production database has statistics and no dead rows left by its updates (autovacuum keeps
    # both); a freshly seeded one has neither until autovacuum passes: without statistics the
    # planner may pick any index of the table, and the seed's updates leave a dead row beside
    # every candidate they touched.
    psql("VACUUM ANALYZE", database=db_name)
    ids = json.loads(seed_file.read_text())
    log(f"  seeded {ids['companies']} companies, {ids['positions']} positions, {ids['candidates']} candidates "
        f"({ids['big_position_candidates']} in the listed position) in {took:.1f} s")
    routes = [{"name": name, "path": path.format(**ids), "auth": auth, "twin": twin} for name, path, auth, twin in ROUTES
              if not only or any(word.casefold() in name.casefold() for word in only)]
    spec_file.write_text(json.dumps({"host": HOST, "tenant_id": ids["tenant_id"], "user_email": ids["user_email"],
                                     "password": ids["password"], "routes": routes}))
    run_in_app(app_dir, env, [str(BENCH_DIR / "load_app.py"), "probe", "--spec", str(spec_file), "--out", str(probe_file)], "probe")
    probe = json.loads(probe_file.read_text())
    for route in routes:
        answer = probe["routes"][route["name"]]
        if answer["status"] != 200:
            raise BenchError(f"{route['name']}: {route['path']} answered {answer['status']} in process")
        # As behind the TLS proxy of production; the bearer token or the session cookie signs in.
        route["headers"] = {"X-Forwarded-Proto": "https"}
        if route["auth"] == "bearer":
            route["headers"]["Authorization"] = f"Bearer {probe['access']}"
        else:
            route["headers"]["Cookie"] = probe["cookie"]
    return ids, routes, {name: answer["queries"] for name, answer in probe["routes"].items()}


def load_rounds(port, routes, load, options):
    """Warm every route up, then `rounds` passes over the routes, each checked before and after."""
    for route in routes:
        check_route(port, route)
        if options.warmup:
            load(port, route, options.warmup, options.connections, options.threads)
    results = {route["name"]: [] for route in routes}
    for round_number in range(1, options.rounds + 1):
        for route in routes:
            run = load(port, route, options.duration, options.connections, options.threads)
            check_route(port, route)
            results[route["name"]].append(run)
            log(f"  round {round_number}/{options.rounds}  {route['name']:<22} {run['rps']:8.1f} req/s  "
                f"p50 {run['p50']:7.1f} ms  p99 {run['p99']:7.1f} ms  errors {run['errors']}")
    return results


def main(argv):
    options = parse_options(argv)
    generator = options.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    elif generator == "wrk" and not shutil.which("wrk"):
        raise BenchError("wrk is not installed (apt-get install wrk), or use --generator python")
    load = run_wrk if generator == "wrk" else run_python_generator
    signal.signal(signal.SIGTERM, interrupted)  # cleans up as Ctrl-C does

    app_dir = options.app_dir
    busy = os.getloadavg()[0]
    if busy > 0.5:
        log(f"Warning: the load average is {busy:.2f} before the run; the numbers will be noisy on a busy machine.")
    work = Path(tempfile.mkdtemp(prefix="aihm-load-"))
    port = options.port or free_port()
    extra = dict(item.split("=", 1) for item in options.server_env)
    env = server_environment(app_dir, db_name=options.db_name, redis_url=options.redis_url, var_dir=work / "var",
                             port=port, extra=extra)
    command = server_command(app_dir, port)
    tuning = " ".join(f"{key}={env[key]}" for key in sorted(env) if key.startswith(("WEB_", "GUNICORN", "DATABASE_CONN", "DATABASE_POOL")))
    server = memory = None
    created = False
    redis = redis_client(options.redis_url)
    try:
        try:
            redis.ping()
        except Exception as error:
            raise BenchError(f"Redis does not answer at {options.redis_url}: {error}") from error
        redis.flushdb()
        log(f"Checkout: {app_dir} ({checkout_description(app_dir)})")
        log(f"Database {options.db_name}: creating, migrating, seeding (scale {options.scale:g})")
        create_database(app_dir, options.db_name)
        created = True
        prepare_app(app_dir, env)
        ids, routes, queries = seed_and_sign_in(app_dir, env, work, options.scale, options.db_name, options.route)

        log(f"Server: {shlex.join(command)}" + (f" with {tuning}" if tuning else ""))
        server = Server(app_dir, env, command, port, work / "server.log")
        memory = MemorySampler(server.process.pid)
        memory.start()
        server.wait_ready()
        log(f"Load: {generator}, {options.connections} connections, {options.threads} threads, "
            f"{options.duration} s per route, {options.rounds} round(s), after {options.warmup} s of warm-up per route")
        results = load_rounds(port, routes, load, options)
        memory.stop()

        rows = summarise(routes, results, queries)
        gunicorn = command[next((i for i, word in enumerate(command) if "gunicorn" in word), 0):]
        header = [
            f"Checkout: {checkout_description(app_dir)}",
            f"Machine: {machine_description()}, load average {busy:.2f} before the run",
            f"Data: {ids['companies']} companies, {ids['positions']} positions, {ids['candidates']} candidates, "
            f"{ids['big_position_candidates']} in the listed position; page size 20 on the API",
            f"Load: {generator}, {options.connections} connections, {options.threads} threads, "
            f"{options.duration} s x {options.rounds} rounds per route, interleaved",
            f"Server: {shlex.join(gunicorn)}" + (f" with {tuning}" if tuning else ""),
        ]
        print_report(rows, header, memory)
        if options.json:
            options.json.write_text(json.dumps({"header": header, "routes": rows, "memory_mib": {
                "rss": memory.peak_rss / 1024, "pss": memory.peak_pss / 1024, "processes": memory.processes}}, indent=2))
        return 0
    finally:
        if memory is not None and memory.is_alive():
            memory.stop()
        if server is not None:
            server.stop()
        clean_up(redis, options, created)
        shutil.rmtree(work, ignore_errors=True)


def clean_up(redis, options, created):
    try:
        redis.flushdb()
    except Exception as error:
        log(f"could not empty the Redis database {options.redis_url}: {error}")
    if not created:
        return
    if options.keep_db:
        log(f"Kept the database {options.db_name}.")
        return
    try:
        drop_database(options.db_name)
    except subprocess.CalledProcessError as error:
        log(f"could not drop the database {options.db_name}: {error.stderr.strip()}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_generate":
        generate(json.loads(sys.argv[2]))
        sys.exit(0)
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as error:
        print(f"load benchmark: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("load benchmark: interrupted; cleaned up", file=sys.stderr)
        sys.exit(130)
