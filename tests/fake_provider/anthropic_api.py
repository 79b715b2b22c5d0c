"""Anthropic Messages wire format (PROVIDER_CACHING.md E.2) with breakpoint caching (B)."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from .faults import Fault
from .http11 import HttpRequest, HttpResponse, StreamCut, StreamingResponse
from .prefix_cache import AnthropicCacheReport
from .prompts import (
    PromptError,
    anthropic_min_cache_tokens,
    anthropic_positions,
    openai_content_text,
)
from .replies import answer_text, example_arguments, split_chunks
from .state import ProviderState, ReceivedRequest
from .tokens import count_tokens, truncate_to_tokens

MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5")


def _request_id() -> str:
    return f"req_{uuid.uuid4().hex[:24]}"


def error(status: int, kind: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpResponse:
    request_id = _request_id()
    body = {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": request_id,
    }
    return HttpResponse(status, json.dumps(body).encode(), (("request-id", request_id), *headers))


def not_found(request: HttpRequest) -> HttpResponse:
    return error(404, "not_found_error", f"Not found: {request.method} {request.path}")


def list_models() -> HttpResponse:
    data = [
        {
            "type": "model",
            "id": m,
            "display_name": m,
            "created_at": "2025-09-29T00:00:00Z",
        }
        for m in MODELS
    ]
    document = {
        "data": data,
        "has_more": False,
        "first_id": MODELS[0],
        "last_id": MODELS[-1],
    }
    return HttpResponse(200, json.dumps(document).encode(), (("request-id", _request_id()),))


def _api_key(request: HttpRequest) -> str:
    key = request.headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _preflight(request: HttpRequest) -> tuple[str, Any] | HttpResponse:
    """Auth, version header and JSON: (api key, body) or the error to send."""
    api_key = _api_key(request)
    if not api_key:
        return error(401, "authentication_error", "x-api-key header is required")
    if not request.headers.get("anthropic-version"):
        return error(400, "invalid_request_error", "anthropic-version: header is required")
    try:
        return api_key, json.loads(request.body)
    except ValueError as exc:
        return error(
            400,
            "invalid_request_error",
            f"There was an error parsing the body of your request: {exc}",
        )


def _validate(body: Any, *, needs_max_tokens: bool = True) -> HttpResponse | None:
    if not isinstance(body, dict):
        return error(400, "invalid_request_error", "body: Input should be a valid dictionary")
    if not isinstance(body.get("model"), str) or not body["model"]:
        return error(400, "invalid_request_error", "model: Field required")
    messages = body.get("messages")
    if not isinstance(messages, list):
        return error(400, "invalid_request_error", "messages: Field required")
    if not messages:
        return error(400, "invalid_request_error", "messages: at least one message is required")
    max_tokens = body.get("max_tokens")
    if needs_max_tokens and (not isinstance(max_tokens, int) or isinstance(max_tokens, bool)):
        return error(400, "invalid_request_error", "max_tokens: Field required")
    if isinstance(max_tokens, int) and max_tokens < 0:
        return error(
            400,
            "invalid_request_error",
            "max_tokens: Input should be greater than or equal to 0",
        )
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "user",
            "assistant",
        ):
            return error(
                400,
                "invalid_request_error",
                f"messages.{index}.role: Input should be 'user' or 'assistant'",
            )
        if not isinstance(message.get("content"), (str, list)):
            return error(
                400,
                "invalid_request_error",
                f"messages.{index}.content: Field required",
            )
    if max_tokens == 0 and body.get("stream"):
        return error(
            400,
            "invalid_request_error",
            "max_tokens: 0 cannot be used with stream: true",
        )
    return None


def _fault_response(fault: Fault, state: ProviderState, stream: bool) -> HttpResponse | None:
    if fault is Fault.RATE_LIMIT:
        wait = str(math.ceil(state.settings.retry_after_seconds))
        return error(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit.",
            (("retry-after", wait),),
        )
    if fault is Fault.SERVER_ERROR:
        return error(500, "api_error", "Internal server error")
    if fault is Fault.OVERLOADED and not stream:
        return error(529, "overloaded_error", "Overloaded")
    return None


@dataclass(frozen=True)
class _Block:
    kind: str  # "text" or "tool_use"
    text: str = ""
    tool_id: str = ""
    tool_name: str = ""
    tool_input: str = "{}"


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    """Text of the latest user turn that has any (tool results carry none)."""
    for message in reversed(messages):
        if message["role"] != "user":
            continue
        content = message["content"]
        if isinstance(content, str):
            return content
        texts = [b for b in content if isinstance(b, Mapping) and b.get("type") == "text"]
        if texts:
            return openai_content_text(texts)
    return ""


def _chosen_tool(body: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, bool]:
    """The tool to call, and whether the call is forced (no text preamble then)."""
    tools = [t for t in body.get("tools") or () if isinstance(t, Mapping) and "input_schema" in t]
    choice = body.get("tool_choice")
    if not isinstance(choice, Mapping):
        choice = {"type": "auto"}
    last = body["messages"][-1]
    content = last["content"]
    answers_tool = isinstance(content, list) and any(
        isinstance(b, Mapping) and b.get("type") == "tool_result" for b in content
    )
    if not tools or choice.get("type") == "none" or last["role"] != "user" or answers_tool:
        return None, False
    if choice.get("type") == "tool":
        return next((t for t in tools if t.get("name") == choice.get("name")), None), True
    return tools[0], choice.get("type") == "any"


def _reply(body: Mapping[str, Any]) -> tuple[list[_Block], str, int]:
    """Content blocks, stop_reason and output token count."""
    limit: int = body["max_tokens"]
    if limit == 0:  # pre-warm request: write the cache, generate nothing (B.1)
        return [], "max_tokens", 0
    tool, forced = _chosen_tool(body)
    if tool is not None:
        arguments = json.dumps(example_arguments(tool.get("input_schema")))
        call = _Block(
            "tool_use",
            tool_id=f"toolu_{uuid.uuid4().hex[:24]}",
            tool_name=str(tool.get("name")),
            tool_input=arguments,
        )
        blocks = [call] if forced else [_Block("text", text=f"Calling {call.tool_name}."), call]
        return (
            blocks,
            "tool_use",
            sum(count_tokens(b.text + b.tool_name + b.tool_input) for b in blocks),
        )
    text = answer_text(_last_user_text(body["messages"]))
    stop = "end_turn"
    if count_tokens(text) > limit:
        text, stop = truncate_to_tokens(text, limit), "max_tokens"
    return [_Block("text", text=text)], stop, count_tokens(text)


def _usage(report: AnthropicCacheReport, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": report.input_tokens,
        "cache_creation_input_tokens": report.cache_creation_input_tokens,
        "cache_read_input_tokens": report.cache_read_input_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": report.ephemeral_5m_input_tokens,
            "ephemeral_1h_input_tokens": report.ephemeral_1h_input_tokens,
        },
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def _block_json(block: _Block) -> dict[str, Any]:
    if block.kind == "text":
        return {"type": "text", "text": block.text}
    return {
        "type": "tool_use",
        "id": block.tool_id,
        "name": block.tool_name,
        "input": json.loads(block.tool_input),
    }


def count_tokens_endpoint(request: HttpRequest) -> HttpResponse:
    preflight = _preflight(request)
    if isinstance(preflight, HttpResponse):
        return preflight
    _, body = preflight
    if (invalid := _validate(body, needs_max_tokens=False)) is not None:
        return invalid
    try:
        positions = anthropic_positions(body)
    except PromptError as exc:
        return error(400, "invalid_request_error", str(exc))
    total = positions[-1].end_tokens if positions else 0
    return HttpResponse(
        200,
        json.dumps({"input_tokens": total}).encode(),
        (("request-id", _request_id()),),
    )


async def messages(
    request: HttpRequest, entry: ReceivedRequest, state: ProviderState
) -> HttpResponse | StreamingResponse:
    preflight = _preflight(request)
    if isinstance(preflight, HttpResponse):
        return preflight
    api_key, body = preflight
    model = body.get("model") if isinstance(body, dict) else None
    stream = isinstance(body, dict) and bool(body.get("stream"))
    entry.fault = fault = state.faults.take(request.path, model if isinstance(model, str) else None)
    if fault is Fault.TIMEOUT:
        await state.stall()
    elif fault is not None and (failure := _fault_response(fault, state, stream)) is not None:
        return failure
    if (invalid := _validate(body)) is not None:
        return invalid
    try:
        positions = anthropic_positions(body)
    except PromptError as exc:
        return error(400, "invalid_request_error", str(exc))

    minimum = state.settings.anthropic_min_cache_tokens
    if minimum is None:
        minimum = anthropic_min_cache_tokens(body["model"])
    plan = state.anthropic_cache.lookup((api_key, body["model"]), positions, minimum)
    entry.cache_report = plan.report
    blocks, stop_reason, output_tokens = _reply(body)
    usage = _usage(plan.report, output_tokens)
    message_id, request_id = f"msg_{uuid.uuid4().hex[:24]}", _request_id()
    headers = (("request-id", request_id),)
    await state.before_response()
    if not stream:
        state.anthropic_cache.commit(plan)
        document = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [_block_json(b) for b in blocks],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }
        return HttpResponse(200, json.dumps(document).encode(), headers, cut=fault is Fault.CUT_STREAM)

    async def events() -> AsyncGenerator[bytes, None]:
        state.anthropic_cache.commit(plan)
        start = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": body["model"],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage, "output_tokens": 1},
        }
        yield _event("message_start", {"type": "message_start", "message": start})
        if fault is Fault.OVERLOADED:
            yield _event(
                "error",
                {
                    "type": "error",
                    "error": {"type": "overloaded_error", "message": "Overloaded"},
                },
            )
            return
        for index, block in enumerate(blocks):
            async for event in _block_events(index, block, state, cut=fault is Fault.CUT_STREAM):
                yield event
        final_usage = {
            k: usage[k]
            for k in (
                "input_tokens",
                "cache_creation_input_tokens",
                "cache_read_input_tokens",
                "output_tokens",
            )
        }
        yield _event(
            "message_delta",
            {
                "type": "message_delta",
                "usage": final_usage,
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            },
        )
        yield _event("message_stop", {"type": "message_stop"})

    return StreamingResponse(200, events(), headers)


async def _block_events(index: int, block: _Block, state: ProviderState, cut: bool) -> AsyncGenerator[bytes, None]:
    if block.kind == "text":
        opening: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in split_chunks(block.text, state.settings.chunks)]
    else:
        opening = {
            "type": "tool_use",
            "id": block.tool_id,
            "name": block.tool_name,
            "input": {},
        }
        deltas = [
            {"type": "input_json_delta", "partial_json": p}
            for p in ["", *split_chunks(block.tool_input, state.settings.chunks)]
        ]
    yield _event(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": opening},
    )
    if index == 0:
        yield _event("ping", {"type": "ping"})
    for number, delta in enumerate(deltas):
        if cut and number == max(1, len(deltas) // 2):
            raise StreamCut
        await state.between_chunks()
        yield _event(
            "content_block_delta",
            {"type": "content_block_delta", "index": index, "delta": delta},
        )
    if cut:
        raise StreamCut
    yield _event("content_block_stop", {"type": "content_block_stop", "index": index})


def _event(name: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
