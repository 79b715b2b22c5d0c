"""The OpenAI Responses API (`POST /v1/responses`) as a `WireFormat`.

Requests are carried through the pipeline in the OpenAI chat dialect (items.py maps input
items to messages and back), so layering, cache markers and the response caches work on
them as on chat completions. A route whose provider has the Responses API (OpenAI itself)
gets the request natively; every other route gets chat completions (bridge.py) and its
answer back as a `response` object or typed event stream.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from proxy.errors import GatewayError
from proxy.pipeline.request import LayerCacheOptions, PipelineRequest
from proxy.route_spec import RouteSpec, UpstreamApi
from proxy.sse import named_event
from proxy.usage import Usage
from proxy.wire.base import ChatStreamBridge, StreamParser, WireFormat
from proxy.wire.common import new_id, openai_error_body
from proxy.wire.openai_responses import bridge, items
from proxy.wire.openai_responses.schema import check_request
from proxy.wire.openai_responses.stream import ResponseStreamParser, replay, usage_of

_STRUCTURAL = ("model", "input", "instructions", "tools", "stream")
REPLAYABLE_ITEMS = frozenset({"message", "function_call", "reasoning"})


class OpenAIResponses(WireFormat):
    name = "openai_responses"
    endpoint = "responses"
    path = "/v1/responses"
    dialect = "openai"
    native_api = UpstreamApi.OPENAI_RESPONSES

    def parse(self, body: Mapping[str, Any], options: LayerCacheOptions, route: RouteSpec) -> PipelineRequest:
        check_request(body)
        params = {k: v for k, v in body.items() if k not in _STRUCTURAL}
        return PipelineRequest(
            wire=self.name,
            dialect=self.dialect,
            model=body["model"],
            messages=items.to_messages(body.get("instructions"), body["input"]),
            tools=tuple(items.tool_to_chat(t) for t in body.get("tools") or ()),
            params=MappingProxyType(params),
            stream=bool(body.get("stream")),
            options=options,
            provider_family=route.provider_family,
        )

    def render(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        instructions, input_items = items.to_native(req.messages)
        body: dict[str, Any] = {"model": route.upstream_model, "input": input_items}
        if instructions is not None:
            body["instructions"] = instructions
        if req.tools:
            body["tools"] = [items.tool_to_native(t) for t in req.tools]
        body.update(req.params)
        if req.stream:
            body["stream"] = True
        return body

    def to_chat(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        return bridge.to_chat(req, route.upstream_model)

    def from_chat(self, body: Mapping[str, Any], req: PipelineRequest) -> dict[str, Any]:
        return bridge.from_chat(body, req)

    def chat_stream(self, req: PipelineRequest) -> ChatStreamBridge:
        return bridge.ChatToResponses(req)

    def usage(self, body: Mapping[str, Any]) -> Usage:
        return usage_of(body.get("usage"))

    def stream_parser(self, req: PipelineRequest, assemble: bool = True) -> StreamParser:
        return ResponseStreamParser(assemble=assemble)

    def served_body(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        if stored.get("store") is True:
            # The provider keeps this response under its id: serving that id lets a client
            # chain the next request from it (previous_response_id), which a new id would break.
            return {**stored}
        return {**stored, "id": new_id("resp_", 48), "created_at": int(time.time())}

    def replay_stream(self, body: Mapping[str, Any], req: PipelineRequest) -> Iterator[bytes]:
        return replay(body)

    def unstorable_reason(self, body: Mapping[str, Any], allow_tool_calls: bool) -> str:
        if body.get("object") != "response":
            return "not a response"
        if body.get("status") != "completed":
            return f"status {body.get('status')!r}"
        output = body.get("output")
        if not isinstance(output, list) or not output:
            return "no output"
        for item in output:
            kind = item.get("type") if isinstance(item, Mapping) else None
            if kind not in REPLAYABLE_ITEMS:
                return f"output item {kind!r}"
            if kind == "function_call" and not allow_tool_calls:
                return "tool calls are not cached on this route"
        return ""

    def error_body(self, error: GatewayError) -> dict[str, Any]:
        return openai_error_body(error)

    def error_event(self, error: GatewayError) -> bytes:
        # The nested `error` object is what OpenAI sends and what the SDK raises on; the
        # flat fields are ResponseErrorEvent's, for clients that read the typed event.
        inner = openai_error_body(error)["error"]
        payload = {"type": "error", "sequence_number": 0, "code": inner["code"], "message": inner["message"]}
        payload.update({"param": inner["param"], "error": inner})
        return named_event("error", payload)


OPENAI_RESPONSES = OpenAIResponses()
