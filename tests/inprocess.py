"""The gateway served from inside the test process: most gateway tests' tier.

`InProcessGateway` runs the site's ASGI application (layercache_site/application.py) on an
event loop in a background thread, behind the fake provider's small HTTP/1.1 server on
loopback, so SDKs and httpx talk to it as to any server. Each test gets fresh gateway
services (keys and routes, hot answers, counters, background tasks): nothing to reset, and
what ran after a response can be awaited (`settle`) instead of slept for. The real Daphne
process stays for the end-to-end tier (`daphne_gateway`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from django.core.asgi import get_asgi_application

from analytics.recorder import recorder
from gateway.services import Services, build_services
from layercache_site.application import build_application
from semantic_cache.verification.registry import Verifiers
from tests.fake_provider.http11 import HttpRequest, HttpResponse, HttpServer, StreamingResponse


class _AsgiBridge:
    """One HTTP request through an ASGI app: the response comes back as soon as its head is
    known, a streamed body chunk by chunk; a client that goes away is told to the app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, request: HttpRequest) -> HttpResponse | StreamingResponse:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": request.path,
            "raw_path": request.path.encode(),
            "query_string": request.query.encode(),
            "root_path": "",
            "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.items()],
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 0),
        }
        messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        gone = asyncio.Event()
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": request.body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            await messages.put(message)

        task = asyncio.create_task(self.app(scope, receive, send))
        start = await messages.get()
        status = int(start["status"])
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "application/octet-stream")
        rest = tuple((k, v) for k, v in headers if k.lower() not in ("content-type", "content-length"))
        first = await messages.get()
        if not first.get("more_body"):
            await task
            return HttpResponse(status, first.get("body", b""), rest, content_type)

        async def chunks() -> AsyncGenerator[bytes, None]:
            try:
                yield first.get("body", b"")
                while True:
                    message = await messages.get()
                    yield message.get("body", b"")
                    if not message.get("more_body"):
                        break
                await task
            finally:
                gone.set()
                if not task.done():
                    with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                        await asyncio.wait_for(task, 5)

        return StreamingResponse(status, chunks(), rest, content_type)


class InProcessGateway:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.services: Services | None = None
        self._django = get_asgi_application()
        self._bridge = _AsgiBridge(None)
        self._server = HttpServer(self._bridge)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="in-process-gateway", daemon=True)
        self._verifiers: Verifiers | None = None
        self._log_handler = logging.FileHandler(log_path)
        self._log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))

    def start(self) -> InProcessGateway:
        from django.conf import settings

        from semantic_cache.embedder import get_embedder

        self._thread.start()
        self._verifiers = Verifiers(settings.LAYERCACHE_SEMANTIC_VERIFIER, get_embedder())
        asyncio.run_coroutine_threadsafe(self._server.start(), self._loop).result(10)
        logging.getLogger().addHandler(self._log_handler)
        return self

    def begin_test(self) -> None:
        """Fresh services for a test: its keys, routes and answers are its own."""
        self.services = build_services(verifiers=self._verifiers)
        self._bridge.app = build_application(self.services, self._django)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for what runs after responses (stores, hit counts, charges), then write the
        buffered request records."""
        if self.services is not None:
            asyncio.run_coroutine_threadsafe(self.services.drain(), self._loop).result(timeout)
        recorder.flush()

    def end_test(self) -> None:
        """Settle, then close this test's services (their connection pool included)."""
        self.settle()
        if self.services is not None:
            asyncio.run_coroutine_threadsafe(self.services.close(), self._loop).result(10)
            self.services = None

    def stop(self) -> None:
        logging.getLogger().removeHandler(self._log_handler)
        self._log_handler.close()
        asyncio.run_coroutine_threadsafe(self._server.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def openai_base(self) -> str:
        return f"{self.base_url}/v1"

    def log(self) -> str:
        self._log_handler.flush()
        return self.log_path.read_text(errors="replace")
