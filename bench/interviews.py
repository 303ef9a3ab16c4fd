"""Benchmark of the interviews pipeline: a simulated interview from scheduling to its report
ready, and the dialler's throughput across tenants on PostgreSQL.

    .venv/bin/python bench/interviews.py [--runs 5] [--tenants 20] [--per-tenant 50]
                                         [--calls-per-second 1000] [--part all|simulator|dialler]
                                         [--consent bulk|service] [--db-name aihm_bench_dialler] [--keep-db]

1. Simulator, on the embedded defaults (SQLite in a temporary AIHM_VAR_DIR, no Twilio
   credentials, the bundled Whisper model, the offline analyser, Celery eager): a fresh database
   is migrated and the model assembled, a company, a recruiter and a position with five questions
   created; each run adds a consenting candidate and times `schedule_interview(persona="good")`
   until the report is ready (eager Celery runs the dial, the simulated call through the webhook
   views, the recording fetches, each answer's transcription and the analysis inline), with the
   moment the interview became audio_complete; then the report's first PDF is timed.
2. Dialler, on PostgreSQL (127.0.0.1, the superuser $PGSUPERUSER, default postgres): its own
   database with the two roles (scripts/pg_roles.sh), migrated as the owner, run as the runtime
   role; 20 companies with 50 due interviews each, Twilio credentials set and the SDK pointed at
   a stub (this process) answering calls.create with 201; then `dial_due_interviews()` timed
   (a) with the dials only recorded (the claim loop) and (b) dialling each claim for real.

The application runs in subprocesses (bench/interviews_app.py) with an environment built from
nothing, so that the caller's shell or .env settings do not leak in.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
APP_DIR = BENCH_DIR.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from load import (  # noqa: E402  (the load benchmark's database and subprocess helpers)
    APP_ROLE, HOST, OWNER_ROLE, BenchError, checkout_description, create_database, drop_database, interrupted, log,
    machine_description, run_in_app, superuser_env,
)

STAGES = (
    ("speech", "speech synthesis (py-nanotts + sox), synthesize_phone_answer"),
    ("webhooks", "webhook requests (signed, through the views, test client)"),
    ("recordings", "recording fetch, check and store (store_recording)"),
    ("simulator", "the simulator's own work (TwiML, WAV files)"),
    ("transcription", "transcription (faster-whisper, bundled base model), interviews.transcription.transcribe"),
    ("analysis", "analysis (the offline analyser), interviews.analysis.analyse"),
)
OTHER_STAGE = "scheduling, claim and dial (schedule_interview, dial_due_interviews, place_call)"
TWILIO_ACCOUNT_SID = "AC" + "b" * 32


def parse_options(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "simulator", "dialler"), default="all", help="which part to run (default all)")
    parser.add_argument("--runs", type=int, default=5, help="simulated interviews, one after the other (default 5)")
    parser.add_argument("--questions", type=int, default=5, help="questions of the simulated interview (default 5)")
    parser.add_argument("--tenants", type=int, default=20, help="companies with due interviews (default 20)")
    parser.add_argument("--per-tenant", type=int, default=50, help="due interviews per company (default 50)")
    parser.add_argument("--calls-per-second", type=float, default=1000.0,
                        help="settings.CALLS_PER_SECOND for the dialler, high so as not to limit it (default 1000)")
    parser.add_argument("--consent", choices=("bulk", "service"), default="bulk",
                        help="dialler seed: the first consent of each company through consent.services."
                             "record_recruiter_consent and the others bulk-created like it (default, 2 s), or every one "
                             "through the service (30 s to over a minute for 1,000)")
    parser.add_argument("--claim-rounds", type=int, default=3, help="rounds of the claim loop alone (default 3)")
    parser.add_argument("--db-name", default="aihm_bench_dialler", help="the dialler's database, dropped and re-created")
    parser.add_argument("--keep-db", action="store_true", help="keep the dialler's database afterwards")
    options = parser.parse_args(argv)
    for name in ("runs", "questions", "tenants", "per_tenant", "claim_rounds"):
        if getattr(options, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if options.calls_per_second <= 0:
        parser.error("--calls-per-second must be positive")
    return options


def app_environment(var_dir, **settings):
    """What the application runs with: the embedded defaults, eager Celery, mail kept in memory
    (the consent confirmations are not printed), and `settings` on top. Built from nothing but
    PATH/HOME/LANG; the providers are named empty, so that a .env in the checkout (read by the
    settings for what the environment lacks) cannot turn one on."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if key in os.environ}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env.update({
        "DJANGO_SETTINGS_MODULE": "aihm.settings",
        "PYTHONPATH": str(APP_DIR),
        "ENVIRONMENT": "development",
        "DEBUG": "false",
        "AIHM_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'aihm.sqlite3'}",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SIMULATED_CALLS_KEEP_CALLING_HOURS": "false",
        **dict.fromkeys(("DATABASE_PRIVILEGED_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                         "TWILIO_API_BASE_URL", "ANTHROPIC_API_KEY", "RESEND_API_KEY", "S3_BUCKET", "SENTRY_DSN"), ""),
    })
    env.update(settings)
    return env


