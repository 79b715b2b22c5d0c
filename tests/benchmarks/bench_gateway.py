"""Added latency and throughput of the gateway, against direct calls and LiteLLM Proxy.

One command starts everything on 127.0.0.1, measures, prints a Markdown table and stops
everything again (also on Ctrl-C):

    python -m tests.benchmarks.bench_gateway [--rounds 3] [--requests 200] [--seconds 4]
        [--chunks 16] [--gateway-processes 1] [--client httpx|aiohttp] [--quiet-wait 30]
        [--litellm-venv /tmp/litellm-proxy-venv] [--no-litellm] [--no-anthropic] [--json FILE]

What runs, each in its own process:
- the fake provider (`python -m tests.fake_provider`), the "direct" baseline;
- the gateway: Daphne serving layercache_site.asgi, with an embedded Postgres in a fresh
  data dir under /tmp, routes loaded with `manage.py loadroutes` and a key from
  `manage.py createapikey`, Redis on 127.0.0.1:6379 (database 14, not the tests' 15);
- LiteLLM Proxy (`litellm --config`, a master key, no database) from its own venv, created with
  `litellm==1.110.2` and the proxy's server dependencies when missing;
- this process, the load generator: an httpx AsyncClient (or aiohttp, `--client`).

Per round, each mode (non-stream, stream) and each target in rotating order gets a warm-up,
then concurrency 1 (`--requests` sequential requests) and concurrency 16 (`--seconds`
long, capped at 20,000 requests). Latencies are pooled over rounds; throughput is the
median over rounds. "Added" is the target's percentile minus the direct percentile in the
same wire format. Every request is checked (status 200, a complete body or stream).

The machine has 2 cores, shared by the load generator, the fake provider and the target:
CPU per request of each is reported too, so a busy client is not mistaken for a slow
server; and the machine may be shared, so CPU used meanwhile by other processes is
reported per cell ("other load"), after waiting up to `--quiet-wait` s for it to pass.
The Anthropic rows (gateway passthrough of /v1/messages) are for information.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
LITELLM_VERSION = "1.110.2"
# Installed next to litellm itself: the server part of its `proxy` extra. The extra as a
# whole does not resolve from the registry here (it pins a `litellm-proxy` wheel that is not
# published), and the proxy's code ships inside the litellm wheel anyway.
LITELLM_PROXY_DEPS = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "gunicorn",
    "orjson",
    "pyyaml",
    "backoff",
    "apscheduler",
    "python-multipart",
    "cryptography",
    "pyjwt",
    "fastapi-sso",
    "websockets",
    "rq",
    "mcp",
    "httpx2",
    "litellm-proxy-extras",
    "litellm-enterprise",
)
UPSTREAM_KEY_ENV = "BENCH_FAKE_PROVIDER_KEY"
UPSTREAM_KEY = "sk-bench-upstream"
LITELLM_MASTER_KEY = "sk-bench-litellm-master-0123456789abcdef"
REDIS_URL = "redis://127.0.0.1:6379/14"
MAX_REQUESTS_PER_CELL = 20_000
HIGH_CONCURRENCY = 16
MESSAGES = [
    {"role": "system", "content": "You are a terse assistant used in a load test."},
    {"role": "user", "content": "Name three prime numbers and explain briefly why each is prime."},
]


# --- processes ---------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """CPU (user + system) of the process and everything in its process group."""
        return group_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # Each service leads its own session (start_new_session), so its group is its own.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def _cpu_seconds_where(select: Callable[[int, list[str]], bool]) -> float:
    """CPU (user + system) of the processes `select(pid, stat fields after the name)` picks."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if select(int(entry.name), fields):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    return _cpu_seconds_where(lambda pid, fields: int(fields[2]) == pgid)  # fields[2]: process group


@dataclass
class EmbeddedPostgres:
    """The gateway's database server: the postmaster and its backends (each in its own group)."""

    name: str
    postmaster: int

    def cpu_seconds(self) -> float:
        return _cpu_seconds_where(lambda pid, fields: self.postmaster in (pid, int(fields[1])))  # fields[1]: parent

    def stop(self) -> None:
        # pgserver stops it at exit only when no other handle is registered; do not rely on it.
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.postmaster, signal.SIGINT)  # Postgres "fast" shutdown
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                os.kill(self.postmaster, 0)
                time.sleep(0.1)
            os.kill(self.postmaster, signal.SIGKILL)


