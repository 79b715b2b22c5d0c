"""Anthropic message streams: one parser that relays and assembles, and the replay of a
stored message as a stream.

The stream is complete at `message_stop`. Usage comes in two halves: `message_start`
carries the input side, `message_delta` cumulative output counts.

Replay: message_start, for each block content_block_start / _delta / _stop, message_delta
(stop reason, output tokens), message_stop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from proxy.sse import event_data, event_name, named_event
from proxy.usage import Usage, merge_anthropic_stream
from proxy.wire.common import pieces


class MessageStreamParser:
    def __init__(self, assemble: bool = True) -> None:
        self.assemble = assemble
        self.usage = Usage()
        self.completed = False
        self.error: str | None = None
        self.broken = ""
        self._start_usage: dict[str, Any] | None = None
        self._delta_usage: dict[str, Any] | None = None
        self._message: dict[str, Any] | None = None
        self._blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, str] = {}

    def feed(self, event: bytes) -> bytes | None:
        name = event_name(event)
        if name in (b"ping", b""):
            return event
        if name == b"message_stop":
            self.completed = True
            return event
        if not self.assemble and name not in (b"message_start", b"message_delta", b"error"):
            return event
        payload = event_data(event)
        if not isinstance(payload, dict):
            return event
        if name == b"error":
            self.error = str(payload.get("error", "error event"))
            self.completed = True
            return event
        try:
            self._fold(name, payload)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.broken = f"unexpected event: {exc.__class__.__name__}"
        return event

    def _fold(self, name: bytes, payload: Mapping[str, Any]) -> None:
        if name == b"message_start":
            self._message = dict(payload["message"])
            self._start_usage = self._message.get("usage")
            self.usage = merge_anthropic_stream(self._start_usage, self._delta_usage)
        elif name == b"message_delta":
            self._delta_usage = payload.get("usage")
            self.usage = merge_anthropic_stream(self._start_usage, self._delta_usage)
            if self._message is not None:
                self._message.update(dict(payload.get("delta") or {}))
                usage = dict(self._message.get("usage") or {})
                usage.update({k: v for k, v in (payload.get("usage") or {}).items() if v is not None})
                self._message["usage"] = usage
        elif not self.assemble:
            return
        elif name == b"content_block_start":
            self._blocks[int(payload["index"])] = dict(payload["content_block"])
        elif name == b"content_block_delta":
            index = int(payload["index"])
            block, delta = self._blocks[index], payload["delta"]
            kind = delta.get("type")
            if kind == "text_delta":
                block["text"] = block.get("text", "") + delta["text"]
            elif kind == "input_json_delta":
                self._json[index] = self._json.get(index, "") + delta["partial_json"]
            elif kind == "thinking_delta":
                block["thinking"] = block.get("thinking", "") + delta["thinking"]
            elif kind == "signature_delta":
                block["signature"] = delta["signature"]
            else:
                self.broken = f"unknown delta {kind!r}"
        elif name == b"content_block_stop":
            index = int(payload["index"])
            if index in self._json:
                self._blocks[index]["input"] = json.loads(self._json.pop(index) or "{}")

    def body(self) -> dict[str, Any] | None:
        if not self.assemble or self.broken or self.error or self._message is None:
            return None
        assembled = dict(self._message)
        assembled["content"] = [self._blocks[i] for i in sorted(self._blocks)]
        return assembled


def _text_like(index: int, kind: str, text: str) -> Iterator[bytes]:
    """A text or thinking block: opened empty, then its content in `{kind}_delta` pieces."""
    yield named_event(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": {"type": kind, kind: ""}},
    )
    for piece in pieces(text):
        yield block_delta(index, {"type": f"{kind}_delta", kind: piece})


def block_delta(index: int, delta: Mapping[str, Any]) -> bytes:
    return named_event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})


def block_start(index: int, block: Mapping[str, Any]) -> bytes:
    return named_event("content_block_start", {"type": "content_block_start", "index": index, "content_block": block})


def block_stop(index: int) -> bytes:
    return named_event("content_block_stop", {"type": "content_block_stop", "index": index})


def _block_events(index: int, block: Mapping[str, Any]) -> Iterator[bytes]:
    kind = block.get("type")
    if kind == "text":
        yield from _text_like(index, "text", block.get("text", ""))
    elif kind == "tool_use":
        yield block_start(index, {"type": "tool_use", "id": block.get("id"), "name": block.get("name"), "input": {}})
        partial = json.dumps(block.get("input", {}), separators=(",", ":"), ensure_ascii=False)
        yield block_delta(index, {"type": "input_json_delta", "partial_json": partial})
    elif kind == "thinking":
        yield from _text_like(index, "thinking", block.get("thinking", ""))
        if block.get("signature"):
            yield block_delta(index, {"type": "signature_delta", "signature": block["signature"]})
    else:  # redacted_thinking and anything opaque: sent whole in its start event
        yield block_start(index, dict(block))
    yield block_stop(index)


def message_start(message: Mapping[str, Any]) -> bytes:
    usage = dict(message.get("usage") or {})
    start = {key: value for key, value in message.items() if key != "content"}
    start.update({"content": [], "stop_reason": None, "stop_sequence": None, "usage": {**usage, "output_tokens": 1}})
    return named_event("message_start", {"type": "message_start", "message": start})


def message_end(stop_reason: Any, stop_sequence: Any, usage: Mapping[str, Any]) -> Iterator[bytes]:
    """message_delta (its usage: cumulative counts, at least output_tokens) and message_stop."""
    delta = {"stop_reason": stop_reason, "stop_sequence": stop_sequence}
    yield named_event("message_delta", {"type": "message_delta", "delta": delta, "usage": dict(usage)})
    yield named_event("message_stop", {"type": "message_stop"})


def replay(body: Mapping[str, Any]) -> Iterator[bytes]:
    yield message_start(body)
    for index, block in enumerate(body.get("content") or []):
        yield from _block_events(index, block)
    usage = body.get("usage") or {}
    yield from message_end(
        body.get("stop_reason"), body.get("stop_sequence"), {"output_tokens": usage.get("output_tokens", 0)}
    )
