"""One command for local use: the web server, and one Celery worker with the beat scheduler.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only this command. The
first Ctrl-C (or SIGTERM, SIGHUP) is passed on as SIGTERM to the server and to Celery's main process,
which then finishes its current tasks and stops its pool itself; a second Ctrl-C, or a stop
that takes longer than `--stop-timeout`, kills both process groups. (honcho and friends kill
the pool after 5 s, before Celery's clean stop, and lose tasks: see DESIGN.md.)
If one child dies on its own, the other is stopped and the command exits non-zero.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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

    def handle(self, *args, stop_timeout, **options):
        address = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        python, base_dir = sys.executable, str(settings.BASE_DIR)
        commands = {
            "web": [python, str(settings.BASE_DIR / "manage.py"), "runserver", address, "--noreload"],
            "worker": [python, "-m", "celery", "-A", "aihm", "worker", "-B", "--loglevel", "INFO", "--concurrency", "1"],
        }
        self.stop_requests = 0
        previous_handlers = {sig: signal.signal(sig, self.request_stop) for sig in STOP_SIGNALS}
        children = {}
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(command, cwd=base_dir, start_new_session=True)
            self.stdout.write(
                f"Started the web server on http://{address}/ (pid {children['web'].pid}) and the Celery "
                f"worker with beat (pid {children['worker'].pid}). Ctrl-C stops both.",
            )
            self.stdout.flush()
            failed = self.supervise(children, stop_timeout)
        finally:
            self.kill_all(children)
            for sig, handler in previous_handlers.items():
                signal.signal(sig, handler)
        if failed:
            raise CommandError(failed)
        self.stdout.write("Stopped cleanly.")

    def request_stop(self, signum, frame):
        self.stop_requests += 1

    def supervise(self, children, stop_timeout):
        """Wait for a stop request or a dead child; return why it failed, or None when clean."""
        failure = None
        while not self.stop_requests:
            dead = [name for name, child in children.items() if child.poll() is not None]
            if dead:
                failure = f"the {dead[0]} process exited with code {children[dead[0]].returncode}; stopped the rest."
                self.stderr.write(failure)
                break
            time.sleep(POLL_SECONDS)
        self.terminate(children)
        deadline = time.monotonic() + stop_timeout
        while any(child.poll() is None for child in children.values()):
            if self.stop_requests >= 2 or time.monotonic() > deadline:
                self.stderr.write("Not stopped in time (or Ctrl-C again): killing.")
                self.kill_all(children)
                return failure or "killed before a clean stop."
            time.sleep(POLL_SECONDS)
        return failure

    @staticmethod
    def terminate(children):
        """SIGTERM to each main process only: Celery then stops its own pool, in order."""
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    @staticmethod
    def kill_all(children):
        """SIGKILL to each child's whole process group (the Celery pool included), then reap."""
        for child in children.values():
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            child.wait()
