"""The only module that calls upstream providers.

A call names the provider API it speaks (`UpstreamApi`). The APIs a route speaks natively
go straight over a pooled aiohttp session: the body and the provider's answer pass through
unchanged, which is both faithful and fast. Chat completions and embeddings to every other
provider go through LiteLLM (`LITELLM_CHAT`, `LITELLM_EMBEDDINGS`), which knows them all,
with its own retries turned off: retries, timeouts and fallbacks are the gateway's, the same
on every path.

Every call ends in a `Reply`, a `StreamReply` (framed SSE events, in the called API's
protocol) or raises `UpstreamFailure`, whose `error` class tells the gateway whether a
retry or a fallback may help. The transport parses no usage and knows no client protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import os
import re
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from proxy.outcomes import ErrorClass
from proxy.route_spec import RouteSpec, UpstreamApi
from proxy.sse import OPENAI_DONE, SseFramer, openai_event

ANTHROPIC_VERSION = "2023-06-01"
FORWARDED_ANTHROPIC_HEADERS = ("anthropic-version", "anthropic-beta")


class UpstreamFailure(Exception):
    def __init__(
        self,
        error: ErrorClass,
        message: str,
        status: int = 502,
        body: bytes | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.status = status
        # The provider's own error body, in the protocol of the API that was called.
        self.body = body
        # Seconds the provider asked us to wait (retry-after / retry-after-ms), if it said.
        self.retry_after = retry_after


@dataclass(frozen=True)
class UpstreamCall:
    route: RouteSpec
    api: UpstreamApi
    body: Mapping[str, Any]
    stream: bool = False
    # Client headers a same-protocol provider should see (anthropic-version / -beta).
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: dict[str, Any]


@dataclass
class StreamReply:
    """A stream that has started: iterate `events()` once; it closes the connection."""

    source: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]] | None = None

    async def events(self) -> AsyncIterator[bytes]:
        """Whole SSE events as the provider framed them. Raises UpstreamFailure(STREAM_CUT)
        if the connection fails mid-stream; a stream that simply ends early just ends."""
        framer = SseFramer()
        try:
            async for chunk in self.source:
                for event in framer.feed(chunk):
                    yield event
        except UpstreamFailure:
            raise
        except Exception as exc:  # aiohttp, LiteLLM (MidStreamFallbackError ...), OS errors
            raise UpstreamFailure(ErrorClass.STREAM_CUT, f"upstream stream failed: {exc.__class__.__name__}") from exc
        finally:
            if self.close is not None:
                await self.close()


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """retry-after-ms, else retry-after as seconds or an HTTP date; None if absent or junk."""
    millis = headers.get("retry-after-ms")
    if millis:
        with contextlib.suppress(ValueError):
            return max(float(millis) / 1000, 0.0)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(value)
        return max(when.timestamp() - time.time(), 0.0)
    return None


def _error_class(status: int) -> ErrorClass:
    if status == 429:
        return ErrorClass.RATE_LIMIT
    if status == 408:
        return ErrorClass.TIMEOUT
    if status >= 500:
        return ErrorClass.SERVER
    return ErrorClass.CLIENT


def provider_message(body: bytes | str) -> str:
    """The message inside a provider's error body (OpenAI's or Anthropic's envelope)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return str(error.get("message", ""))
    if isinstance(error, str):
        return error
    return ""


