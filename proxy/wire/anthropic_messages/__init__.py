"""Anthropic Messages (`POST /v1/messages`) as a `WireFormat`.

The top-level `system` becomes leading Message(role="system") entries so the pipeline sees
one ordered list of turns; rendering gathers every system message back into `system`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from proxy.errors import ErrorKind, GatewayError
from proxy.pipeline.request import LayerCacheOptions, Message, PipelineRequest
from proxy.route_spec import RouteSpec, UpstreamApi
from proxy.sse import named_event
from proxy.usage import Usage, from_anthropic
from proxy.wire.anthropic_messages import bridge
from proxy.wire.anthropic_messages.schema import check_request
from proxy.wire.anthropic_messages.stream import MessageStreamParser, replay
from proxy.wire.base import ChatStreamBridge, StreamParser, WireFormat
from proxy.wire.common import finish_body, message_from_wire, message_to_wire, new_id

_STRUCTURAL = ("model", "messages", "system", "tools", "stream")
COMPLETE_STOP_REASONS = frozenset({"end_turn", "stop_sequence", "tool_use"})
# Block types the replay can turn back into a stream faithfully.
REPLAYABLE_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})

_ERROR_TYPES: dict[ErrorKind, str] = {
    ErrorKind.INVALID_REQUEST: "invalid_request_error",
    ErrorKind.AUTHENTICATION: "authentication_error",
    ErrorKind.PERMISSION: "permission_error",
    ErrorKind.NOT_FOUND: "not_found_error",
    ErrorKind.METHOD_NOT_ALLOWED: "invalid_request_error",
    ErrorKind.TOO_LARGE: "request_too_large",
    ErrorKind.RATE_LIMIT: "rate_limit_error",
    ErrorKind.SERVER: "api_error",
    ErrorKind.UPSTREAM: "api_error",
    ErrorKind.UNAVAILABLE: "overloaded_error",
    ErrorKind.TIMEOUT: "timeout_error",
}


def _system_blocks(messages: list[Message]) -> str | list[Any]:
    if len(messages) == 1 and isinstance(messages[0].content, str):
        return messages[0].content
    blocks: list[Any] = []
    for message in messages:
        if isinstance(message.content, str):
            blocks.append({"type": "text", "text": message.content})
        elif message.content:
            blocks.extend(message.content)
    return blocks


class AnthropicMessages(WireFormat):
    name = "anthropic"
    endpoint = "messages"
    path = "/v1/messages"
    dialect = "anthropic"
    native_api = UpstreamApi.ANTHROPIC_MESSAGES

    def parse(self, body: Mapping[str, Any], options: LayerCacheOptions, route: RouteSpec) -> PipelineRequest:
        check_request(body)
        system = body.get("system")
        leading: tuple[Message, ...] = ()
        if isinstance(system, str) and system:
            leading = (Message(role="system", content=system),)
        elif isinstance(system, list) and system:
            leading = (Message(role="system", content=tuple(system)),)
        params = {k: v for k, v in body.items() if k not in _STRUCTURAL}
        return PipelineRequest(
            wire=self.name,
            dialect=self.dialect,
            model=body["model"],
            messages=leading + tuple(message_from_wire(m) for m in body["messages"]),
            tools=tuple(body.get("tools") or ()),
            params=MappingProxyType(params),
            stream=bool(body.get("stream")),
            options=options,
            provider_family=route.provider_family,
        )

    def render(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        system = [m for m in req.messages if m.role == "system"]
        turns = [m for m in req.messages if m.role != "system"]
        body: dict[str, Any] = {"model": route.upstream_model}
        if system:
            body["system"] = _system_blocks(system)
        body["messages"] = [message_to_wire(m) for m in turns]
        return finish_body(body, req)

    def to_chat(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        # Markers reach only providers that read them, through LiteLLM.
        keep_markers = not route.speaks(UpstreamApi.OPENAI_CHAT)
        return bridge.to_chat(req, route.upstream_model, keep_markers)

    def from_chat(self, body: Mapping[str, Any], req: PipelineRequest) -> dict[str, Any]:
        return bridge.from_chat(body)

    def chat_stream(self, req: PipelineRequest) -> ChatStreamBridge:
        return bridge.ChatToMessages()

    def usage(self, body: Mapping[str, Any]) -> Usage:
        return from_anthropic(body.get("usage"))

    def stream_parser(self, req: PipelineRequest, assemble: bool = True) -> StreamParser:
        return MessageStreamParser(assemble=assemble)

    def served_body(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        return {**stored, "id": new_id("msg_", 24)}

    def replay_stream(self, body: Mapping[str, Any], req: PipelineRequest) -> Iterator[bytes]:
        return replay(body)

    def unstorable_reason(self, body: Mapping[str, Any], allow_tool_calls: bool) -> str:
        if body.get("type") != "message":
            return "not a message"
        reason = body.get("stop_reason")
        if reason not in COMPLETE_STOP_REASONS:
            return f"stop_reason {reason!r}"
        content = body.get("content")
        if not isinstance(content, list):
            return "no content"
        for block in content:
            kind = block.get("type") if isinstance(block, Mapping) else None
            if kind not in REPLAYABLE_BLOCKS:
                return f"content block {kind!r}"
            if kind == "tool_use" and not allow_tool_calls:
                return "tool calls are not cached on this route"
        if reason == "tool_use" and not allow_tool_calls:
            return "tool calls are not cached on this route"
        return ""

    def error_body(self, error: GatewayError) -> dict[str, Any]:
        return {"type": "error", "error": {"type": _ERROR_TYPES[error.kind], "message": error.message}}

    def error_event(self, error: GatewayError) -> bytes:
        return named_event("error", self.error_body(error))


ANTHROPIC_MESSAGES = AnthropicMessages()
