"""Keeps the children of `manage.py run` alive: a child that dies on its own is restarted after a
growing pause, while the others keep serving; one that keeps dying gives up the whole run.

Each child runs in its own session (so a Ctrl-C in the terminal reaches only the parent), and a
dead child's leftovers (a Celery pool process orphaned by a `kill -9` of its main process) are
killed with its process group before it starts again.
"""

import os
import signal
import subprocess
import time
from dataclasses import dataclass


@dataclass
class Child:
    name: str
    command: list
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    crashes: int = 0  # deaths in a row, each shortly after its start
    restart_at: float | None = None


def has_exited(process):
    """True once the process is dead, without reaping it: a zombie still holds its process group,
    so the group can be killed without any risk of hitting a reused id."""
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # already reaped
        return True


def kill_group(process):
    """SIGKILL to the child's whole process group, then reap the child."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


class Supervisor:
    """Start, watch and restart children. `check()` does one round; the caller loops and stops."""

    def __init__(self, commands, *, cwd, log, max_restarts=5, first_backoff=1.0, max_backoff=30.0,
                 stable_after=60.0, clock=time.monotonic):
        self.children = {name: Child(name, command) for name, command in commands.items()}
        self.cwd, self.log, self.clock = cwd, log, clock
        self.max_restarts, self.first_backoff, self.max_backoff = max_restarts, first_backoff, max_backoff
        self.stable_after = stable_after
        self.stopping = False

    def start_all(self):
        for child in self.children.values():
            self._start(child)

    def _start(self, child):
        child.process = subprocess.Popen(child.command, cwd=self.cwd, start_new_session=True)
        child.started_at, child.restart_at = self.clock(), None

    def pid(self, name):
        process = self.children[name].process
        return process.pid if process else None

    def check(self):
        """Restart what is due; return why the run must stop (a child that keeps dying), or None.
        Once `terminate()` was called, nothing is restarted and an exit is no crash."""
        if self.stopping:
            return None
        now = self.clock()
        for child in self.children.values():
            if child.process is not None and has_exited(child.process):
                failure = self._handle_death(child, now)
                if failure:
                    return failure
            elif child.process is None and child.restart_at is not None and now >= child.restart_at:
                self._start(child)
                self.log(f"Restarted the {child.name} process (pid {child.process.pid}).")
        return None

    def _handle_death(self, child, now):
        kill_group(child.process)
        code, child.process = child.process.returncode, None
        if now - child.started_at >= self.stable_after:
            child.crashes = 0
        if child.crashes >= self.max_restarts:
            return (f"the {child.name} process exited with code {code}, "
                    f"{child.crashes + 1} times in a row; stopped the rest.")
        delay = min(self.first_backoff * 2 ** child.crashes, self.max_backoff)
        child.crashes += 1
        child.restart_at = now + delay
        self.log(f"The {child.name} process exited with code {code}; restarting it in {delay:g} s "
                 f"(restart {child.crashes} of at most {self.max_restarts} in a row).")
        return None

    def running(self):
        return [child.process for child in self.children.values() if child.process is not None and child.process.poll() is None]

    def terminate(self):
        """SIGTERM to each main process only (Celery then stops its own pool, in order); a child
        waiting for its restart is not started again."""
        self.stopping = True
        for child in self.children.values():
            child.restart_at = None
        for process in self.running():
            process.send_signal(signal.SIGTERM)

    def kill_all(self):
        for child in self.children.values():
            child.restart_at = None
            if child.process is not None:
                kill_group(child.process)
