"""OpenAI Chat Completions wire format (PROVIDER_CACHING.md E.1)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from . import openai_common
from .faults import Fault
from .http11 import HttpRequest, HttpResponse, StreamCut, StreamingResponse
from .openai_common import error
from .prompts import openai_content_text, openai_prompt_tokens
from .replies import answer_text, example_arguments, split_chunks
from .state import ProviderState, ReceivedRequest
from .tokens import count_tokens, truncate_to_tokens

MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5")
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
FINGERPRINT = "fp_fakeprov01"


def list_models() -> HttpResponse:
    data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fake-provider"} for m in MODELS]
    return HttpResponse(200, json.dumps({"object": "list", "data": data}).encode())


def _validate(body: Any) -> HttpResponse | None:
    if not isinstance(body, dict):
        return error(
            400,
            "Invalid type for request body: expected an object.",
            "invalid_request_error",
        )
    if not isinstance(body.get("model"), str) or not body["model"]:
        return error(400, "you must provide a model parameter", "invalid_request_error")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return error(
            400,
            "[] is too short - 'messages'",
            "invalid_request_error",
            "empty_array",
            "messages",
        )
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return error(
                400,
                f"Invalid value for 'messages[{index}].role'.",
                "invalid_request_error",
                "invalid_value",
                f"messages[{index}].role",
            )
    return None


@dataclass(frozen=True)
class _Reply:
    text: str | None
    tool_name: str | None
    tool_arguments: str
    finish_reason: str
    completion_tokens: int


def _chosen_tool(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tools = [t for t in body.get("tools") or () if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)]
    choice = body.get("tool_choice", "auto")
    last = body["messages"][-1]
    if not tools or choice == "none" or last.get("role") != "user":
        return None
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        wanted = choice["function"].get("name")
        return next((t["function"] for t in tools if t["function"].get("name") == wanted), None)
    function: Mapping[str, Any] = tools[0]["function"]
    return function


def _reply(body: Mapping[str, Any]) -> _Reply:
    tool = _chosen_tool(body)
    if tool is not None:
        arguments = json.dumps(example_arguments(tool.get("parameters")))
        name = str(tool.get("name", ""))
        return _Reply(
            None,
            name,
            arguments,
            "tool_calls",
            count_tokens(name) + count_tokens(arguments),
        )
    last_user: Mapping[str, Any] = next((m for m in reversed(body["messages"]) if m.get("role") == "user"), {})
    text = answer_text(openai_content_text(last_user.get("content")))
    finish = "stop"
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if isinstance(limit, int) and count_tokens(text) > limit:
        text, finish = truncate_to_tokens(text, limit), "length"
    return _Reply(text, None, "", finish, count_tokens(text))


def _usage(prompt_tokens: int, cached: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


async def chat_completions(
    request: HttpRequest, entry: ReceivedRequest, state: ProviderState
) -> HttpResponse | StreamingResponse:
    preflight = openai_common.preflight(request)
    if isinstance(preflight, HttpResponse):
        return preflight
    api_key, body = preflight
    fault, failure = await openai_common.take_fault(request, entry, state, body)
    if failure is not None:
        return failure
    if (invalid := _validate(body)) is not None:
        return invalid
    stream = bool(body.get("stream"))
    if fault is Fault.OVERLOADED and not stream:
        return openai_common.overloaded()
    plan = openai_common.plan_cache(state, entry, api_key, body, openai_prompt_tokens(body))
    reply = _reply(body)
    usage = _usage(plan.report.prompt_tokens, plan.report.cached_tokens, reply.completion_tokens)
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    call_id = f"call_{uuid.uuid4().hex[:24]}"
    await state.before_response()
    if not stream:
        state.openai_cache.commit(plan)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.text,
            "refusal": None,
        }
        if reply.tool_name is not None:
            message["tool_calls"] = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": reply.tool_name,
                        "arguments": reply.tool_arguments,
                    },
                }
            ]
        document = {
            "id": ident,
            "object": "chat.completion",
            "created": created,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": usage,
            "service_tier": "default",
            "system_fingerprint": FINGERPRINT,
        }
        return HttpResponse(200, json.dumps(document).encode(), cut=fault is Fault.CUT_STREAM)

    options = body.get("stream_options")
    include_usage = isinstance(options, Mapping) and bool(options.get("include_usage"))
    chunk = _ChunkWriter(ident, created, body["model"], include_usage)

    async def events() -> AsyncGenerator[bytes, None]:
        state.openai_cache.commit(plan)
        if reply.tool_name is not None:
            yield chunk.delta(
                {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": reply.tool_name, "arguments": ""},
                        }
                    ],
                }
            )
            pieces: list[dict[str, Any]] = [
                {"tool_calls": [{"index": 0, "function": {"arguments": p}}]}
                for p in split_chunks(reply.tool_arguments, state.settings.chunks)
            ]
        else:
            yield chunk.delta({"role": "assistant", "content": "", "refusal": None})
            pieces = [{"content": p} for p in split_chunks(reply.text or "", state.settings.chunks)]
        for number, delta in enumerate(pieces):
            if fault is not None and number == len(pieces) // 2:
                if fault is Fault.OVERLOADED:
                    yield (
                        b'data: {"error":{"message":"The server is overloaded, please try again later.",'
                        b'"type":"server_error","param":null,"code":null}}\n\n'
                    )
                    return
                if fault is Fault.CUT_STREAM:
                    raise StreamCut
            await state.between_chunks()
            yield chunk.delta(delta)
        yield chunk.delta({}, reply.finish_reason)
        if include_usage:
            yield chunk.data({"choices": [], "usage": usage})
        yield b"data: [DONE]\n\n"

    return StreamingResponse(200, events())


class _ChunkWriter:
    """Serialises chunks that share one id, created time and model (E.1)."""

    def __init__(self, ident: str, created: int, model: str, include_usage: bool) -> None:
        self._base = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": FINGERPRINT,
        }
        self._include_usage = include_usage

    def data(self, fields: Mapping[str, Any]) -> bytes:
        return b"data: " + json.dumps({**self._base, **fields}).encode() + b"\n\n"

    def delta(self, delta: Mapping[str, Any], finish_reason: str | None = None) -> bytes:
        fields: dict[str, Any] = {
            "choices": [
                {
                    "index": 0,
                    "delta": delta,
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ]
        }
        if self._include_usage:
            fields["usage"] = None
        return self.data(fields)
