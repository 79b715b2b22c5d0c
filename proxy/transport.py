"""The only module that calls upstream providers.

Same-format requests (an OpenAI body to an OpenAI-compatible route, an Anthropic body to an
Anthropic route) go straight over a pooled aiohttp session: the body and the provider's
answer pass through unchanged, which is both faithful and fast. Anything else is
translated by LiteLLM, which also knows every other provider.

Every call ends in a `Reply`, a `StreamReply`, or raises `UpstreamFailure`, whose kind
tells the gateway whether a fallback route may be tried.
"""

from __future__ import annotations

import asyncio
import enum
import json
import os
import weakref
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from proxy import usage as usage_mod
from proxy.pipeline.request import WireFormat
from proxy.route_spec import RouteSpec
from proxy.sse import OPENAI_DONE, SseFramer, anthropic_event, event_data, event_name, openai_event
from proxy.usage import Usage

ANTHROPIC_VERSION = "2023-06-01"
FORWARDED_ANTHROPIC_HEADERS = ("anthropic-version", "anthropic-beta")


class FailureKind(enum.Enum):
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    CLIENT = "client"  # the provider refused the request itself: no fallback helps

    @property
    def retryable(self) -> bool:
        return self is not FailureKind.CLIENT


class UpstreamFailure(Exception):
    def __init__(
        self,
        kind: FailureKind,
        message: str,
        status: int = 502,
        body: bytes | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        # The provider's own error body, when it is already in the caller's wire format.
        self.body = body
        self.retry_after = retry_after


@dataclass(frozen=True)
class UpstreamRequest:
    route: RouteSpec
    wire: WireFormat
    body: Mapping[str, Any]
    stream: bool
    headers: Mapping[str, str] = field(default_factory=dict)
    # Whether the client asked for the OpenAI usage chunk (we always ask upstream for it).
    client_wants_usage: bool = False


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    usage: Usage


@dataclass
class StreamReply:
    """A stream that has started; iterate `events()` once to relay it."""

    source: AsyncIterator[bytes]
    wire: WireFormat
    strip_usage_chunk: bool
    close: Any = None
    usage: Usage = field(default_factory=Usage)
    completed: bool = False
    error: str | None = None
    _anthropic_start: dict[str, Any] | None = None
    _anthropic_delta: dict[str, Any] | None = None

    async def events(self) -> AsyncIterator[bytes]:
        framer = SseFramer()
        try:
            async for chunk in self.source:
                for event in framer.feed(chunk):
                    out = self._observe(event)
                    if out is not None:
                        yield out
                if self.completed:
                    break
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self.error = f"upstream stream failed: {exc.__class__.__name__}"
        finally:
            if self.close is not None:
                await self.close()
        if not self.completed:
            self.error = self.error or "upstream stream ended before completion"
            yield self._error_event(self.error)

    def _observe(self, event: bytes) -> bytes | None:
        if self.wire == "openai":
            return self._observe_openai(event)
        return self._observe_anthropic(event)

    def _observe_openai(self, event: bytes) -> bytes | None:
        if event.startswith(b"data: [DONE]"):
            self.completed = True
            return event
        # Parse only the events that can carry usage or an error; the rest pass as bytes.
        if b'"usage":{' in event or b'"usage": {' in event or b'"error"' in event[:20]:
            payload = event_data(event)
            if isinstance(payload, dict):
                if "error" in payload and "choices" not in payload:
                    self.error = str(payload["error"])
                    self.completed = True
                    return event
                self.usage = usage_mod.from_openai(payload.get("usage"))
                if self.strip_usage_chunk and not payload.get("choices"):
                    return None
        return event

    def _observe_anthropic(self, event: bytes) -> bytes | None:
        name = event_name(event)
        if name == b"message_start":
            payload = event_data(event)
            if isinstance(payload, dict):
                self._anthropic_start = (payload.get("message") or {}).get("usage")
        elif name == b"message_delta":
            payload = event_data(event)
            if isinstance(payload, dict):
                self._anthropic_delta = payload.get("usage")
        elif name == b"message_stop":
            self.completed = True
        elif name == b"error":
            payload = event_data(event)
            self.error = str((payload or {}).get("error", "error event")) if isinstance(payload, dict) else "error"
            self.completed = True
        if name in (b"message_start", b"message_delta"):
            self.usage = usage_mod.merge_anthropic_stream(self._anthropic_start, self._anthropic_delta)
        return event

    def _error_event(self, message: str) -> bytes:
        if self.wire == "anthropic":
            return anthropic_event("error", {"type": "error", "error": {"type": "api_error", "message": message}})
        return openai_event(
            {"error": {"message": message, "type": "server_error", "param": None, "code": "upstream_stream_error"}}
        )


# --- same-format passthrough over aiohttp ------------------------------------------------
# aiohttp rather than httpx: measured on this 2-core machine, httpx's async client spends
# several times more CPU per request (docs/benchmarks.md), and this is the gateway's hot path.

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def _http_session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(limit=512, limit_per_host=0, keepalive_timeout=30, ttl_dns_cache=300)
        session = aiohttp.ClientSession(connector=connector)
        _sessions[loop] = session
    return session


def provider_key(route: RouteSpec) -> str:
    return os.environ.get(route.api_key_env, "") if route.api_key_env else ""


def _passthrough_target(req: UpstreamRequest) -> tuple[str, dict[str, str]]:
    key = provider_key(req.route)
    if req.wire == "anthropic":
        base = req.route.base_url
        url = base if base.endswith("/v1/messages") else f"{base}/v1/messages"
        headers = {"content-type": "application/json", "x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
        for name in FORWARDED_ANTHROPIC_HEADERS:
            if req.headers.get(name):
                headers[name] = req.headers[name]
        return url, headers
    return f"{req.route.base_url}/chat/completions", {
        "content-type": "application/json",
        "authorization": f"Bearer {key}",
    }


def _failure_from_status(status: int, body: bytes, retry_after: str | None) -> UpstreamFailure:
    message = _provider_message(body) or f"upstream returned HTTP {status}"
    if status == 429:
        return UpstreamFailure(FailureKind.RATE_LIMIT, message, 429, body, retry_after)
    if status == 408:
        return UpstreamFailure(FailureKind.TIMEOUT, message, 504, body, retry_after)
    if status >= 500:
        return UpstreamFailure(FailureKind.SERVER, message, 502, body, retry_after)
    return UpstreamFailure(FailureKind.CLIENT, message, status, body, retry_after)


def _provider_message(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return str(error.get("message", ""))
    return ""


def _timeout(route: RouteSpec, stream: bool) -> aiohttp.ClientTimeout:
    # A stream may legitimately run for minutes: bound the wait between chunks, not the total.
    connect = min(5.0, route.timeout_seconds)
    if stream:
        return aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=route.timeout_seconds)
    return aiohttp.ClientTimeout(total=route.timeout_seconds, sock_connect=connect)


async def _passthrough(req: UpstreamRequest) -> Reply | StreamReply:
    url, headers = _passthrough_target(req)
    body = dict(req.body)
    if req.stream and req.wire == "openai":
        # Ask for the usage chunk so every stream is accounted; strip it if the client did not.
        options = dict(body.get("stream_options") or {})
        options["include_usage"] = True
        body["stream_options"] = options
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    try:
        response = await _http_session().post(
            url, data=content, headers=headers, timeout=_timeout(req.route, req.stream)
        )
        if response.status >= 400:
            raw = await response.read()
            response.release()
            raise _failure_from_status(response.status, raw, response.headers.get("retry-after"))
        if not req.stream:
            raw = await response.read()
            response.release()
    except TimeoutError as exc:
        raise UpstreamFailure(
            FailureKind.TIMEOUT, f"upstream timed out after {req.route.timeout_seconds}s", 504
        ) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamFailure(FailureKind.CONNECTION, f"upstream unreachable: {exc.__class__.__name__}", 502) from exc
    if req.stream:

        async def close() -> None:
            response.release()

        return StreamReply(
            source=response.content.iter_any(),
            wire=req.wire,
            strip_usage_chunk=req.wire == "openai" and not req.client_wants_usage,
            close=close,
        )
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise UpstreamFailure(FailureKind.SERVER, "upstream sent a body that is not JSON", 502) from exc
    parsed = (
        usage_mod.from_anthropic(payload.get("usage"))
        if req.wire == "anthropic"
        else usage_mod.from_openai(payload.get("usage"))
    )
    return Reply(status=response.status, body=payload, usage=parsed)


# --- everything else through LiteLLM ---------------------------------------------------

_litellm: Any = None


def _load_litellm() -> Any:
    global _litellm
    if _litellm is None:
        # Never fetch the price map from the internet (ENVIRONMENT.md).
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.drop_params = True
        # Anthropic-format requests to OpenAI routes: Chat Completions works with every
        # OpenAI-compatible server; the Responses API does not.
        litellm.use_chat_completions_url_for_anthropic_messages = True
        _litellm = litellm
    return _litellm


def warm_up() -> None:
    """Import LiteLLM ahead of the first request that needs it (it takes ~2 s)."""
    _load_litellm()


def _failure_from_litellm(exc: Exception) -> UpstreamFailure:
    status = getattr(exc, "status_code", None) or 500
    message = str(getattr(exc, "message", "") or exc)[:500]
    name = exc.__class__.__name__
    if "Timeout" in name or status == 408:
        return UpstreamFailure(FailureKind.TIMEOUT, message, 504)
    if "Connection" in name and status >= 500:
        return UpstreamFailure(FailureKind.CONNECTION, message, 502)
    if status == 429:
        return UpstreamFailure(FailureKind.RATE_LIMIT, message, 429)
    if status >= 500:
        return UpstreamFailure(FailureKind.SERVER, message, 502)
    return UpstreamFailure(FailureKind.CLIENT, message, status)


async def _chunks_as_openai_sse(stream: Any) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield openai_event(chunk.model_dump(exclude_none=True))
    yield OPENAI_DONE


async def _bytes_of(stream: Any) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk if isinstance(chunk, bytes) else str(chunk).encode()


async def _via_litellm(req: UpstreamRequest) -> Reply | StreamReply:
    litellm = _load_litellm()
    body = dict(req.body)
    body.pop("model", None)
    common: dict[str, Any] = {
        "model": req.route.model,
        "api_key": provider_key(req.route) or None,
        "timeout": req.route.timeout_seconds,
    }
    if req.route.api_base:
        common["api_base"] = req.route.api_base
    try:
        if req.wire == "openai":
            if req.stream:
                options = dict(body.get("stream_options") or {})
                options["include_usage"] = True
                body["stream_options"] = options
            result = await litellm.acompletion(**common, **body, num_retries=0)
        else:
            result = await litellm.anthropic_messages(**common, **body)
    except Exception as exc:  # LiteLLM raises its own hierarchy; map every one of them
        raise _failure_from_litellm(exc) from exc
    if req.stream:
        source = _chunks_as_openai_sse(result) if req.wire == "openai" else _bytes_of(result)
        return StreamReply(
            source=source, wire=req.wire, strip_usage_chunk=req.wire == "openai" and not req.client_wants_usage
        )
    payload = result.model_dump() if hasattr(result, "model_dump") else dict(result)
    parsed = (
        usage_mod.from_openai(payload.get("usage"))
        if req.wire == "openai"
        else usage_mod.from_anthropic(payload.get("usage"))
    )
    return Reply(status=200, body=payload, usage=parsed)


async def send(req: UpstreamRequest) -> Reply | StreamReply:
    if req.route.speaks(req.wire):
        return await _passthrough(req)
    return await _via_litellm(req)