def run_app(env, work, command, *arguments):
    out = work / f"{command}.json"
    run_in_app(APP_DIR, env, [str(BENCH_DIR / "interviews_app.py"), command, *arguments, "--out", str(out)], command)
    return json.loads(out.read_text())


# --- 1. The simulated interview ----------------------------------------------------------------


def run_simulator(options, work):
    env = app_environment(work / "var")
    took = run_in_app(APP_DIR, env, ["manage.py", "migrate", "--noinput", "-v0"], "migrate")
    log(f"  migrated a fresh SQLite database in {took:.1f} s")
    took = run_in_app(APP_DIR, env, ["manage.py", "whisper_model"], "whisper_model")
    log(f"  assembled the bundled Whisper model in {took:.1f} s")
    return run_app(env, work, "simulate", "--runs", str(options.runs), "--questions", str(options.questions))


def simulator_report(result):
    runs = result["runs"]
    seconds = [run["seconds"] for run in runs]
    lines = [
        "Simulator on the embedded defaults (SQLite, no Twilio credentials: the simulated candidate, the bundled "
        "Whisper model, the offline analyser, Celery eager, one process)",
        f"schedule_interview(persona=\"good\") to report ready, {len(runs)} run(s), {result['questions']} questions: "
        f"median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s, first (cold: the model loads) {seconds[0]:.2f} s",
    ]
    to_audio = [run["audio_complete_seconds"] for run in runs if run.get("audio_complete_seconds") is not None]
    if to_audio:
        lines.append(f"  of which schedule to audio_complete: median {statistics.median(to_audio):.2f} s; "
                     f"audio_complete to report ready: median {statistics.median(s - a for s, a in zip(seconds, to_audio)):.2f} s")
    pdfs = [run["pdf_seconds"] for run in runs if run.get("pdf_seconds") is not None]
    if pdfs:
        lines.append(f"first PDF of the report (WeasyPrint, rendered and stored): median {statistics.median(pdfs):.2f} s, "
                     f"{statistics.median(run['pdf_bytes'] for run in runs) / 1024:.0f} KiB")
    lines.extend(f"MISMATCH: {problem}" for problem in simulator_problems(result))
    stored = [run["answers_stored"] for run in runs]
    lines.append(f"answers stored per run: {', '.join(map(str, stored))} of {result['questions']} questions; "
                 f"per interview (median) {statistics.median(run['audio_seconds'] for run in runs):g} s of audio, "
                 f"{statistics.median(run['audio_bytes'] for run in runs) / 1024:.0f} KiB (8 kHz u-law WAV)")
    lines.append("time per stage, median over the runs (its own time: nested stages are counted in theirs):")
    other = [run["seconds"] - sum(run["stages"].values()) for run in runs]
    median_total = statistics.median(seconds)
    for stage, label in STAGES:
        per_run = [run["stages"].get(stage, 0.0) for run in runs]
        calls = statistics.median(run["calls"].get(stage, 0) for run in runs)
        lines.append(f"  {statistics.median(per_run):6.3f} s {100 * statistics.median(per_run) / median_total:4.0f} %  "
                     f"{label}, {calls:g} call(s)")
    lines.append(f"  {statistics.median(other):6.3f} s {100 * statistics.median(other) / median_total:4.0f} %  {OTHER_STAGE}")
    return lines


def simulator_problems(result):
    """Runs that did not end audio_complete with every question's answer stored and transcribed,
    and the report analysed and its PDF made."""
    return [
        f"run {number}: {run['state']}, {run['answers_stored']} of {result['questions']} answers stored, "
        f"{run.get('transcripts_done', 0)} transcribed, analysis {run.get('analysis_state') or 'missing'}, "
        f"PDF {'made' if run.get('pdf_bytes') else 'missing'}"
        for number, run in enumerate(result["runs"], 1)
        if run["state"] != "audio_complete" or not run["answers_stored"] == run.get("transcripts_done") == result["questions"]
        or run.get("analysis_state") != "done" or not run.get("pdf_bytes")
    ]


# --- 2. The dialler --------------------------------------------------------------------------


