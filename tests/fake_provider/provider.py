"""FakeProvider: the HTTP server plus its state, runnable in a background thread."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self

from . import anthropic_api, embeddings_api, gemini_api, openai_api, openai_common, responses_api
from .faults import Fault
from .http11 import HttpRequest, HttpResponse, HttpServer, StreamingResponse
from .state import ProviderSettings, ProviderState, ReceivedRequest

Endpoint = Callable[
    [HttpRequest, ReceivedRequest, ProviderState],
    Awaitable[HttpResponse | StreamingResponse],
]


async def _openai_models(request: HttpRequest, entry: ReceivedRequest, state: ProviderState) -> HttpResponse:
    if "anthropic-version" in request.headers or "x-api-key" in request.headers:
        return anthropic_api.list_models()
    return openai_api.list_models()


async def _anthropic_count_tokens(request: HttpRequest, entry: ReceivedRequest, state: ProviderState) -> HttpResponse:
    return anthropic_api.count_tokens_endpoint(request)


# "/chat/completions" without /v1 serves DeepSeek-style base URLs. Gemini paths carry the
# model or cache name in them, so everything under gemini_api.PREFIX goes to its own router.
ROUTES: dict[tuple[str, str], Endpoint] = {
    ("POST", "/v1/chat/completions"): openai_api.chat_completions,
    ("POST", "/chat/completions"): openai_api.chat_completions,
    ("POST", "/v1/responses"): responses_api.responses,
    ("POST", "/v1/embeddings"): embeddings_api.embeddings,
    ("GET", "/v1/models"): _openai_models,
    ("POST", "/v1/messages"): anthropic_api.messages,
    ("POST", "/v1/messages/count_tokens"): _anthropic_count_tokens,
}


def build_handler(
    state: ProviderState,
    gemini: gemini_api.GeminiApi | None = None,
) -> Callable[[HttpRequest], Awaitable[HttpResponse | StreamingResponse]]:
    gemini = gemini or gemini_api.GeminiApi()

    async def handle(request: HttpRequest) -> HttpResponse | StreamingResponse:
        entry = state.record(request)
        endpoint = ROUTES.get((request.method, request.path.rstrip("/") or "/"))
        if endpoint is not None:
            return await endpoint(request, entry, state)
        if request.path.startswith(gemini_api.PREFIX):
            return await gemini.handle(request, entry, state)
        if "anthropic-version" in request.headers:
            return anthropic_api.not_found(request)
        return openai_common.not_found(request)

    return handle


class FakeProvider:
    """An OpenAI- and Anthropic-compatible LLM server on loopback.

    Use as a context manager (or call start()/stop()); the event loop runs in a
    daemon thread so synchronous tests and SDK clients can talk to it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: ProviderSettings | None = None,
    ) -> None:
        self.settings = settings or ProviderSettings()
        self._initial_settings = dataclasses.replace(self.settings)
        self._state = ProviderState(settings=self.settings)
        # Gemini endpoints and cachedContents: fp.gemini.created, .live(), .advance(s), ...
        self.gemini = gemini_api.GeminiApi()
        self._server = HttpServer(build_handler(self._state, self.gemini), host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------- lifecycle

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("FakeProvider is already running")
        loop = asyncio.new_event_loop()
        started: asyncio.Future[int] = loop.create_future()
        self._loop = loop
        self._thread = threading.Thread(target=self._run, args=(loop, started), name="fake-provider", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._wait(started), loop).result(timeout=10)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._server.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, loop: asyncio.AbstractEventLoop, started: asyncio.Future[int]) -> None:
        asyncio.set_event_loop(loop)

        async def listen() -> None:
            try:
                started.set_result(await self._server.start())
            except Exception as exc:  # noqa: BLE001 - handed to the waiting caller
                started.set_exception(exc)

        loop.create_task(listen())
        loop.run_forever()

    @staticmethod
    async def _wait(started: asyncio.Future[int]) -> int:
        return await started

    # ------------------------------------------------------------- addresses

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        """Anthropic-style base: the SDK appends /v1/messages."""
        return f"http://{self._server.host}:{self.port}"

    @property
    def openai_base(self) -> str:
        """OpenAI-style base: the SDK appends /chat/completions."""
        return f"{self.base_url}/v1"

    @property
    def gemini_base(self) -> str:
        """Gemini API base (LiteLLM gemini/ api_base): /models/... and /cachedContents follow."""
        return f"{self.base_url}/v1beta"

    # -------------------------------------------------------- test controls

    @property
    def received(self) -> list[ReceivedRequest]:
        """A snapshot of every request so far, in arrival order."""
        return self._state.received()

    @property
    def stored_responses(self) -> dict[str, Mapping[str, Any]]:
        """Responses kept for ``previous_response_id`` (``store`` true), by id, as returned."""
        return self._state.responses.documents()

    def inject(
        self,
        fault: Fault,
        times: int = 1,
        path: str | None = None,
        model: str | None = None,
    ) -> None:
        """Make the next ``times`` requests matching ``path``/``model`` fail with ``fault``."""
        self._state.faults.add(fault, times, path, model)

    def reset(self) -> None:
        """Forget requests, faults and caches, and restore the initial settings.

        Restoring settings matters for a session-wide provider: a test that
        slows responses down must not slow down every test after it.
        """
        self._state.reset()
        self.gemini.reset()
        for item in dataclasses.fields(self.settings):
            value = getattr(self._initial_settings, item.name)
            setattr(self.settings, item.name, value)

    # Shortcuts for the settings tests change most often.

    @property
    def timeout_sleep(self) -> float:
        return self.settings.timeout_sleep

    @timeout_sleep.setter
    def timeout_sleep(self, seconds: float) -> None:
        self.settings.timeout_sleep = seconds

    @property
    def latency_ms(self) -> float:
        return self.settings.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self.settings.latency_ms = value
