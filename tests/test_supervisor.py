"""The supervisor behind `manage.py run`, with small child commands and a clock the test moves:
a dead child is restarted after a growing pause while the others keep running, its leftovers are
killed, and one that keeps dying stops the run."""

import os
import signal
import sys
from pathlib import Path

import pytest

from aihm.supervisor import Supervisor

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg") or not hasattr(os, "waitid"), reason="needs POSIX process groups")

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
# A long-running child: it waits for a signal until it is killed.
SERVE = [sys.executable, "-c", "import signal; signal.pause()"]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def make_supervisor(tmp_path):
    made = []

    def make(commands, **options):
        lines = []
        supervisor = Supervisor(commands, cwd=str(tmp_path), log=lines.append, clock=options.pop("clock", Clock()), **options)
        supervisor.lines = lines
        made.append(supervisor)
        return supervisor

    yield make
    for supervisor in made:
        supervisor.kill_all()


def wait_dead(supervisor, name):
    supervisor.children[name].process.wait(timeout=20)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_dead_child_is_restarted_after_a_doubling_pause_while_the_other_keeps_running(make_supervisor):
    clock = Clock()
    supervisor = make_supervisor({"web": SERVE, "worker": CRASH}, clock=clock, max_restarts=3)
    supervisor.start_all()
    web_pid, first_worker = supervisor.pid("web"), supervisor.pid("worker")
    for expected_pause in (1, 2, 4):
        wait_dead(supervisor, "worker")
        assert supervisor.check() is None
        assert supervisor.pid("worker") is None
        clock.now += expected_pause - 0.01
        assert supervisor.check() is None and supervisor.pid("worker") is None, "not before its pause is over"
        clock.now += 0.01
        assert supervisor.check() is None
        assert supervisor.pid("worker") not in (None, first_worker)
    assert supervisor.pid("web") == web_pid and alive(web_pid), "the web server kept serving"
    assert supervisor.lines[0] == "The worker process exited with code 3; restarting it in 1 s (restart 1 of at most 3 in a row)."
    assert supervisor.lines[1].startswith("Restarted the worker process (pid ")

    wait_dead(supervisor, "worker")
    failure = supervisor.check()
    assert failure == "the worker process exited with code 3, 4 times in a row; stopped the rest."


def test_a_child_that_ran_for_a_while_before_dying_starts_its_count_again(make_supervisor):
    clock = Clock()
    supervisor = make_supervisor({"worker": SERVE}, clock=clock, max_restarts=1, stable_after=60)
    supervisor.start_all()
    for _ in range(3):  # three deaths, each after a minute of work: never "in a row"
        clock.now += 61
        os.kill(supervisor.pid("worker"), signal.SIGKILL)
        wait_dead(supervisor, "worker")
        assert supervisor.check() is None
        assert "restarting it in 1 s" in supervisor.lines[-1]
        clock.now += 1
        supervisor.check()
        assert supervisor.pid("worker") is not None


def test_what_a_killed_child_left_running_is_killed_before_it_starts_again(make_supervisor, tmp_path):
    orphan_pid_file = tmp_path / "orphan.pid"
    # The main process starts a helper in its own group (as Celery starts its pool), then dies.
    leaves_an_orphan = [sys.executable, "-c", (
        "import subprocess, sys; "
        "p = subprocess.Popen([sys.executable, '-c', 'import signal; signal.pause()']); "
        f"open({str(orphan_pid_file)!r}, 'w').write(str(p.pid)); sys.exit(0)"
    )]
    supervisor = make_supervisor({"worker": leaves_an_orphan})
    supervisor.start_all()
    wait_dead(supervisor, "worker")
    orphan = int(orphan_pid_file.read_text())
    assert alive(orphan)
    supervisor.check()
    for _ in range(200):  # the orphan was SIGKILLed; init reaps it shortly after
        if not alive(orphan):
            break
        os.sched_yield()
    assert not alive(orphan)


def test_stopping_during_a_pause_does_not_start_the_child_again(make_supervisor):
    clock = Clock()
    supervisor = make_supervisor({"web": SERVE, "worker": CRASH}, clock=clock)
    supervisor.start_all()
    wait_dead(supervisor, "worker")
    supervisor.check()
    supervisor.terminate()
    clock.now += 60
    assert supervisor.check() is None and supervisor.pid("worker") is None
    supervisor.children["web"].process.wait(timeout=20)
    assert supervisor.running() == []


def test_a_child_that_exits_on_its_stop_signal_is_not_taken_for_a_crash(make_supervisor):
    clock = Clock()
    supervisor = make_supervisor({"web": SERVE}, clock=clock)
    supervisor.start_all()
    web = supervisor.children["web"].process
    supervisor.terminate()
    web.wait(timeout=20)  # gone before the next round, as on a loaded machine
    clock.now += 60
    assert supervisor.check() is None
    assert supervisor.children["web"].restart_at is None and supervisor.running() == []
