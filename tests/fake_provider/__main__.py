"""Run the fake provider in the foreground, e.g. as the benchmark's "direct" upstream.

python -m tests.fake_provider --port 9100 [--chunks N] [--latency-ms X]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from .http11 import HttpServer
from .provider import build_handler
from .state import ProviderSettings, ProviderState


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_provider",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--chunks", type=int, default=4, help="content pieces per streamed answer")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before each response")
    parser.add_argument(
        "--chunk-latency-ms",
        type=float,
        default=0.0,
        help="delay between stream chunks",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    settings = ProviderSettings(
        chunks=args.chunks,
        latency_ms=args.latency_ms,
        chunk_latency_ms=args.chunk_latency_ms,
    )
    server = HttpServer(build_handler(ProviderState(settings=settings)), args.host, args.port)
    port = await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(
        f"fake provider listening on http://{args.host}:{port}",
        file=sys.stderr,
        flush=True,
    )
    await stop.wait()
    await server.close()


def main(argv: Sequence[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