def _status_failure(status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamFailure:
    message = provider_message(body) or f"upstream returned HTTP {status}"
    error = _error_class(status)
    mapped = {ErrorClass.TIMEOUT: 504, ErrorClass.SERVER: 502}.get(error, status)
    return UpstreamFailure(error, message, mapped, body, parse_retry_after(headers))


# --- native calls over aiohttp ------------------------------------------------------------
# aiohttp rather than httpx: measured on this 2-core machine, httpx's async client spends
# several times more CPU per request (docs/benchmarks.md), and this is the gateway's hot path.


def provider_key(route: RouteSpec) -> str:
    return os.environ.get(route.api_key_env, "") if route.api_key_env else ""


def _anthropic_url(route: RouteSpec, suffix: str) -> str:
    base = route.base_url
    if base.endswith("/v1/messages"):
        base = base[: -len("/v1/messages")]
    return f"{base}/v1/messages{suffix}"


_NATIVE_PATHS = {
    UpstreamApi.OPENAI_CHAT: "/chat/completions",
    UpstreamApi.OPENAI_RESPONSES: "/responses",
    UpstreamApi.OPENAI_EMBEDDINGS: "/embeddings",
}


def _target(call: UpstreamCall) -> tuple[str, dict[str, str]]:
    key = provider_key(call.route)
    if call.api in (UpstreamApi.ANTHROPIC_MESSAGES, UpstreamApi.ANTHROPIC_COUNT_TOKENS):
        suffix = "/count_tokens" if call.api is UpstreamApi.ANTHROPIC_COUNT_TOKENS else ""
        headers = {"content-type": "application/json", "x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
        for name in FORWARDED_ANTHROPIC_HEADERS:
            if call.headers.get(name):
                headers[name] = call.headers[name]
        return _anthropic_url(call.route, suffix), headers
    return f"{call.route.base_url}{_NATIVE_PATHS[call.api]}", {
        "content-type": "application/json",
        "authorization": f"Bearer {key}",
    }


def _timeout(route: RouteSpec, stream: bool) -> aiohttp.ClientTimeout:
    # A stream may legitimately run for minutes: bound the wait between chunks, not the total.
    connect = min(5.0, route.timeout_seconds)
    if stream:
        return aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=route.timeout_seconds)
    return aiohttp.ClientTimeout(total=route.timeout_seconds, sock_connect=connect)


def _with_stream_usage(call: UpstreamCall) -> Mapping[str, Any]:
    """Chat streams are asked for their usage chunk, so every stream is accounted."""
    if not (call.stream and call.api is UpstreamApi.OPENAI_CHAT):
        return call.body
    body = dict(call.body)
    body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
    return body


class Transport:
    """Upstream calls, with their connection pools (one per event loop) and LiteLLM."""

    def __init__(self) -> None:
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
            weakref.WeakKeyDictionary()
        )
        self._litellm: Any = None

    def _http(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=512, limit_per_host=0, keepalive_timeout=30, ttl_dns_cache=300)
            session = aiohttp.ClientSession(connector=connector)
            self._sessions[loop] = session
        return session

    async def close(self) -> None:
        """Close this loop's connection pool (on shutdown: no unclosed-session warnings)."""
        with contextlib.suppress(RuntimeError):
            session = self._sessions.pop(asyncio.get_running_loop(), None)
            if session is not None and not session.closed:
                await session.close()

    async def send(self, call: UpstreamCall) -> Reply | StreamReply:
        if call.api in (UpstreamApi.LITELLM_CHAT, UpstreamApi.LITELLM_EMBEDDINGS):
            return await self._via_litellm(call)
        return await self._native(call)

    async def _native(self, call: UpstreamCall) -> Reply | StreamReply:
        url, headers = _target(call)
        content = json.dumps(_with_stream_usage(call), separators=(",", ":"), ensure_ascii=False).encode()
        timeout = call.route.timeout_seconds
        try:
            response = await self._http().post(
                url, data=content, headers=headers, timeout=_timeout(call.route, call.stream)
            )
            if response.status >= 400:
                raw = await response.read()
                response.release()
                raise _status_failure(response.status, raw, response.headers)
            if not call.stream:
                raw = await response.read()
                response.release()
        except TimeoutError as exc:
            raise UpstreamFailure(ErrorClass.TIMEOUT, f"upstream timed out after {timeout:g}s", 504) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamFailure(
                ErrorClass.CONNECTION, f"upstream unreachable: {exc.__class__.__name__}", 502
            ) from exc
        if call.stream:

            async def close() -> None:
                response.release()

            return StreamReply(source=response.content.iter_any(), close=close)
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise UpstreamFailure(ErrorClass.SERVER, "upstream sent a body that is not JSON", 502) from exc
        if not isinstance(payload, dict):
            raise UpstreamFailure(ErrorClass.SERVER, "upstream sent a body that is not a JSON object", 502)
        return Reply(status=response.status, body=payload)

    # --- everything else through LiteLLM ------------------------------------------------

    def litellm(self) -> Any:
        if self._litellm is None:
            # Never fetch the price map from the internet (ENVIRONMENT.md).
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True
            litellm.drop_params = True
            self._litellm = litellm
        return self._litellm

    def count_tokens(self, route: RouteSpec, chat_body: Mapping[str, Any]) -> int:
        """A local estimate of a chat request's prompt tokens (LiteLLM's tokenizer for the
        model where it ships one, offline; a generic one otherwise)."""
        return int(
            self.litellm().token_counter(
                model=route.model, messages=chat_body.get("messages", []), tools=chat_body.get("tools") or None
            )
        )

    async def _via_litellm(self, call: UpstreamCall) -> Reply | StreamReply:
        litellm = self.litellm()
        body = dict(call.body)
        body.pop("model", None)
        common: dict[str, Any] = {
            "model": call.route.model,
            "api_key": provider_key(call.route) or None,
            "timeout": call.route.timeout_seconds,
            # The gateway retries (route.retries, honouring retry-after); LiteLLM must not.
            "num_retries": 0,
            "max_retries": 0,
        }
        if call.route.api_base:
            common["api_base"] = call.route.api_base
        try:
            if call.api is UpstreamApi.LITELLM_EMBEDDINGS:
                result = await litellm.aembedding(**common, **body)
            else:
                if call.stream:
                    body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
                result = await litellm.acompletion(**common, **body)
        except Exception as exc:  # LiteLLM raises its own hierarchy; map every one of them
            raise litellm_failure(exc) from exc
        if call.stream:
            return StreamReply(source=_litellm_chunks(result, call.route.timeout_seconds))
        payload = result.model_dump() if hasattr(result, "model_dump") else dict(result)
        return Reply(status=200, body=payload)


