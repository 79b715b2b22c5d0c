"""What a wire protocol is, to the rest of LayerCache: the `WireFormat` contract.

One object per protocol (OpenAI chat completions, Anthropic messages, OpenAI Responses)
owns everything that protocol knows:

- its request schema and the translation of a request into a `PipelineRequest` (`parse`)
  and back into the protocol's own upstream body (`render`);
- the bridge to chat completions for routes that do not speak it (`to_chat`,
  `from_chat`, `chat_stream`), which is how every other provider is reached;
- its error body and its in-stream error event;
- its usage parser, and one stream parser (`stream_parser`) that both relays a stream and
  assembles the non-streamed body stored in the response cache;
- replay of a stored answer as a body (`served_body`, fresh id) or as a stream
  (`replay_stream`), which answers may be stored (`unstorable_reason`).

Nothing outside a WireFormat branches on which protocol a request spoke: callers hold the
object and ask it. The registry (`proxy/wire/registry.py`) maps paths to them.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from proxy.errors import GatewayError
from proxy.outcomes import PipelineReport
from proxy.pipeline.request import Dialect, LayerCacheOptions, PipelineRequest
from proxy.route_spec import RouteSpec, UpstreamApi
from proxy.usage import Usage


class StreamParser(Protocol):
    """Watches one stream event by event, in the protocol it is parsing.

    `feed` returns what to relay to the client (the event itself, or None to hold it back).
    Afterwards `completed` says whether the terminal event arrived, `error` carries an error
    event's message, `usage` the stream's usage, and `body()` the assembled non-streamed
    answer, or None when the stream could not be assembled faithfully (never stored then).
    """

    usage: Usage
    completed: bool
    error: str | None

    def feed(self, event: bytes) -> bytes | None: ...

    def body(self) -> dict[str, Any] | None: ...


class ChatStreamBridge(Protocol):
    """Turns chat-completion stream events into one protocol's events."""

    def feed(self, event: bytes) -> list[bytes]: ...

    def finish(self) -> list[bytes]:
        """Events that close the stream once the chat stream completed."""
        ...


class WireFormat(abc.ABC):
    #: The protocol's name: stored with cache entries and request records.
    name: str
    #: The record's endpoint ("chat.completions", "messages", "responses").
    endpoint: str
    #: The gateway path it is served on.
    path: str
    #: How its requests are shaped for the pipeline.
    dialect: Dialect
    #: The upstream API that speaks this protocol natively.
    native_api: UpstreamApi

    # --- requests --------------------------------------------------------------------------

    @abc.abstractmethod
    def parse(self, body: Mapping[str, Any], options: LayerCacheOptions, route: RouteSpec) -> PipelineRequest:
        """Validate a client body (lc_* fields already removed) into a PipelineRequest;
        raise `GatewayError` (400) naming the offending field."""

    @abc.abstractmethod
    def render(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        """The request body for an upstream that speaks this protocol."""

    @abc.abstractmethod
    def to_chat(self, req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
        """The request as a chat-completions body, for routes that do not speak this protocol."""

    @abc.abstractmethod
    def from_chat(self, body: Mapping[str, Any], req: PipelineRequest) -> dict[str, Any]:
        """A chat-completion answer as this protocol's answer."""

    @abc.abstractmethod
    def chat_stream(self, req: PipelineRequest) -> ChatStreamBridge:
        """A translator of chat-completion stream events into this protocol's events."""

    def client_wants_stream_usage(self, req: PipelineRequest) -> bool:
        """Whether the client asked for usage in its stream (OpenAI's include_usage)."""
        return True

    # --- answers ---------------------------------------------------------------------------

    @abc.abstractmethod
    def usage(self, body: Mapping[str, Any]) -> Usage:
        """The usage of a non-streamed answer in this protocol."""

    @abc.abstractmethod
    def stream_parser(self, req: PipelineRequest, assemble: bool = True) -> StreamParser:
        """A parser for a stream in this protocol, relaying what this client should see;
        `assemble=False` when nothing will be stored (it then decodes only what it must)."""

    @abc.abstractmethod
    def served_body(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A stored answer as a new response: fresh id and creation time."""

    @abc.abstractmethod
    def replay_stream(self, body: Mapping[str, Any], req: PipelineRequest) -> Iterator[bytes]:
        """A (served) answer as this protocol's stream events."""

    @abc.abstractmethod
    def unstorable_reason(self, body: Mapping[str, Any], allow_tool_calls: bool) -> str:
        """Why `body` must not be stored in the response cache, or "" if it may be."""

    def decorate(self, body: dict[str, Any], report: PipelineReport) -> dict[str, Any]:
        """Add `lc_prefix_hash` / `lc_prefix_tokens` to a non-streamed answer, as the
        original LayerCache did (clients ignore unknown fields)."""
        if report.prefix_hash:
            body["lc_prefix_hash"] = report.prefix_hash
            body["lc_prefix_tokens"] = report.prefix_tokens
        return body

    # --- errors ----------------------------------------------------------------------------

    @abc.abstractmethod
    def error_body(self, error: GatewayError) -> dict[str, Any]:
        """The protocol's error envelope for `error`."""

    @abc.abstractmethod
    def error_event(self, error: GatewayError) -> bytes:
        """An SSE event that ends a stream with `error`, in this protocol."""

    def error_bytes(self, error: GatewayError) -> bytes:
        return json.dumps(self.error_body(error)).encode()
