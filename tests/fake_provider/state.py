"""What the fake provider remembers: settings, received requests, faults, caches, stored responses."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .faults import Fault, FaultBook
from .http11 import HttpRequest
from .prefix_cache import (
    AnthropicCacheReport,
    AnthropicPrefixCache,
    OpenAICacheReport,
    OpenAIPrefixCache,
)
from .response_store import ResponseStore

CacheReport = OpenAICacheReport | AnthropicCacheReport


@dataclass
class ProviderSettings:
    """Knobs a test or benchmark may change while the server runs."""

    chunks: int = 4  # content pieces per streamed answer
    latency_ms: float = 0.0  # before each response starts
    chunk_latency_ms: float = 0.0  # between streamed chunks
    timeout_sleep: float = 5.0  # how long Fault.TIMEOUT stalls before answering
    retry_after_seconds: float = 1.0  # advertised by Fault.RATE_LIMIT
    # Overrides the per-model Anthropic minimum cacheable prefix when set.
    anthropic_min_cache_tokens: int | None = None


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    fault: Fault | None = None  # the injected fault this request consumed
    cache_report: CacheReport | None = None  # set once the cache simulator ran

    @cached_property
    def json(self) -> Any:
        """The parsed body, or None when it is empty or not valid JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class ProviderState:
    settings: ProviderSettings = field(default_factory=ProviderSettings)
    faults: FaultBook = field(default_factory=FaultBook)
    openai_cache: OpenAIPrefixCache = field(default_factory=OpenAIPrefixCache)
    anthropic_cache: AnthropicPrefixCache = field(default_factory=AnthropicPrefixCache)
    responses: ResponseStore = field(default_factory=ResponseStore)
    _received: list[ReceivedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, request: HttpRequest) -> ReceivedRequest:
        entry = ReceivedRequest(request.method, request.path, request.headers, request.body)
        with self._lock:
            self._received.append(entry)
        return entry

    def received(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    def reset(self) -> None:
        with self._lock:
            self._received.clear()
        self.faults.clear()
        self.openai_cache.clear()
        self.anthropic_cache.clear()
        self.responses.clear()

    async def before_response(self) -> None:
        if self.settings.latency_ms > 0:
            await asyncio.sleep(self.settings.latency_ms / 1000)

    async def between_chunks(self) -> None:
        if self.settings.chunk_latency_ms > 0:
            await asyncio.sleep(self.settings.chunk_latency_ms / 1000)

    async def stall(self) -> None:
        await asyncio.sleep(self.settings.timeout_sleep)
