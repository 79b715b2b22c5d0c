"""How many non-streaming chat completions per second the fake provider serves.

The fake is the "direct" baseline in gateway benchmarks, so it must never be the
bottleneck. Runs the CLI server in its own process (as the benchmarks do), drives
it at a fixed concurrency, and reports the server's own CPU time per request so
that a slow client cannot be mistaken for a slow server:

    python -m tests.benchmarks.bench_fake_provider [--client httpx|aiohttp]
        [--concurrency 16] [--seconds 5] [--stream]

On a 2-core machine httpx's AsyncClient saturates its own core at a few hundred
requests per second while the fake idles, so aiohttp shows the fake's real rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
BODY = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "benchmark question"}],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def fake_provider_process(port: int) -> Iterator[tuple[str, int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_provider", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{base}/models", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


Send = Callable[[], Awaitable[None]]


@contextlib.asynccontextmanager
async def httpx_sender(base: str, concurrency: int, body: dict[str, Any]) -> AsyncIterator[Send]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"authorization": "Bearer bench"}
    async with httpx.AsyncClient(base_url=base, limits=limits, headers=headers) as client:

        async def send() -> None:
            response = await client.post("/chat/completions", json=body)
            response.raise_for_status()
            await response.aread()

        yield send


@contextlib.asynccontextmanager
async def aiohttp_sender(base: str, concurrency: int, body: dict[str, Any]) -> AsyncIterator[Send]:
    import aiohttp  # a LiteLLM dependency; only this client mode needs it

    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"authorization": "Bearer bench"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def send() -> None:
            async with session.post(f"{base}/chat/completions", json=body) as response:
                response.raise_for_status()
                await response.read()

        yield send


SENDERS = {"httpx": httpx_sender, "aiohttp": aiohttp_sender}


async def load(base: str, client: str, concurrency: int, seconds: float, stream: bool) -> tuple[int, float]:
    done = 0
    async with SENDERS[client](base, concurrency, {**BODY, "stream": stream}) as send:

        async def worker(deadline: float) -> None:
            nonlocal done
            while time.monotonic() < deadline:
                await send()
                done += 1

        await asyncio.gather(*(worker(time.monotonic() + 0.5) for _ in range(concurrency)))
        done = 0  # the first half second only warms connections up
        started = time.monotonic()
        await asyncio.gather(*(worker(started + seconds) for _ in range(concurrency)))
        return done, time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", choices=sorted(SENDERS), default="httpx")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args()
    with fake_provider_process(free_port()) as (base, pid):
        cpu_before = cpu_seconds(pid)
        count, elapsed = asyncio.run(load(base, args.client, args.concurrency, args.seconds, args.stream))
        server_cpu = cpu_seconds(pid) - cpu_before
    mode = "stream" if args.stream else "non-stream"
    print(
        f"{count / elapsed:.0f} req/s ({mode}, {args.client}, concurrency {args.concurrency}); "
        f"fake provider busy {server_cpu / elapsed:.0%} of one core, "
        f"{server_cpu / max(count, 1) * 1e6:.0f} us CPU per request"
    )


if __name__ == "__main__":
    main()