async def _litellm_chunks(stream: Any, chunk_timeout: float) -> AsyncIterator[bytes]:
    """LiteLLM's chunk objects as chat-completion SSE, each chunk awaited at most
    `chunk_timeout` seconds (a stalled provider must not hold the client forever)."""
    iterator = stream.__aiter__()
    while True:
        try:
            async with asyncio.timeout(chunk_timeout):
                chunk = await iterator.__anext__()
        except StopAsyncIteration:
            break
        except TimeoutError as exc:
            raise UpstreamFailure(ErrorClass.STREAM_CUT, f"upstream stream stalled for {chunk_timeout:g}s") from exc
        yield openai_event(chunk.model_dump(exclude_none=True))
    yield OPENAI_DONE


_PREFIX = re.compile(r"^(litellm\.\w+:\s*)?(\w+Exception\s*-\s*)?")


def litellm_failure(exc: Exception) -> UpstreamFailure:
    """A LiteLLM exception as a failure: the provider's own message (not LiteLLM's class
    names), its status, and its retry-after."""
    status = getattr(exc, "status_code", None) or 500
    raw = str(getattr(exc, "message", "") or exc)
    message = _PREFIX.sub("", raw, count=1)
    embedded = message.find("{")
    if embedded >= 0:
        message = provider_message(message[embedded:]) or message
    message = message[:500]
    # LiteLLM keeps the provider's headers on `litellm_response_headers`; its `response` is
    # often a stand-in without them.
    headers: dict[str, str] = {}
    for source in (
        getattr(getattr(exc, "response", None), "headers", None),
        getattr(exc, "litellm_response_headers", None),
    ):
        if source is not None and hasattr(source, "items"):
            headers.update({str(k).lower(): str(v) for k, v in source.items()})
    name = exc.__class__.__name__
    if "Timeout" in name or status == 408:
        return UpstreamFailure(ErrorClass.TIMEOUT, message, 504)
    if "Connection" in name and status >= 500:
        return UpstreamFailure(ErrorClass.CONNECTION, message, 502)
    error = _error_class(status)
    mapped = {ErrorClass.SERVER: 502}.get(error, status)
    return UpstreamFailure(error, message, mapped, retry_after=parse_retry_after(headers))
