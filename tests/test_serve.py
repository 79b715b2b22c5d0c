"""`manage.py serve` as a newcomer runs it: a real subprocess on a fresh data directory.

Slow by nature (a fresh embedded Postgres, migrations, three child processes, twice), so
everything is checked in one test that walks through a first and a second start.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from tests.gateway_support import free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/14"
START_TIMEOUT = 90.0
# Settings the test runner's own environment may carry that would point serve elsewhere.
INHERITED_SETTINGS = ("DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "CELERY_BROKER_URL", "XDG_RUNTIME_DIR")


@dataclass
class ServeRun:
    process: subprocess.Popen[str]
    base_url: str
    lines: list[str] = field(default_factory=list)
    _incoming: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def output(self) -> str:
        self._collect()
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        checked = 0
        while time.monotonic() < deadline:
            self._collect(block=0.2)
            for line in self.lines[checked:]:
                if match := regex.search(line):
                    return match
            checked = len(self.lines)
            if self.process.poll() is not None and self._incoming.empty():
                break
        raise AssertionError(f"no line matching {pattern!r}; serve printed:\n{self.output()}")

    def child_pids(self) -> dict[str, int]:
        return {m[0]: int(m[1]) for m in re.findall(r"started (\w+) \(pid (\d+)\)", self.output())}

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._collect(block=1.0)
        return code

    def _collect(self, block: float = 0.0) -> None:
        try:
            line = self._incoming.get(timeout=block) if block else self._incoming.get_nowait()
            while True:
                if line is not None:
                    self.lines.append(line)
                line = self._incoming.get_nowait()
        except queue.Empty:
            pass


def start_serve(data_dir: Path, port: int) -> ServeRun:
    env = {name: value for name, value in os.environ.items() if name not in INHERITED_SETTINGS}
    env.update({"LAYERCACHE_DATA_DIR": str(data_dir), "LAYERCACHE_REDIS_URL": REDIS_URL, "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run = ServeRun(process, f"http://127.0.0.1:{port}")
    threading.Thread(target=_pump, args=(process, run._incoming), daemon=True).start()
    return run


def _pump(process: subprocess.Popen[str], sink: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        sink.put(line.rstrip("\n"))
    sink.put(None)


def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def health(base_url: str) -> dict[str, object]:
    body: dict[str, object] = httpx.get(f"{base_url}/health", timeout=5).json()
    return body


def model_ids(base_url: str, api_key: str) -> list[str]:
    response = httpx.get(f"{base_url}/v1/models", headers={"Authorization": f"Bearer {api_key}"}, timeout=5)
    assert response.status_code == 200, response.text
    return [model["id"] for model in response.json()["data"]]


@pytest.fixture
def serve_redis() -> Iterator[None]:
    """Redis DB 14 for serve alone, emptied so a heartbeat seen is one from this test."""
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()


@pytest.fixture
def running() -> Iterator[list[ServeRun]]:
    """Whatever the test started is stopped even when an assertion fails half-way."""
    runs: list[ServeRun] = []
    yield runs
    for run in runs:
        run.stop(signal.SIGTERM)


def test_it_serves_a_first_run_key_stops_every_child_and_reuses_its_data(
    tmp_path: Path, serve_redis: None, running: list[ServeRun]
) -> None:
    data_dir = tmp_path / "data"
    port = free_port()

    first = start_serve(data_dir, port)
    running.append(first)
    api_key = first.wait_for_line(r"API key:\s+(lc_\S+)")[1]
    assert re.search(r"Password:\s+\S{16,}", first.output())
    assert "gpt-4o" in model_ids(first.base_url, api_key)
    assert health(first.base_url)["database"] is True
    eventually(lambda: health(first.base_url)["worker"] is True, 40, "the worker's first heartbeat")
    assert health(first.base_url)["redis"] is True

    serve_process = psutil.Process(first.process.pid)
    family = serve_process.children(recursive=True)
    named = first.child_pids()
    assert set(named) == {"web", "worker", "beat"}
    assert set(named.values()) <= {p.pid for p in family}
    key_file = (data_dir / "secret_key").read_text()

    assert first.stop(signal.SIGINT) == 0
    _, alive = psutil.wait_procs(family, timeout=5)
    assert alive == [], f"still running after serve stopped: {alive}\n{first.output()}"
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "embedded Postgres outlived serve"

    second = start_serve(data_dir, port)
    running.append(second)
    second.wait_for_line(r"LayerCache is running at")
    assert "gpt-4o" in model_ids(second.base_url, api_key)
    assert "Password:" not in second.output()
    assert "createapikey" in second.output()
    assert (data_dir / "secret_key").read_text() == key_file
    assert second.stop(signal.SIGTERM) == 0
