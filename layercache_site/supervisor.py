"""Runs the product's processes side by side in the foreground and stops them together.

`manage.py serve` starts Daphne, a Celery worker and Celery beat through a `Supervisor`:
their output is relayed line by line behind the child's name, Ctrl-C or SIGTERM stops them
all, and when one dies the others are stopped too, so a half-running product never lingers.

Each child gets a process group of its own, for two reasons: Ctrl-C in a terminal reaches
only this process, which then stops the children in order instead of all of them racing
on SIGINT; and at the end the whole group (a Celery worker's pool processes included) can
be killed, so nothing outlives `serve`. It is single-threaded (a selector over the
children's pipes), which keeps the fork in `subprocess` safe.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Protocol

_PR_SET_PDEATHSIG = 1
# Wide enough for "worker"; every relayed line lines up behind its process's name.
NAME_WIDTH = 6


class Output(Protocol):
    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


def prefixed(name: str, line: str) -> str:
    return f"{name:<{NAME_WIDTH}} | {line}"


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes]
    pending: bytes = b""
    open: bool = True

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class Supervisor:
    """Start `specs`, relay their output to `out`, and stop them all on a signal or a death.

    `ready` is polled until it returns True once, then `on_ready` runs (e.g. to print where
    the product answers, after the children's start-up noise rather than before it).
    """

    specs: Sequence[ChildSpec]
    env: Mapping[str, str]
    cwd: Path
    out: Output = field(default_factory=lambda: sys.stdout)
    stop_timeout: float = 15.0
    ready: Callable[[], bool] | None = None
    on_ready: Callable[[], None] | None = None
    _children: list[_Child] = field(default_factory=list, init=False)
    _selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector, init=False)
    _signal: int | None = field(default=None, init=False)

    def run(self) -> int:
        """Block until a signal (exit status 0) or a child's death (1); every child is gone after."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for spec in self.specs:
                self._start(spec)
            return self._watch()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._selector.close()

    def pids(self) -> dict[str, int]:
        return {child.name: child.process.pid for child in self._children}

    def say(self, message: str) -> None:
        self._write("serve", message)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signal = signum

    def _start(self, spec: ChildSpec) -> None:
        process = subprocess.Popen(
            list(spec.argv),
            cwd=self.cwd,
            env=dict(self.env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=_die_with_parent,
        )
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        child = _Child(spec, process)
        self._children.append(child)
        self._selector.register(process.stdout, selectors.EVENT_READ, child)
        self.say(f"started {spec.name} (pid {process.pid})")

    def _watch(self) -> int:
        waiting_for_ready = self.ready is not None
        while True:
            if self._signal is not None:
                self.say(f"{signal.Signals(self._signal).name} received, stopping")
                return 0
            for child in self._children:
                code = child.process.poll()
                if code is not None:
                    self._drain(child)
                    self.say(f"{child.name} exited with status {code}; stopping the others")
                    return 1
            if waiting_for_ready and self.ready is not None and self.ready():
                waiting_for_ready = False
                if self.on_ready is not None:
                    self.on_ready()
            self._relay(timeout=0.25)

    def _stop_all(self) -> None:
        running = [child for child in self._children if child.process.poll() is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        # Keep reading while they shut down: a child blocked on a full pipe never exits.
        while time.monotonic() < deadline and any(child.process.poll() is None for child in running):
            self._relay(timeout=0.1)
        for child in self._children:
            if child.process.poll() is None:
                self.say(f"{child.name} did not stop within {self.stop_timeout:.0f} s, killing it")
            # Also whatever it started (a Celery worker's pool) that is still around.
            _kill_group(child.process.pid)
            child.process.wait()
            self._drain(child)
            if child.open:
                self._close(child)
            self.say(f"{child.name} stopped (status {child.process.returncode})")

    def _relay(self, timeout: float) -> None:
        for key, _ in self._selector.select(timeout):
            child: _Child = key.data
            self._read(child)

    def _read(self, child: _Child) -> bool:
        """Relay what the child has written; False when its pipe is closed or empty."""
        assert child.process.stdout is not None
        try:
            chunk = os.read(child.process.stdout.fileno(), 65536)
        except BlockingIOError:
            return False
        if not chunk:
            self._close(child)
            return False
        *lines, child.pending = (child.pending + chunk).split(b"\n")
        for line in lines:
            self._write(child.name, line.decode(errors="replace").rstrip("\r"))
        return True

    def _drain(self, child: _Child) -> None:
        while child.open and self._read(child):
            pass
        if child.pending:
            self._write(child.name, child.pending.decode(errors="replace"))
            child.pending = b""

    def _close(self, child: _Child) -> None:
        assert child.process.stdout is not None
        self._selector.unregister(child.process.stdout)
        child.process.stdout.close()
        child.open = False

    def _write(self, name: str, line: str) -> None:
        self.out.write(prefixed(name, line) + "\n")
        self.out.flush()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if `serve` itself is killed (Linux only).

    Without it a `kill -9` of serve would leave the web server holding the port.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
