"""What several wire formats do the same way: messages in and out of the pipeline's shape,
the tail of an upstream body, response ids, replay pieces, and OpenAI's error envelope
(shared by chat completions and the Responses API)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from proxy.errors import ErrorKind, GatewayError
from proxy.pipeline.request import Message, PipelineRequest

# Replayed text is cut into pieces of about this many characters: small enough that a
# client renders progressively, large enough that a long answer is not thousands of events.
CHUNK_CHARS = 64


def message_from_wire(raw: Mapping[str, Any]) -> Message:
    content = raw.get("content")
    if isinstance(content, list):
        content = tuple(content)
    extra = {k: v for k, v in raw.items() if k not in ("role", "content")}
    return Message(role=raw["role"], content=content, fields=MappingProxyType(extra))


def message_to_wire(message: Message) -> dict[str, Any]:
    content = list(message.content) if isinstance(message.content, tuple) else message.content
    rendered: dict[str, Any] = {"role": message.role, "content": content}
    rendered.update(message.fields)
    return rendered


def finish_body(body: dict[str, Any], req: PipelineRequest) -> dict[str, Any]:
    if req.tools:
        body["tools"] = list(req.tools)
    body.update(req.params)
    if req.stream:
        body["stream"] = True
    return body


def new_id(prefix: str, length: int = 32) -> str:
    return f"{prefix}{uuid.uuid4().hex[:length]}"


def pieces(text: str) -> Iterator[str]:
    for start in range(0, len(text), CHUNK_CHARS):
        yield text[start : start + CHUNK_CHARS]


# (type, code) of OpenAI's error envelope per kind.
_OPENAI_NAMES: dict[ErrorKind, tuple[str, str | None]] = {
    ErrorKind.INVALID_REQUEST: ("invalid_request_error", None),
    ErrorKind.AUTHENTICATION: ("invalid_request_error", "invalid_api_key"),
    ErrorKind.PERMISSION: ("permission_error", "model_not_allowed"),
    ErrorKind.NOT_FOUND: ("invalid_request_error", "model_not_found"),
    ErrorKind.METHOD_NOT_ALLOWED: ("invalid_request_error", "method_not_allowed"),
    ErrorKind.TOO_LARGE: ("invalid_request_error", "request_too_large"),
    ErrorKind.RATE_LIMIT: ("requests", "rate_limit_exceeded"),
    ErrorKind.SERVER: ("server_error", None),
    ErrorKind.UPSTREAM: ("server_error", "upstream_error"),
    ErrorKind.UNAVAILABLE: ("server_error", "service_unavailable"),
    ErrorKind.TIMEOUT: ("server_error", "upstream_timeout"),
}


def openai_error_body(error: GatewayError) -> dict[str, Any]:
    kind, code = _OPENAI_NAMES[error.kind]
    return {
        "error": {
            "message": error.message,
            "type": error.openai_type or kind,
            "param": error.param,
            "code": error.code or code,
        }
    }