class TwilioStub:
    """Twilio's REST API as far as calls.create goes: 201 and a call resource with a fresh SID;
    anything else 404. Counts the calls.create requests and the attempts they name."""

    def __init__(self):
        if str(APP_DIR) not in sys.path:
            sys.path.insert(0, str(APP_DIR))
        from tests.stubs import StubResponse, StubServer

        self._response = StubResponse
        self.server = StubServer(default=self.answer)
        self._lock = threading.Lock()
        self.creates = 0
        self.status_urls = set()

    def answer(self, request):
        if request.method != "POST" or not request.path.endswith("/Calls.json"):
            return self._response(404, {"code": 20404, "message": "not in the stub", "status": 404})
        form = request.form()
        with self._lock:
            self.creates += 1
            self.status_urls.add(form.get("StatusCallback", [""])[0])
        sid = "CA" + secrets.token_hex(16)
        return self._response(201, {
            "sid": sid, "account_sid": TWILIO_ACCOUNT_SID, "status": "queued", "direction": "outbound-api",
            "to": form.get("To", [""])[0], "from": form.get("From", [""])[0], "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Calls/{sid}.json",
        })

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc_info):
        self.server.stop()


def run_dialler(options, work):
    created = False
    try:
        log(f"  database {options.db_name}: creating (scripts/pg_roles.sh), migrating as {OWNER_ROLE}")
        create_database(APP_DIR, options.db_name)
        created = True
        with TwilioStub() as stub:
            port = os.environ.get("PGPORT", "5432")
            env = app_environment(
                work / "var-dialler",
                DATABASE_URL=f"postgres://{APP_ROLE}@{HOST}:{port}/{options.db_name}",
                DATABASE_PRIVILEGED_URL=f"postgres://{OWNER_ROLE}@{HOST}:{port}/{options.db_name}",
                TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN=secrets.token_hex(16),
                TWILIO_FROM_NUMBER="+15005550006", TWILIO_API_BASE_URL=stub.server.url,
                TWILIO_WEBHOOK_BASE_URL="https://aihm.bench.invalid", CALLS_PER_SECOND=f"{options.calls_per_second:g}",
            )
            took = run_in_app(APP_DIR, env, ["manage.py", "migrate", "--noinput", "-v0"], "migrate")
            log(f"  migrated in {took:.1f} s; seeding and dialling as {APP_ROLE}")
            result = run_app(env, work, "dialler", "--tenants", str(options.tenants), "--per-tenant", str(options.per_tenant),
                             "--consent", options.consent, "--claim-rounds", str(options.claim_rounds))
            result["stub"] = {"creates": stub.creates, "status_urls": len(stub.status_urls - {""}),
                              "requests": len(stub.server.requests)}
        return result
    finally:
        if created and not options.keep_db:
            try:
                drop_database(options.db_name)
            except subprocess.CalledProcessError as error:
                log(f"could not drop the database {options.db_name}: {(error.stderr or '').strip()}")
        elif created:
            log(f"Kept the database {options.db_name}.")


def dialler_report(result, tenants, per_tenant):
    claims, dials, stub = result["claims"], result["dials"], result["stub"]
    consent = ("through consent.services.record_recruiter_consent for every candidate" if result["consent"] == "service" else
               "through consent.services.record_recruiter_consent for the first candidate of each company, the others' "
               "request and record bulk-created with the fields it set")
    claim_rates = [run["claimed"] / run["seconds"] for run in claims]
    claim_seconds = statistics.median(run["seconds"] for run in claims)
    lines = [
        f"Dialler on PostgreSQL as the runtime role (claims through the privileged alias), Twilio's SDK against a stub "
        f"on 127.0.0.1, Celery eager, CALLS_PER_SECOND={result['calls_per_second']:g}, max_simultaneous_calls=100 a company",
        f"seeded {result['interviews']} due interviews ({tenants} companies x {per_tenant}) in {result['seed_seconds']:.1f} s; "
        f"consents {consent}",
        f"(a) claim loop alone (place_call_task.apply_async only recorded), {len(claims)} round(s): "
        f"{claims[0]['claimed']} claimed in {claim_seconds:.2f} s, {spread(claim_rates)} claims/s",
        f"(b) claimed and dialled (place_call, calls.create through the SDK): {dials['claimed']} in {dials['seconds']:.2f} s, "
        f"{rate(dials['claimed'], dials['seconds'])} interviews/s",
        dial_split(dials),
        f"stub: {stub['creates']} calls.create requests naming {stub['status_urls']} distinct attempts; "
        f"{dials['attempts_with_sid']} attempts stored with a SID ({dials['distinct_sids']} distinct), "
        f"{dials['interviews_dialling']} interviews dialling",
    ]
    problems = dialler_problems(result)
    lines.extend(f"MISMATCH: {problem}" for problem in problems)
    if not problems:
        lines.append("each due interview was claimed once per tick and dialled exactly once")
    return lines


