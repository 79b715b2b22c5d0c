"""OpenAI Chat Completions (`POST /v1/chat/completions`) as a `WireFormat`.

Chat completions is also the bridge every other protocol crosses to reach a route that
does not speak it, so its own bridge is the identity.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from proxy.errors import GatewayError
from proxy.pipeline.request import LayerCacheOptions, PipelineRequest
from proxy.route_spec import RouteSpec, UpstreamApi
from proxy.sse import openai_event
from proxy.usage import Usage, from_openai
from proxy.wire.base import ChatStreamBridge, StreamParser, WireFormat
from proxy.wire.common import finish_body, message_from_wire, message_to_wire, new_id, openai_error_body
from proxy.wire.openai_chat.schema import check_request
from proxy.wire.openai_chat.stream import ChatStreamParser, replay

_STRUCTURAL = ("model", "messages", "tools", "stream")
COMPLETE_FINISH_REASONS = frozenset({"stop", "tool_calls", "function_call"})


class _Identity:
    """Chat events are already chat events."""

    def feed(self, event: bytes) -> list[bytes]:
        return [event]

    def finish(self) -> list[bytes]:
        return []


class OpenAIChat(WireFormat):
    name = "openai"
    endpoint = "chat.completions"
    path = "/v1/chat/completions"
    dialect = "openai"
    native_api = UpstreamApi.OPENAI_CHAT

    def parse(self, body: Mapping[str, Any], options: LayerCacheOptions, route: RouteSpec) -> PipelineRequest:
        check_request(body)
        params = {k: v for k, v in body.items() if k not in _STRUCTURAL}
        return PipelineRequest(
            wire=self.name,
            dialect=self.dialect,
            model=body["model"],
            messages=tuple(message_from_wire(m) for m in body["messages"]),
            tools=tuple(body.get("tools") or ()),
            params=MappingProxyType(params),
            stream=bool(body.get("stream")),
            options=options,
            provider_family=route.provider_family,
        )

    def render(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        body = {"model": route.upstream_model, "messages": [message_to_wire(m) for m in req.messages]}
        return finish_body(body, req)

    def to_chat(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        return self.render(req, route)

    def from_chat(self, body: Mapping[str, Any], req: PipelineRequest) -> dict[str, Any]:
        return dict(body)

    def chat_stream(self, req: PipelineRequest) -> ChatStreamBridge:
        return _Identity()

    def client_wants_stream_usage(self, req: PipelineRequest) -> bool:
        return bool((req.params.get("stream_options") or {}).get("include_usage"))

    def usage(self, body: Mapping[str, Any]) -> Usage:
        return from_openai(body.get("usage"))

    def stream_parser(self, req: PipelineRequest, assemble: bool = True) -> StreamParser:
        return ChatStreamParser(strip_usage_chunk=not self.client_wants_stream_usage(req), assemble=assemble)

    def served_body(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        return {**stored, "id": new_id("chatcmpl-"), "created": int(time.time())}

    def replay_stream(self, body: Mapping[str, Any], req: PipelineRequest) -> Iterator[bytes]:
        return replay(body, self.client_wants_stream_usage(req))

    def unstorable_reason(self, body: Mapping[str, Any], allow_tool_calls: bool) -> str:
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices:
            return "no choices"
        for choice in choices:
            if not isinstance(choice, Mapping):
                return "malformed choice"
            reason = choice.get("finish_reason")
            if reason not in COMPLETE_FINISH_REASONS:
                return f"finish_reason {reason!r}"
            if choice.get("logprobs"):
                return "logprobs cannot be replayed as a stream"
            message = choice.get("message")
            if not isinstance(message, Mapping):
                return "no message"
            calls_tools = bool(message.get("tool_calls") or message.get("function_call")) or reason != "stop"
            if calls_tools and not allow_tool_calls:
                return "tool calls are not cached on this route"
        return ""

    def error_body(self, error: GatewayError) -> dict[str, Any]:
        return openai_error_body(error)

    def error_event(self, error: GatewayError) -> bytes:
        return openai_event(self.error_body(error))


OPENAI_CHAT = OpenAIChat()
