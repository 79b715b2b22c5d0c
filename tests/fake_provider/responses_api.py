"""OpenAI Responses API wire format: ``POST /v1/responses``, as one object or typed SSE events.

The answer follows the chat rules (replies.py); the prompt goes through the same
OpenAI prefix cache as chat, serialised in Responses order
(prompts.responses_prompt_tokens). Responses with ``store`` (the default) are
kept per API key so ``previous_response_id`` continues them.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import openai_common
from .faults import Fault
from .http11 import HttpRequest, HttpResponse, StreamCut, StreamingResponse
from .openai_common import InvalidRequest
from .prefix_cache import OpenAICachePlan, OpenAICacheReport
from .prompts import openai_content_text, responses_prompt_tokens
from .replies import answer_text, example_arguments, split_chunks
from .response_store import StoredResponse
from .responses_input import ResponsesRequest, check_call_outputs, chosen_tool, parse
from .state import ProviderState, ReceivedRequest
from .tokens import count_tokens, truncate_to_tokens

# What OpenAI sends when a started stream is dropped for capacity (observed Codex traffic).
STREAM_OVERLOADED_MESSAGE = "Our servers are currently overloaded. Please try again later."


def _ident(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"


@dataclass(frozen=True)
class _Output:
    """The reply's one output item: an assistant message or a function call."""

    id: str
    kind: str  # "message" or "function_call"
    text: str = ""
    name: str = ""
    arguments: str = ""
    call_id: str = ""
    truncated: bool = False  # cut at max_output_tokens

    @property
    def status(self) -> str:
        return "incomplete" if self.truncated else "completed"

    @property
    def tokens(self) -> int:
        return count_tokens(self.text) + count_tokens(self.name) + count_tokens(self.arguments)

    @property
    def streamed(self) -> str:
        """What the deltas carry."""
        return self.text if self.kind == "message" else self.arguments

    def part(self, text: str | None = None) -> dict[str, Any]:
        return {
            "type": "output_text",
            "annotations": [],
            "logprobs": [],
            "text": self.text if text is None else text,
        }

    def item(self, status: str) -> dict[str, Any]:
        started = status == "in_progress"
        if self.kind == "function_call":
            return {
                "id": self.id,
                "type": "function_call",
                "status": status,
                "arguments": "" if started else self.arguments,
                "call_id": self.call_id,
                "name": self.name,
            }
        return {
            "id": self.id,
            "type": "message",
            "status": status,
            "content": [] if started else [self.part()],
            "role": "assistant",
        }


def _last_user_text(context: Sequence[Mapping[str, Any]]) -> str:
    for item in reversed(context):
        if item.get("type") == "message" and item.get("role") == "user":
            return openai_content_text(item.get("content"))
    return ""


def _answer(request: ResponsesRequest, context: Sequence[Mapping[str, Any]]) -> str:
    text = request.body.get("text")
    text_format = text.get("format") if isinstance(text, Mapping) else None
    if isinstance(text_format, Mapping) and text_format.get("type") == "json_schema":
        # Structured output: the schema's required properties, as for tool arguments.
        return json.dumps(example_arguments(text_format.get("schema")))
    return answer_text(_last_user_text(context))


def _reply(request: ResponsesRequest, context: Sequence[Mapping[str, Any]]) -> _Output:
    tool = chosen_tool(request)
    if tool is not None:
        return _Output(
            _ident("fc"),
            "function_call",
            name=str(tool.get("name")),
            arguments=json.dumps(example_arguments(tool.get("parameters"))),
            call_id=f"call_{secrets.token_hex(12)}",
        )
    text = _answer(request, context)
    limit = request.max_output_tokens
    if limit is not None and count_tokens(text) > limit:
        return _Output(_ident("msg"), "message", text=truncate_to_tokens(text, limit), truncated=True)
    return _Output(_ident("msg"), "message", text=text)