class Meter(Protocol):
    name: str

    def cpu_seconds(self) -> float: ...


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait: float, threshold: float = 0.2) -> float:
    """Wait (at most `max_wait` s) until other processes use under `threshold` cores.

    This machine is shared (other engineers' test runs); measuring while it is busy
    mostly measures them. Returns the load seen last, in cores.
    """
    deadline = time.monotonic() + max_wait
    while True:
        before = machine_busy_seconds()
        time.sleep(1.0)
        load = machine_busy_seconds() - before
        if load < threshold or time.monotonic() > deadline:
            return load


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Services:
    """Starts processes and guarantees they are all stopped again."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.running: list[Service | EmbeddedPostgres] = []

    def start(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        ready_url: str,
        timeout: float = 90,
        pass_fds: tuple[int, ...] = (),
    ) -> Service:
        service = self.spawn(name, argv, env, pass_fds)
        self.wait_ready([service], ready_url, timeout)
        return service

    def spawn(self, name: str, argv: list[str], env: dict[str, str], pass_fds: tuple[int, ...] = ()) -> Service:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, pass_fds=pass_fds
            )
        service = Service(name, process, log_path)
        self.running.append(service)
        return service

    def wait_ready(self, services: list[Service], ready_url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for service in services:
                if service.process.poll() is not None:
                    raise RuntimeError(f"{service.name} exited early:\n{service.log_tail()}")
            try:
                if httpx.get(ready_url, timeout=1, trust_env=False).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{services[0].name} did not start in {timeout:.0f}s:\n{services[0].log_tail()}")
            time.sleep(0.2)

    def stop_all(self) -> None:
        for service in reversed(self.running):
            service.stop()
        self.running.clear()


def run_checked(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_fake_provider(services: Services, chunks: int) -> tuple[list[Meter], int]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "tests.fake_provider", "--port", str(port), "--chunks", str(chunks)]
    return [services.start("fake-provider", argv, env, f"http://127.0.0.1:{port}/v1/models")], port


def start_gateway(services: Services, workdir: Path, fake_port: int, processes: int) -> tuple[list[Meter], str, str]:
    """Daphne on a fresh embedded Postgres; returns its processes, its base URL and an API key.

    With more than one process, all of them accept on one listening socket made here
    (`daphne --fd`), and the kernel spreads connections over them: Daphne has no workers
    option, and this needs no load balancer in front.
    """
    data_dir = workdir / "gateway-data"
    data_dir.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "layercache_site.settings",
        "LAYERCACHE_DATA_DIR": str(data_dir),
        "XDG_RUNTIME_DIR": str(data_dir / "run"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LAYERCACHE_REDIS_URL": REDIS_URL,
        UPSTREAM_KEY_ENV: UPSTREAM_KEY,
        "LOG_LEVEL": "WARNING",
    }
    (data_dir / "run").mkdir(mode=0o700)
    # This process holds the embedded server for the whole run (pgserver stops it when the
    # last process that joined it exits); the children are only given its URL.
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    from layercache_site.embedded_postgres import ensure_running

    env["DATABASE_URL"] = ensure_running(data_dir)
    # Request records are written to it, so its CPU counts as the gateway's.
    postgres = EmbeddedPostgres("postgres", int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0]))
    services.running.append(postgres)
    manage = [sys.executable, "manage.py"]
    run_checked([*manage, "migrate", "--verbosity", "0"], env)
    routes = workdir / "routes.yaml"
    routes.write_text(
        "routes:\n"
        "  - name: bench-openai\n"
        "    model: openai/bench-openai\n"
        f"    api_base: http://127.0.0.1:{fake_port}/v1\n"
        f"    api_key_env: {UPSTREAM_KEY_ENV}\n"
        "    prices: {input: 2.50, cached_input: 1.25, output: 10.00}\n"
        "    timeout: 30\n"
        "  - name: bench-anthropic\n"
        "    model: anthropic/bench-anthropic\n"
        f"    api_base: http://127.0.0.1:{fake_port}\n"
        f"    api_key_env: {UPSTREAM_KEY_ENV}\n"
        "    prices: {input: 3.00, cached_input: 0.30, cache_write: 3.75, output: 15.00}\n"
        "    timeout: 30\n"
    )
    run_checked([*manage, "loadroutes", str(routes)], env)
    key = run_checked([*manage, "createapikey", "--team", "bench"], env).strip().splitlines()[-1]
    daphne = [sys.executable, "-m", "daphne"]
    app = "layercache_site.asgi:application"
    if processes == 1:
        port = free_port()
        service = services.start(
            "gateway", [*daphne, "-b", "127.0.0.1", "-p", str(port), app], env, f"http://127.0.0.1:{port}/health"
        )
        return [service, postgres], f"http://127.0.0.1:{port}", key
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1024)
        port = listener.getsockname()[1]
        fd = listener.fileno()
        group = [
            services.spawn(f"gateway-{i}", [*daphne, "--fd", str(fd), app], env, pass_fds=(fd,))
            for i in range(processes)
        ]
        services.wait_ready(group, f"http://127.0.0.1:{port}/health", 90)
        time.sleep(2)  # let the others finish importing too
        for service in group:
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited early:\n{service.log_tail()}")
    return [*group, postgres], f"http://127.0.0.1:{port}", key


def ensure_litellm_venv(venv: Path) -> Path:
    litellm = venv / "bin" / "litellm"
    python = venv / "bin" / "python"
    if litellm.exists():
        probe = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m, fastapi, uvicorn; print(m.version('litellm'))"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == LITELLM_VERSION:
            return litellm
    print(f"installing litellm=={LITELLM_VERSION} and its proxy server into {venv} (a few minutes)", file=sys.stderr)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"litellm=={LITELLM_VERSION}", *LITELLM_PROXY_DEPS],
        check=True,
        timeout=1800,
    )
    return litellm


def start_litellm_proxy(services: Services, workdir: Path, venv: Path, fake_port: int) -> tuple[list[Meter], str]:
    litellm = ensure_litellm_venv(venv)
    config = workdir / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: bench-openai\n"
        "    litellm_params:\n"
        "      model: openai/bench-openai\n"
        f"      api_base: http://127.0.0.1:{fake_port}/v1\n"
        f"      api_key: {UPSTREAM_KEY}\n"
        # A master key and no database: requests are authenticated, as the gateway's are.
        "general_settings:\n"
        f"  master_key: {LITELLM_MASTER_KEY}\n"
    )
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "LITELLM_", "VIRTUAL_ENV"))},
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
        "NO_DOCS": "True",
        "DISABLE_ADMIN_UI": "True",
        "LITELLM_TELEMETRY": "False",
    }
    argv = [str(litellm), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    service = services.start("litellm-proxy", argv, env, f"http://127.0.0.1:{port}/health/liveliness", timeout=180)
    return [service], f"http://127.0.0.1:{port}"


# --- load generation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str  # "direct", "gateway", "litellm"
    wire: str  # "openai" or "anthropic"
    url: str
    headers: dict[str, str]
    model: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.wire})"

    def body(self, stream: bool) -> bytes:
        payload: dict[str, Any] = {"model": self.model, "messages": MESSAGES, "stream": stream}
        if self.wire == "anthropic":
            payload = {
                "model": self.model,
                "max_tokens": 256,
                "system": MESSAGES[0]["content"],
                "messages": MESSAGES[1:],
                "stream": stream,
            }
        return json.dumps(payload).encode()

    def complete(self, stream: bool, body: bytes) -> bool:
        """Whether a response body is a whole answer (a finished stream or a JSON reply)."""
        if stream:
            tail = body[-200:]
            return b"data: [DONE]" in tail if self.wire == "openai" else b"message_stop" in tail
        return body[:1] == b"{" and (b'"choices"' in body or b'"content"' in body)


Send = Callable[[bytes, bool], Awaitable[tuple[float, bool]]]


@contextlib.asynccontextmanager
async def httpx_sender(target: Target, concurrency: int) -> AsyncIterator[Send]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json", **target.headers}
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=30, trust_env=False) as client:

        async def send(body: bytes, stream: bool) -> tuple[float, bool]:
            started = time.perf_counter()
            async with client.stream("POST", target.url, content=body) as response:
                data = await response.aread()
            elapsed = time.perf_counter() - started
            return elapsed, response.status_code == 200 and target.complete(stream, data)

        yield send


@contextlib.asynccontextmanager
async def aiohttp_sender(target: Target, concurrency: int) -> AsyncIterator[Send]:
    import aiohttp  # a LiteLLM dependency; only this client mode needs it

    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"content-type": "application/json", **target.headers}
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as session:

        async def send(body: bytes, stream: bool) -> tuple[float, bool]:
            started = time.perf_counter()
            async with session.post(target.url, data=body) as response:
                data = await response.read()
            elapsed = time.perf_counter() - started
            return elapsed, response.status == 200 and target.complete(stream, data)

        yield send


SENDERS = {"httpx": httpx_sender, "aiohttp": aiohttp_sender}


@dataclass
class Cell:
    """One measurement: a target, a mode and a concurrency, pooled over rounds."""

    latencies: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    failures: int = 0
    requests: int = 0
    target_cpu: float = 0.0
    client_cpu: float = 0.0
    # CPU used meanwhile by processes that are not part of the benchmark, in cores.
    foreign_load: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def measure(
    sender: Callable[[Target, int], contextlib.AbstractAsyncContextManager[Send]],
    target: Target,
    stream: bool,
    concurrency: int,
    count: int,
    seconds: float,
    probe: Callable[[], tuple[float, float, float]],
) -> tuple[list[float], int, float, tuple[float, float, float]]:
    """Latencies, failures, elapsed wall time and the CPU `probe` delta of the timed part.

    Stops at `count` requests or after `seconds`, whichever comes first.
    """
    body = target.body(stream)
    latencies: list[float] = []
    failures = 0
    async with sender(target, concurrency) as send:
        warm_deadline = time.monotonic() + 0.5
        await asyncio.gather(*(send(body, stream) for _ in range(concurrency)))
        while time.monotonic() < warm_deadline:
            await asyncio.gather(*(send(body, stream) for _ in range(concurrency)))
        before = probe()
        started = time.monotonic()
        deadline = started + seconds
        issued = 0

        async def worker() -> None:
            nonlocal issued, failures
            while issued < count and time.monotonic() < deadline:
                issued += 1
                try:
                    elapsed, ok = await send(body, stream)
                except (TimeoutError, httpx.HTTPError, OSError):
                    failures += 1
                    continue
                if ok:
                    latencies.append(elapsed)
                else:
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
        after = probe()
        return latencies, failures, elapsed, (after[0] - before[0], after[1] - before[1], after[2] - before[2])


# --- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    target: str
    stream: bool
    concurrency: int


def cpu_seconds(services: list[Meter]) -> float:
    return sum(service.cpu_seconds() for service in services)


def run_rounds(args: argparse.Namespace, targets: list[tuple[Target, list[Meter]]]) -> dict[Key, Cell]:
    cells: dict[Key, Cell] = {}
    sender = SENDERS[args.client]
    ours = [service for _, processes in targets for service in processes]
    ours = list({id(service): service for service in ours}.values())
    for round_no in range(args.rounds):
        for stream in (False, True):
            # Rotate the order so no target always runs first (or right after a heavy one).
            shift = (round_no * 2 + int(stream)) % len(targets)
            for target, processes in targets[shift:] + targets[:shift]:
                if args.quiet_wait:
                    wait_for_quiet(args.quiet_wait)
                for concurrency, count, seconds in (
                    (1, args.requests, args.seconds * 4),
                    (HIGH_CONCURRENCY, MAX_REQUESTS_PER_CELL, args.seconds),
                ):
                    cell = cells.setdefault(Key(target.label, stream, concurrency), Cell())

                    def probe(processes: list[Meter] = processes) -> tuple[float, float, float]:
                        # Target CPU, this process's CPU, and CPU of everything else.
                        client = self_cpu_seconds()
                        return cpu_seconds(processes), client, machine_busy_seconds() - cpu_seconds(ours) - client

                    latencies, failures, elapsed, (target_cpu, client_cpu, other_cpu) = asyncio.run(
                        measure(sender, target, stream, concurrency, count, seconds, probe)
                    )
                    cell.target_cpu += target_cpu
                    cell.client_cpu += client_cpu
                    cell.foreign_load.append(max(0.0, other_cpu) / elapsed)
                    cell.latencies += latencies
                    cell.failures += failures
                    cell.requests += len(latencies) + failures
                    cell.rates.append(len(latencies) / elapsed)
                    mode = "stream" if stream else "non-stream"
                    print(
                        f"round {round_no + 1}/{args.rounds} {target.label:20} {mode:10} c={concurrency:<2} "
                        f"{len(latencies):6d} ok {failures:3d} failed {len(latencies) / elapsed:7.1f} req/s, "
                        f"other processes {cell.foreign_load[-1]:.2f} cores",
                        file=sys.stderr,
                        flush=True,
                    )
    return cells


def table(cells: dict[Key, Cell], labels: list[str]) -> str:
    lines = [
        "| target | mode | c=1 p50 | c=1 p99 | c=1 added p50 / p99 | c=16 p50 | c=16 p99 | c=16 added p50 / p99 | c=16 req/s | server CPU/req | client CPU/req | other load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for stream in (False, True):
        for label in labels:
            low, high = cells.get(Key(label, stream, 1)), cells.get(Key(label, stream, HIGH_CONCURRENCY))
            if low is None or high is None or not low.latencies or not high.latencies:
                continue
            wire = label.split("(")[1].rstrip(")")
            base_low, base_high = (
                cells[Key(f"direct ({wire})", stream, 1)],
                cells[Key(f"direct ({wire})", stream, HIGH_CONCURRENCY)],
            )
            added = [
                f"{c.percentile(q) - b.percentile(q):+.2f}"
                for c, b in ((low, base_low), (high, base_high))
                for q in (0.5, 0.99)
            ]
            direct = label.startswith("direct")
            lines.append(
                f"| {label} | {'stream' if stream else 'non-stream'} "
                f"| {low.percentile(0.5):.2f} | {low.percentile(0.99):.2f} | {'—' if direct else f'{added[0]} / {added[1]}'} "
                f"| {high.percentile(0.5):.2f} | {high.percentile(0.99):.2f} | {'—' if direct else f'{added[2]} / {added[3]}'} "
                f"| {statistics.median(high.rates):.0f} "
                f"| {(low.target_cpu + high.target_cpu) / (low.requests + high.requests) * 1000:.2f} ms "
                f"| {(low.client_cpu + high.client_cpu) / (low.requests + high.requests) * 1000:.2f} ms "
                f"| {statistics.median(low.foreign_load + high.foreign_load):.2f} |"
            )
    return "\n".join(lines)


def summary(cells: dict[Key, Cell]) -> str:
    out = []
    for stream in (False, True):
        mode = "stream" if stream else "non-stream"
        gateway = cells.get(Key("gateway (openai)", stream, 1))
        direct = cells.get(Key("direct (openai)", stream, 1))
        if gateway and direct:
            added = gateway.percentile(0.5) - direct.percentile(0.5)
            out.append(
                f"- {mode}: gateway added p50 at c=1 {added:.2f} ms (target <= 5 ms: {'met' if added <= 5 else 'MISSED'})"
            )
        ours = cells.get(Key("gateway (openai)", stream, HIGH_CONCURRENCY))
        theirs = cells.get(Key("litellm (openai)", stream, HIGH_CONCURRENCY))
        if ours and theirs:
            ratio = statistics.median(ours.rates) / statistics.median(theirs.rates)
            out.append(
                f"- {mode}: throughput gateway / LiteLLM Proxy at c=16 = {ratio:.2f}x (target >= 2x: {'met' if ratio >= 2 else 'MISSED'})"
            )
    failures = sum(c.failures for c in cells.values())
    out.append(f"- failed or incomplete responses: {failures}")
    loads = [load for cell in cells.values() for load in cell.foreign_load]
    out.append(
        f"- CPU used by processes outside the benchmark during the cells: median {statistics.median(loads):.2f} "
        f"cores, max {max(loads):.2f} cores (of {os.cpu_count()})"
    )
    return "\n".join(out)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} cores ({model}), {memory_kb / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}, {platform.platform()}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="repeat every cell this often, interleaved")
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per c=1 cell and round")
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each c=16 cell and round")
    parser.add_argument("--chunks", type=int, default=16, help="content chunks per streamed answer")
    parser.add_argument("--gateway-processes", type=int, default=1, help="Daphne processes sharing one socket")
    parser.add_argument("--client", choices=sorted(SENDERS), default="httpx")
    parser.add_argument("--litellm-venv", type=Path, default=Path("/tmp/litellm-proxy-venv"))
    parser.add_argument("--no-litellm", action="store_true", help="skip LiteLLM Proxy")
    parser.add_argument("--no-anthropic", action="store_true", help="skip the Anthropic-format rows")
    parser.add_argument(
        "--quiet-wait", type=float, default=30.0, help="before each cell, wait up to this long for other load to pass"
    )
    parser.add_argument(
        "--response-cache",
        action="store_true",
        help="leave the gateway's response cache on (every request after the first is then an exact HIT)",
    )
    parser.add_argument("--json", type=Path, help="also write raw results here")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and the gateway's data dir")
    args = parser.parse_args()
    if not 1 <= args.gateway_processes <= 8:
        parser.error("--gateway-processes must be in 1..8")
    if not (1 <= args.requests <= MAX_REQUESTS_PER_CELL and 0 < args.seconds <= 60 and 1 <= args.rounds <= 10):
        parser.error("keep --requests in 1..20000, --seconds in (0, 60] and --rounds in 1..10")
    return args


def gateway_cache_headers(args: argparse.Namespace) -> dict[str, str]:
    """The benchmark repeats one prompt: with the response cache on, the gateway would answer
    from it and never call upstream. Overhead is measured on the upstream path, like the
    direct call and LiteLLM Proxy (no cache); cache hits are measured in bench_cache.py."""
    return {} if args.response_cache else {"cache-control": "no-cache, no-store"}


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGINT) unwind as KeyboardInterrupt, so the `finally` in main() stops every process."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    # Started in the background by a non-interactive shell, Python inherits SIGINT ignored.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "layercache_site.settings")
    workdir = Path(tempfile.mkdtemp(prefix="lc-bench-"))
    if not args.keep_workdir:
        # At exit, and registered first so it runs last: pgserver's own exit hook writes
        # a lock file under the data dir after everything else has stopped.
        atexit.register(shutil.rmtree, workdir, True)
    services = Services(workdir)
    with terminate_as_interrupt():
        try:
            fake, fake_port = start_fake_provider(services, args.chunks)
            gateway, gateway_url, key = start_gateway(services, workdir, fake_port, args.gateway_processes)
            fake_url = f"http://127.0.0.1:{fake_port}"
            anthropic_headers = {"x-api-key": UPSTREAM_KEY, "anthropic-version": "2023-06-01"}
            targets: list[tuple[Target, list[Meter]]] = [
                (
                    Target(
                        "direct",
                        "openai",
                        f"{fake_url}/v1/chat/completions",
                        {"authorization": f"Bearer {UPSTREAM_KEY}"},
                        "bench-openai",
                    ),
                    fake,
                ),
                (
                    Target(
                        "gateway",
                        "openai",
                        f"{gateway_url}/v1/chat/completions",
                        {"authorization": f"Bearer {key}", **gateway_cache_headers(args)},
                        "bench-openai",
                    ),
                    gateway,
                ),
            ]
            if not args.no_litellm:
                litellm, litellm_url = start_litellm_proxy(services, workdir, args.litellm_venv, fake_port)
                targets.append(
                    (
                        Target(
                            "litellm",
                            "openai",
                            f"{litellm_url}/v1/chat/completions",
                            {"authorization": f"Bearer {LITELLM_MASTER_KEY}"},
                            "bench-openai",
                        ),
                        litellm,
                    )
                )
            if not args.no_anthropic:
                targets += [
                    (
                        Target("direct", "anthropic", f"{fake_url}/v1/messages", anthropic_headers, "bench-anthropic"),
                        fake,
                    ),
                    (
                        Target(
                            "gateway",
                            "anthropic",
                            f"{gateway_url}/v1/messages",
                            {"x-api-key": key, "anthropic-version": "2023-06-01", **gateway_cache_headers(args)},
                            "bench-anthropic",
                        ),
                        gateway,
                    ),
                ]
            print(f"machine: {machine()}", file=sys.stderr)
            print(f"logs and data: {workdir}", file=sys.stderr)
            cells = run_rounds(args, targets)
        finally:
            services.stop_all()
    labels = [target.label for target, _ in targets]
    print(f"Machine: {machine()}")
    print(
        f"Settings: {args.rounds} rounds x {args.requests} sequential requests (c=1) and {args.seconds:g} s at c={HIGH_CONCURRENCY} "
        f"per cell; client {args.client}; {args.gateway_processes} gateway process(es); response cache {'on' if args.response_cache else 'off (Cache-Control: no-cache, no-store)'}; "
        f"fake provider streams {args.chunks} content chunks; latencies in ms.\n"
    )
    print(table(cells, labels))
    print()
    print(summary(cells))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "cells": [
                        {
                            "target": key.target,
                            "stream": key.stream,
                            "concurrency": key.concurrency,
                            "p50_ms": cell.percentile(0.5),
                            "p99_ms": cell.percentile(0.99),
                            "rates": cell.rates,
                            "failures": cell.failures,
                            "target_cpu_s": cell.target_cpu,
                            "client_cpu_s": cell.client_cpu,
                            "foreign_load_cores": cell.foreign_load,
                            "requests": cell.requests,
                        }
                        for key, cell in cells.items()
                        if cell.latencies
                    ],
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
