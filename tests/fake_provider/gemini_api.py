"""Gemini API v1beta (PROVIDER_CACHING.md C.2, C.3, E.3): generateContent, its SSE stream,
and explicit caching through the `cachedContents` resource.

What tests can rely on:
- auth is `x-goog-api-key` or `?key=`; cached contents belong to the key that made them;
- `POST /v1beta/cachedContents` counts `created`, answers 400 "Cached content is too
  small" below the model's minimum (`MIN_CACHE_TOKENS_BY_MODEL`, override with
  `min_cache_tokens`), takes `ttl` ("300s") or `expireTime` (default 1 h);
- list (paginated by `pageSize` / `pageToken`) and get return metadata only; PATCH changes
  only `ttl` / `expireTime`; DELETE removes it;
- a generateContent naming a `cachedContent` that is unknown, expired or of another model
  gets 403 "CachedContent not found (or permission denied)"; one that also sets
  systemInstruction, tools or toolConfig gets 400; otherwise the cache is the prompt's
  prefix and `usageMetadata.cachedContentTokenCount` reports its tokens (also counted in
  `promptTokenCount`);
- the answer is the shared one (`replies.answer_text`); tool calls, implicit caching and
  faults are not simulated. `advance(seconds)` moves this API's clock, to expire caches.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from .http11 import HttpRequest, HttpResponse, StreamingResponse
from .replies import answer_text, split_chunks
from .state import ProviderState, ReceivedRequest
from .tokens import count_tokens, truncate_to_tokens

PREFIX = "/v1beta/"
DEFAULT_TTL_SECONDS = 3600.0
DEFAULT_MIN_CACHE_TOKENS = 1024
MIN_CACHE_TOKENS_BY_MODEL = {"gemini-2.5-pro": 4096}
IMAGE_TOKENS = 258
NOT_FOUND = "CachedContent not found (or permission denied)"
CACHE_CONFLICT = (
    "CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config."
)

_GENERATE = re.compile(r"^/v1beta/models/([^/:]+):(generateContent|streamGenerateContent)$")
_CACHE = re.compile(r"^/v1beta/cachedContents(?:/([^/]+))?$")
_TTL = re.compile(r"^([0-9]*\.?[0-9]+)s$")


def error(code: int, message: str, status: str) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "status": status}}
    return HttpResponse(code, json.dumps(body).encode())


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_rfc3339(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _parts_tokens(parts: Any) -> int:
    total = 0
    for part in parts if isinstance(parts, list) else ():
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            total += count_tokens(part["text"])
        elif "inlineData" in part or "inline_data" in part or "fileData" in part:
            total += IMAGE_TOKENS
        else:
            total += count_tokens(json.dumps(part, sort_keys=True))
    return total


def _system(body: Mapping[str, Any]) -> Any:
    return body.get("systemInstruction") or body.get("system_instruction")


def _prompt_tokens(body: Mapping[str, Any]) -> int:
    """Tokens of the system instruction, contents and tools in `body`."""
    total = 0
    system = _system(body)
    if isinstance(system, dict):
        total += _parts_tokens(system.get("parts"))
    for content in body.get("contents") or ():
        if isinstance(content, dict):
            total += _parts_tokens(content.get("parts"))
    if body.get("tools"):
        total += count_tokens(json.dumps(body["tools"], sort_keys=True))
    return total


def _last_user_text(contents: Any) -> str:
    for content in reversed(contents if isinstance(contents, list) else []):
        if isinstance(content, dict) and content.get("role", "user") == "user":
            texts = [
                p["text"] for p in content.get("parts") or () if isinstance(p, dict) and isinstance(p.get("text"), str)
            ]
            if texts:
                return " ".join(texts)
    return ""


def _bare_model(model: str) -> str:
    return model.removeprefix("models/")


@dataclass
class CachedContent:
    name: str
    owner: str  # the API key that created it
    model: str
    display_name: str
    tokens: int
    create_time: float
    update_time: float
    expire_time: float

    def metadata(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": f"models/{self.model}",
            "displayName": self.display_name,
            "createTime": _rfc3339(self.create_time),
            "updateTime": _rfc3339(self.update_time),
            "expireTime": _rfc3339(self.expire_time),
            "usageMetadata": {"totalTokenCount": self.tokens},
        }


class GeminiApi:
    """The Gemini endpoints and their cachedContents store (one per FakeProvider)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    # ------------------------------------------------------------ test controls

    def reset(self) -> None:
        with self._lock:
            self._caches: dict[str, CachedContent] = {}
            self._offset = 0.0
            self.created = 0
            self.deleted = 0
            self.patched = 0
            self.min_cache_tokens: int | None = None

    def now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move this API's clock forward (caches expire; nothing else changes)."""
        with self._lock:
            self._offset += seconds

    def live(self) -> list[CachedContent]:
        """Unexpired cached contents, oldest first."""
        now = self.now()
        with self._lock:
            return [c for c in self._caches.values() if c.expire_time > now]

    def min_tokens(self, model: str) -> int:
        if self.min_cache_tokens is not None:
            return self.min_cache_tokens
        return MIN_CACHE_TOKENS_BY_MODEL.get(model, DEFAULT_MIN_CACHE_TOKENS)

    # ----------------------------------------------------------------- dispatch

    async def handle(
        self, request: HttpRequest, entry: ReceivedRequest, state: ProviderState
    ) -> HttpResponse | StreamingResponse:
        query = parse_qs(request.query)
        key = request.headers.get("x-goog-api-key") or (query.get("key") or [""])[0]
        if not key:
            return error(403, "Method doesn't allow unregistered callers. Please use API Key.", "PERMISSION_DENIED")
        body: Any = {}
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                return error(400, "Invalid JSON payload received.", "INVALID_ARGUMENT")
            if not isinstance(body, dict):
                return error(400, "Invalid JSON payload received. Expected an object.", "INVALID_ARGUMENT")
        if match := _GENERATE.match(request.path):
            if request.method != "POST":
                return error(404, f"Method {request.method} not found.", "NOT_FOUND")
            await state.before_response()
            stream = match.group(2) == "streamGenerateContent"
            return await self._generate(key, match.group(1), body, stream, query.get("alt") == ["sse"], state)
        if match := _CACHE.match(request.path):
            name = match.group(1)
            if name is None and request.method == "POST":
                return self._create(key, body)
            if name is None and request.method == "GET":
                return self._list(key, query)
            if name is not None and request.method in ("GET", "PATCH", "DELETE"):
                return self._one(key, f"cachedContents/{name}", request.method, body)
        return error(404, f"Method not found: {request.method} {request.path}", "NOT_FOUND")

    # ------------------------------------------------------------ cachedContents

    def _find(self, key: str, name: str) -> CachedContent | None:
        cache = self._caches.get(name)
        if cache is None or cache.owner != key or cache.expire_time <= self.now():
            return None
        return cache

    def _expiry(self, body: Mapping[str, Any], now: float) -> float | str:
        """The expire time `body` asks for, or an error message."""
        if "ttl" in body and "expireTime" in body:
            return "ttl and expireTime are mutually exclusive."
        if "expireTime" in body:
            expires = _parse_rfc3339(str(body["expireTime"]))
            return "Invalid expireTime." if expires is None else expires
        if "ttl" in body:
            match = _TTL.match(str(body["ttl"]))
            return "Invalid ttl: expected a duration such as '300s'." if match is None else now + float(match.group(1))
        return now + DEFAULT_TTL_SECONDS

    def _create(self, key: str, body: Mapping[str, Any]) -> HttpResponse:
        model = body.get("model")
        if not isinstance(model, str) or not model.startswith("models/"):
            return error(400, "model is required and must look like models/{model}.", "INVALID_ARGUMENT")
        display = body.get("displayName", "")
        if not isinstance(display, str) or len(display) > 128:
            return error(400, "displayName must be a string of at most 128 characters.", "INVALID_ARGUMENT")
        now = self.now()
        expires = self._expiry(body, now)
        if isinstance(expires, str):
            return error(400, expires, "INVALID_ARGUMENT")
        tokens = _prompt_tokens(body)
        minimum = self.min_tokens(_bare_model(model))
        if tokens < minimum:
            return error(
                400,
                f"Cached content is too small. total_token_count={tokens}, min_total_token_count={minimum}",
                "INVALID_ARGUMENT",
            )
        cache = CachedContent(
            f"cachedContents/{uuid.uuid4().hex[:16]}", key, _bare_model(model), display, tokens, now, now, expires
        )
        with self._lock:
            self._caches[cache.name] = cache
            self.created += 1
        return HttpResponse(200, json.dumps(cache.metadata()).encode())

    def _list(self, key: str, query: Mapping[str, list[str]]) -> HttpResponse:
        try:
            size = min(max(int((query.get("pageSize") or ["10"])[0]), 1), 1000)
            start = int((query.get("pageToken") or ["0"])[0])
        except ValueError:
            return error(400, "Invalid pageSize or pageToken.", "INVALID_ARGUMENT")
        mine = [c for c in self.live() if c.owner == key]
        page: dict[str, Any] = {}
        if mine[start : start + size]:
            page["cachedContents"] = [c.metadata() for c in mine[start : start + size]]
        if start + size < len(mine):
            page["nextPageToken"] = str(start + size)
        return HttpResponse(200, json.dumps(page).encode())

    def _one(self, key: str, name: str, method: str, body: Mapping[str, Any]) -> HttpResponse:
        with self._lock:
            cache = self._find(key, name)
            if cache is None:
                return error(403, NOT_FOUND, "PERMISSION_DENIED")
            if method == "DELETE":
                del self._caches[name]
                self.deleted += 1
                return HttpResponse(200, b"{}")
            if method == "PATCH":
                if set(body) - {"ttl", "expireTime"}:
                    return error(400, "Only ttl or expireTime can be updated.", "INVALID_ARGUMENT")
                now = self.now()
                expires = self._expiry(body, now)
                if isinstance(expires, str):
                    return error(400, expires, "INVALID_ARGUMENT")
                cache.expire_time, cache.update_time = expires, now
                self.patched += 1
            return HttpResponse(200, json.dumps(cache.metadata()).encode())

    # ----------------------------------------------------------- generateContent

    async def _generate(
        self, key: str, model: str, body: Mapping[str, Any], stream: bool, sse: bool, state: ProviderState
    ) -> HttpResponse | StreamingResponse:
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return error(400, "* GenerateContentRequest.contents: contents is not specified", "INVALID_ARGUMENT")
        cached = 0
        if (name := body.get("cachedContent")) is not None:
            if _system(body) or body.get("tools") or body.get("toolConfig") or body.get("tool_config"):
                return error(400, CACHE_CONFLICT, "INVALID_ARGUMENT")
            with self._lock:
                cache = self._find(key, str(name))
            if cache is None or cache.model != model:
                return error(403, NOT_FOUND, "PERMISSION_DENIED")
            cached = cache.tokens
        prompt = cached + _prompt_tokens(body)
        text = answer_text(_last_user_text(contents))
        finish = "STOP"
        limit = (body.get("generationConfig") or {}).get("maxOutputTokens")
        if isinstance(limit, int) and count_tokens(text) > limit:
            text, finish = truncate_to_tokens(text, limit), "MAX_TOKENS"
        completion = count_tokens(text)
        usage: dict[str, Any] = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": completion,
            "totalTokenCount": prompt + completion,
        }
        if cached:
            usage["cachedContentTokenCount"] = cached
        response_id = uuid.uuid4().hex[:20]

        def chunk(piece: str, last: bool) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"parts": [{"text": piece}], "role": "model"}, "index": 0}
            if last:
                candidate["finishReason"] = finish
            return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": model, "responseId": response_id}

        if not stream:
            return HttpResponse(200, json.dumps(chunk(text, True)).encode())
        pieces = split_chunks(text, state.settings.chunks) or [""]
        documents = [chunk(p, i == len(pieces) - 1) for i, p in enumerate(pieces)]
        if not sse:
            return HttpResponse(200, json.dumps(documents).encode())

        async def events() -> AsyncGenerator[bytes, None]:
            for document in documents:
                await state.between_chunks()
                yield b"data: " + json.dumps(document).encode() + b"\n\n"

        return StreamingResponse(200, events())