def _usage(report: OpenAICacheReport, output_tokens: int) -> dict[str, Any]:
    # The classic cache regime bills no writes, but the field is always there (A.4).
    return {
        "input_tokens": report.prompt_tokens,
        "input_tokens_details": {"cached_tokens": report.cached_tokens, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": report.prompt_tokens + output_tokens,
    }


def _echo_tool(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    if tool.get("type") != "function":
        return tool
    # Function tools are strict unless the request says otherwise.
    return {"description": None, "parameters": None, "strict": True, **tool}


def _or(value: object, default: object) -> object:
    return default if value is None else value


@dataclass(frozen=True)
class _Document:
    """Renders the response object in each state it passes through."""

    request: ResponsesRequest
    id: str
    created_at: int

    def render(
        self,
        status: str,
        output: Sequence[Mapping[str, Any]] = (),
        usage: Mapping[str, Any] | None = None,
        error: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = self.request.body
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "background": False,
            "completed_at": int(time.time()) if status == "completed" else None,
            "error": error,
            "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": body.get("max_tool_calls"),
            "model": self.request.model,
            "output": list(output),
            "parallel_tool_calls": _or(body.get("parallel_tool_calls"), True),
            "previous_response_id": self.request.previous_response_id,
            "prompt_cache_key": body.get("prompt_cache_key"),
            "prompt_cache_retention": body.get("prompt_cache_retention"),
            "reasoning": {"effort": None, "summary": None, **(body.get("reasoning") or {})},
            "safety_identifier": body.get("safety_identifier"),
            "service_tier": "default",
            "store": self.request.store,
            "temperature": _or(body.get("temperature"), 1.0),
            "text": {"format": {"type": "text"}, "verbosity": "medium", **(body.get("text") or {})},
            "tool_choice": _or(body.get("tool_choice"), "auto"),
            "tools": [_echo_tool(tool) for tool in body.get("tools") or ()],
            "top_logprobs": _or(body.get("top_logprobs"), 0),
            "top_p": _or(body.get("top_p"), 1.0),
            "truncation": _or(body.get("truncation"), "disabled"),
            "usage": usage,
            "user": body.get("user"),
            "metadata": body.get("metadata") or {},
        }


def _earlier_items(state: ProviderState, api_key: str, request: ResponsesRequest) -> tuple[Mapping[str, Any], ...]:
    if request.previous_response_id is None:
        return ()
    stored = state.responses.get(api_key, request.previous_response_id)
    if stored is None:
        raise InvalidRequest(
            f"Previous response with id '{request.previous_response_id}' not found.",
            "previous_response_id",
            "previous_response_not_found",
        )
    return stored.context


async def responses(
    request: HttpRequest, entry: ReceivedRequest, state: ProviderState
) -> HttpResponse | StreamingResponse:
    preflight = openai_common.preflight(request)
    if isinstance(preflight, HttpResponse):
        return preflight
    api_key, body = preflight
    fault, failure = await openai_common.take_fault(request, entry, state, body)
    if failure is not None:
        return failure
    try:
        parsed = parse(body)
        context = (*_earlier_items(state, api_key, parsed), *parsed.items)
        check_call_outputs(context)
    except InvalidRequest as invalid:
        return invalid.response()
    if fault is Fault.OVERLOADED and not parsed.stream:
        return openai_common.overloaded()

    plan = openai_common.plan_cache(state, entry, api_key, body, responses_prompt_tokens(body, context))
    output = _reply(parsed, context)
    document = _Document(parsed, _ident("resp"), int(time.time()))
    usage = _usage(plan.report, output.tokens)

    def finish(delivered: bool = True) -> dict[str, Any]:
        item = output.item(output.status)
        final = document.render(output.status, [item], usage)
        # A response the client never fully received cannot be continued: it has no id.
        if parsed.store and delivered:
            state.responses.put(api_key, StoredResponse(document.id, (*context, item), final))
        return final

    await state.before_response()
    if not parsed.stream:
        state.openai_cache.commit(plan)
        cut = fault is Fault.CUT_STREAM
        return HttpResponse(200, json.dumps(finish(delivered=not cut)).encode(), cut=cut)
    return StreamingResponse(200, _events(state, plan, fault, document, output, finish))


class _EventWriter:
    """Numbers events from 0 and writes them as ``event: <type>`` + ``data: {..., "type"}``."""

    def __init__(self) -> None:
        self._sequence = 0

    def __call__(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


async def _events(
    state: ProviderState,
    plan: OpenAICachePlan,
    fault: Fault | None,
    document: _Document,
    output: _Output,
    finish: Callable[[], dict[str, Any]],
) -> AsyncGenerator[bytes, None]:
    emit = _EventWriter()
    state.openai_cache.commit(plan)
    opening = document.render("in_progress")
    yield emit("response.created", response=opening)
    yield emit("response.in_progress", response=opening)
    where = {"item_id": output.id, "output_index": 0}
    yield emit("response.output_item.added", output_index=0, item=output.item("in_progress"))
    text = output.kind == "message"
    if text:
        yield emit("response.content_part.added", **where, content_index=0, part=output.part(""))
    pieces = split_chunks(output.streamed, state.settings.chunks)
    for number, piece in enumerate(pieces):
        if number == len(pieces) // 2 and fault is Fault.CUT_STREAM:
            raise StreamCut
        if number == len(pieces) // 2 and fault is Fault.OVERLOADED:
            for event in _failure(emit, document):
                yield event
            return
        await state.between_chunks()
        if text:
            yield emit("response.output_text.delta", **where, content_index=0, delta=piece, logprobs=[])
        else:
            yield emit("response.function_call_arguments.delta", **where, delta=piece)
    if text:
        yield emit("response.output_text.done", **where, content_index=0, text=output.text, logprobs=[])
        yield emit("response.content_part.done", **where, content_index=0, part=output.part())
    else:
        yield emit("response.function_call_arguments.done", **where, arguments=output.arguments)
    yield emit("response.output_item.done", output_index=0, item=output.item(output.status))
    final = finish()
    yield emit("response.completed" if output.status == "completed" else "response.incomplete", response=final)


def _failure(emit: _EventWriter, document: _Document) -> list[bytes]:
    """A capacity failure mid-stream: the terminal ``response.failed``, then the ``error``
    frame in the nested shape OpenAI sends (which makes the openai SDK raise APIError)."""
    failed = document.render(
        "failed",
        error={"code": "server_error", "message": STREAM_OVERLOADED_MESSAGE},
    )
    detail = {
        "type": "service_unavailable_error",
        "code": "server_is_overloaded",
        "message": STREAM_OVERLOADED_MESSAGE,
        "param": None,
    }
    return [emit("response.failed", response=failed), emit("error", error=detail)]