def dial_split(dials):
    """Where (b) went: the SDK's request, the rest of place_call, and the claim loop with the
    eager task machinery around the dials."""
    stages = dials.get("stages", {})
    calls = max(1, dials.get("calls", {}).get("place_call", 0))
    sdk, own = stages.get("calls_create", 0.0), stages.get("place_call", 0.0)
    rest = dials["seconds"] - sdk - own
    return (f"    of which calls.create through the SDK {sdk:.2f} s ({1000 * sdk / calls:.1f} ms a call), the rest of "
            f"place_call {own:.2f} s ({1000 * own / calls:.1f} ms a call), the claims and Celery's eager calls {rest:.2f} s")


def dialler_problems(result):
    """What contradicts "each due interview claimed once, dialled exactly once"."""
    claims, dials, stub, seeded = result["claims"], result["dials"], result["stub"], result["interviews"]
    checks = []
    for number, run in enumerate(claims, 1):
        checks += [
            (run["claimed"] == seeded, f"(a) round {number} claimed {run['claimed']} of {seeded} due interviews"),
            (run["queued"] == run["distinct_queued"] == run["claimed"],
             f"(a) round {number} queued {run['queued']} dials ({run['distinct_queued']} distinct) for {run['claimed']} claims"),
        ]
    checks += [
        (dials["claimed"] == seeded, f"(b) claimed {dials['claimed']} of {seeded} due interviews"),
        (stub["creates"] == dials["claimed"], f"the stub received {stub['creates']} calls.create for {dials['claimed']} claims"),
        (stub["status_urls"] == stub["creates"], f"{stub['creates']} calls.create named {stub['status_urls']} distinct attempts"),
        (dials["attempts_with_sid"] == dials["distinct_sids"] == dials["claimed"],
         f"{dials['attempts_with_sid']} attempts with a SID ({dials['distinct_sids']} distinct) for {dials['claimed']} claims"),
        (dials["interviews_dialling"] == dials["claimed"],
         f"{dials['interviews_dialling']} interviews dialling for {dials['claimed']} claims"),
        (not dials["attempts_errors"], f"attempt errors: {dials['attempts_errors']}"),
    ]
    return [message for ok, message in checks if not ok]


def spread(values):
    """Median (min-max) of rates."""
    middle = f"{statistics.median(values):.0f}"
    return middle if len(values) == 1 else f"{middle} ({min(values):.0f}-{max(values):.0f})"


def rate(count, seconds):
    return f"{count / seconds:.0f}" if seconds > 0 else "n/a"


# --- Main --------------------------------------------------------------------------------------


def main(argv):
    options = parse_options(argv)
    signal.signal(signal.SIGTERM, interrupted)  # cleans up as Ctrl-C does
    busy = os.getloadavg()[0]
    header = [f"Checkout: {checkout_description(APP_DIR)}",
              f"Machine: {machine_description()}, Python {platform.python_version()}, load average {busy:.2f} before the run"]
    for line in header:
        log(line)
    if busy > 0.5:
        log("Warning: the machine is busy; the numbers will be noisy.")
    work = Path(tempfile.mkdtemp(prefix="aihm-bench-interviews-"))
    reports, problems = [], []
    started = time.monotonic()
    try:
        if options.part in ("all", "simulator"):
            log("1. Simulator (embedded defaults)")
            result = run_simulator(options, work)
            reports.append(simulator_report(result))
            problems += simulator_problems(result)
        if options.part in ("all", "dialler"):
            log("2. Dialler (PostgreSQL)")
            try:
                result = run_dialler(options, work)
                reports.append(dialler_report(result, options.tenants, options.per_tenant))
                problems += dialler_problems(result)
            except (BenchError, subprocess.CalledProcessError) as error:
                detail = str(error) if isinstance(error, BenchError) else (
                    f"PostgreSQL as {superuser_env()['PGUSER']}: {(error.stderr or '').strip()}")
                reports.append([f"Dialler: not measured: {detail}"])
                problems.append(detail)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log("")
    for line in header:
        log(line)
    for lines in reports:
        log("")
        for line in lines:
            log(line)
    log("")
    log(f"({time.monotonic() - started:.0f} s in all)")
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as error:
        print(f"interviews benchmark: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interviews benchmark: interrupted", file=sys.stderr)
        sys.exit(130)
