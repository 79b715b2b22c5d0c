"""The supervisor behind `serve`, with small Python children instead of the real servers."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
from pathlib import Path

import psutil

from layercache_site.supervisor import ChildSpec, Supervisor

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)",
]


def supervisor(*specs: ChildSpec, out: io.StringIO, stop_timeout: float = 5.0) -> Supervisor:
    return Supervisor(specs=specs, env=dict(os.environ), cwd=Path.cwd(), out=out, stop_timeout=stop_timeout)


def gone(pid: int, timeout: float = 5.0) -> bool:
    """True once `pid` has exited (an orphan is reaped by init, which may take a moment)."""
    try:
        psutil.Process(pid).wait(timeout)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        return False
    return True


def signal_self_later(sig: int, delay: float) -> threading.Timer:
    timer = threading.Timer(delay, os.kill, (os.getpid(), sig))
    timer.start()
    return timer


def test_it_stops_the_others_and_fails_when_a_child_dies() -> None:
    out = io.StringIO()
    runner = supervisor(
        ChildSpec("dying", [sys.executable, "-c", "import time; time.sleep(0.5); raise SystemExit(3)"]),
        ChildSpec("sleeper", SLEEPER),
        out=out,
    )

    assert runner.run() == 1

    assert gone(runner.pids()["sleeper"])
    assert "dying exited with status 3; stopping the others" in out.getvalue()


def test_it_relays_each_output_line_behind_the_childs_name() -> None:
    out = io.StringIO()
    runner = supervisor(
        ChildSpec("talker", [sys.executable, "-c", "print('one'); print('two', end='')"]),
        out=out,
    )

    runner.run()

    assert "talker | one\n" in out.getvalue()
    assert "talker | two\n" in out.getvalue()


def test_it_stops_every_child_on_sigterm_and_succeeds() -> None:
    out = io.StringIO()
    runner = supervisor(ChildSpec("a", SLEEPER), ChildSpec("b", SLEEPER), out=out)
    signal_self_later(signal.SIGTERM, 1.0)

    assert runner.run() == 0

    assert all(gone(pid) for pid in runner.pids().values())
    assert "SIGTERM received, stopping" in out.getvalue()


def test_it_kills_a_child_that_ignores_sigterm() -> None:
    out = io.StringIO()
    runner = supervisor(ChildSpec("stubborn", STUBBORN), out=out, stop_timeout=0.5)
    signal_self_later(signal.SIGINT, 1.0)

    assert runner.run() == 0

    assert gone(runner.pids()["stubborn"])
    assert "stubborn did not stop within" in out.getvalue()


def test_it_leaves_no_grandchild_behind() -> None:
    spawner = [
        sys.executable,
        "-c",
        "import subprocess, sys, time;"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        "print(p.pid, flush=True); time.sleep(60)",
    ]
    out = io.StringIO()
    runner = supervisor(ChildSpec("parent", spawner), out=out, stop_timeout=2.0)
    signal_self_later(signal.SIGTERM, 1.5)

    runner.run()

    grandchild = int(out.getvalue().split("parent | ")[1].split()[0])
    assert gone(grandchild)


def test_it_announces_once_the_ready_check_passes() -> None:
    out = io.StringIO()
    announcements: list[str] = []
    runner = Supervisor(
        specs=[ChildSpec("a", SLEEPER)],
        env=dict(os.environ),
        cwd=Path.cwd(),
        out=out,
        ready=lambda: "up" in out.getvalue(),
        on_ready=lambda: announcements.append("ready"),
    )
    signal_self_later(signal.SIGTERM, 1.5)

    runner.run()

    assert announcements == ["ready"]
