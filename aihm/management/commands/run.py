"""One command for local use: the web server, and one Celery worker with the beat scheduler.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only this command. The
first Ctrl-C (or SIGTERM, SIGHUP) is passed on as SIGTERM to the server and to Celery's main process,
which then finishes its current tasks and stops its pool itself; a second Ctrl-C, or a stop
that takes longer than `--stop-timeout`, kills both process groups. (honcho and friends kill
the pool after 5 s, before Celery's clean stop, and lose tasks: see DESIGN.md.)
A child that dies on its own is restarted after a pause that doubles each time (1 s, 2 s, ... up
to 30 s) while the other keeps running; after `--max-restarts` deaths in a row (each within a
minute of its start) the rest is stopped and the command exits non-zero. Work a killed worker held
comes back through the database sweepers.
"""

import os
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aihm.supervisor import Supervisor

POLL_SECONDS = 0.2
# Ctrl-C, a service manager's stop, a closed terminal: the children, in their own sessions, hear
# none of these themselves.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and beat together; Ctrl-C stops them cleanly."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--stop-timeout", type=float, default=20.0,
            help="Seconds to wait for a clean stop before killing (default 20).",
        )
        parser.add_argument(
            "--max-restarts", type=int, default=5,
            help="Restarts in a row of a child that keeps dying before the whole run stops (default 5).",
        )

    def handle(self, *args, stop_timeout, max_restarts, **options):
        address = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        python = sys.executable
        commands = {
            "web": [python, str(settings.BASE_DIR / "manage.py"), "runserver", address, "--noreload"],
            "worker": [python, "-m", "celery", "-A", "aihm", "worker", "-B", "-Q", "celery,transcription", "--loglevel", "INFO", "--concurrency", "1"],
        }
        self.stop_requests = 0
        previous_handlers = {sig: signal.signal(sig, self.request_stop) for sig in STOP_SIGNALS}
        supervisor = Supervisor(commands, cwd=str(settings.BASE_DIR), log=self.say, max_restarts=max_restarts)
        try:
            supervisor.start_all()
            self.say(
                f"Started the web server on http://{address}/ (pid {supervisor.pid('web')}) and the Celery "
                f"worker with beat (pid {supervisor.pid('worker')}). Ctrl-C stops both.",
            )
            failed = self.supervise(supervisor, stop_timeout)
        finally:
            supervisor.kill_all()
            for sig, handler in previous_handlers.items():
                signal.signal(sig, handler)
        if failed:
            raise CommandError(failed)
        self.stdout.write("Stopped cleanly.")

    def say(self, message):
        self.stdout.write(message)
        self.stdout.flush()

    def request_stop(self, signum, frame):
        self.stop_requests += 1

    def supervise(self, supervisor, stop_timeout):
        """Keep the children up until a stop request, or a child that keeps dying; return why it
        failed, or None when clean."""
        failure = None
        while not self.stop_requests:
            failure = supervisor.check()
            if failure:
                self.stderr.write(failure)
                break
            time.sleep(POLL_SECONDS)
        supervisor.terminate()
        deadline = time.monotonic() + stop_timeout
        while supervisor.running():
            if self.stop_requests >= 2 or time.monotonic() > deadline:
                self.stderr.write("Not stopped in time (or Ctrl-C again): killing.")
                supervisor.kill_all()
                return failure or "killed before a clean stop."
            time.sleep(POLL_SECONDS)
        return failure
