"""One canonical form per entry, two ways out.

An entry holds the non-streamed answer body in the caller's wire format. A relayed stream
is assembled into that body (`StreamAssembler`), and a stored body is replayed either as a
JSON body or as a proper SSE stream in the same wire format (`replay_events`):

- OpenAI: a role chunk, content (and tool-call) chunks, a finish chunk, the usage chunk if
  the client asked for `stream_options.include_usage`, then `data: [DONE]`;
- Anthropic: message_start, for each block content_block_start / _delta / _stop,
  message_delta (stop reason, output tokens), message_stop.

Every served copy gets a fresh response id (and creation time): a hit is a new response.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from proxy.pipeline.request import WireFormat
from proxy.sse import OPENAI_DONE, anthropic_event, event_data, event_name, openai_event
from proxy.usage import Usage

# Replayed text is cut into pieces of about this many characters: small enough that a
# client renders progressively, large enough that a long answer is not thousands of events.
CHUNK_CHARS = 64


def fresh_id(wire: WireFormat) -> str:
    return f"msg_{uuid.uuid4().hex[:24]}" if wire == "anthropic" else f"chatcmpl-{uuid.uuid4().hex}"


def with_fresh_id(wire: WireFormat, body: Mapping[str, Any]) -> dict[str, Any]:
    served = copy.deepcopy(dict(body))
    served["id"] = fresh_id(wire)
    if wire == "openai":
        served["created"] = int(time.time())
    return served


def _pieces(text: str) -> Iterator[str]:
    for start in range(0, len(text), CHUNK_CHARS):
        yield text[start : start + CHUNK_CHARS]


# --- stored body -> SSE ----------------------------------------------------------------------


def _openai_chunks(body: Mapping[str, Any], include_usage: bool) -> Iterator[bytes]:
    base = {
        "id": body["id"],
        "object": "chat.completion.chunk",
        "created": body.get("created", int(time.time())),
        "model": body.get("model", ""),
    }
    if body.get("system_fingerprint"):
        base["system_fingerprint"] = body["system_fingerprint"]

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return openai_event({**base, "choices": [choice]})

    for choice in body.get("choices", []):
        index = int(choice.get("index", 0))
        message = choice.get("message") or {}
        yield chunk(index, {"role": message.get("role", "assistant"), "content": ""})
        for piece in _pieces(message.get("content") or ""):
            yield chunk(index, {"content": piece})
        if message.get("refusal"):
            yield chunk(index, {"refusal": message["refusal"]})
        for position, call in enumerate(message.get("tool_calls") or []):
            function = call.get("function") or {}
            opening: dict[str, Any] = {
                "index": position,
                "id": call.get("id"),
                "type": call.get("type", "function"),
                "function": {"name": function.get("name", ""), "arguments": ""},
            }
            yield chunk(index, {"tool_calls": [opening]})
            arguments = function.get("arguments") or ""
            if arguments:
                yield chunk(index, {"tool_calls": [{"index": position, "function": {"arguments": arguments}}]})
        yield chunk(index, {}, choice.get("finish_reason") or "stop")
    if include_usage and body.get("usage") is not None:
        yield openai_event({**base, "choices": [], "usage": body["usage"]})
    yield OPENAI_DONE


def _anthropic_text_like(index: int, kind: str, text: str) -> Iterator[bytes]:
    """A text or thinking block: opened empty, then its content in `{kind}_delta` pieces."""
    yield anthropic_event(
        "content_block_start",
        {"type": "content_block_start", "index": index, "content_block": {"type": kind, kind: ""}},
    )
    for piece in _pieces(text):
        yield anthropic_event(
            "content_block_delta",
            {"type": "content_block_delta", "index": index, "delta": {"type": f"{kind}_delta", kind: piece}},
        )


def _anthropic_block_events(index: int, block: Mapping[str, Any]) -> Iterator[bytes]:
    kind = block.get("type")
    if kind == "text":
        yield from _anthropic_text_like(index, "text", block.get("text", ""))
    elif kind == "tool_use":
        opening: dict[str, Any] = {"type": "tool_use", "id": block.get("id"), "name": block.get("name"), "input": {}}
        yield anthropic_event(
            "content_block_start", {"type": "content_block_start", "index": index, "content_block": opening}
        )
        partial = json.dumps(block.get("input", {}), separators=(",", ":"), ensure_ascii=False)
        yield anthropic_event(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "input_json_delta", "partial_json": partial},
            },
        )
    elif kind == "thinking":
        yield from _anthropic_text_like(index, "thinking", block.get("thinking", ""))
        if block.get("signature"):
            yield anthropic_event(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "signature_delta", "signature": block["signature"]},
                },
            )
    else:  # redacted_thinking and anything opaque: sent whole in its start event
        yield anthropic_event(
            "content_block_start", {"type": "content_block_start", "index": index, "content_block": dict(block)}
        )
    yield anthropic_event("content_block_stop", {"type": "content_block_stop", "index": index})


def _anthropic_events(body: Mapping[str, Any]) -> Iterator[bytes]:
    usage = dict(body.get("usage") or {})
    start = {key: value for key, value in body.items() if key != "content"}
    start.update({"content": [], "stop_reason": None, "stop_sequence": None, "usage": {**usage, "output_tokens": 1}})
    yield anthropic_event("message_start", {"type": "message_start", "message": start})
    for index, block in enumerate(body.get("content") or []):
        yield from _anthropic_block_events(index, block)
    delta = {"stop_reason": body.get("stop_reason"), "stop_sequence": body.get("stop_sequence")}
    yield anthropic_event(
        "message_delta",
        {"type": "message_delta", "delta": delta, "usage": {"output_tokens": usage.get("output_tokens", 0)}},
    )
    yield anthropic_event("message_stop", {"type": "message_stop"})


def replay_events(wire: WireFormat, body: Mapping[str, Any], include_usage: bool = False) -> Iterator[bytes]:
    """A stored (already re-identified) body as the SSE events of the same wire format."""
    if wire == "anthropic":
        return _anthropic_events(body)
    return _openai_chunks(body, include_usage)


# --- relayed SSE -> stored body --------------------------------------------------------------


def _openai_usage(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_read_tokens},
    }


class StreamAssembler:
    """Rebuilds the non-streamed body from the events relayed to the client.

    It sees exactly what the client saw; anything it cannot place (an unknown delta, a
    malformed event) marks the assembly broken, and a broken assembly is never stored.
    """

    def __init__(self, wire: WireFormat) -> None:
        self.wire = wire
        self.broken = ""
        self._meta: dict[str, Any] = {}
        self._choices: dict[int, dict[str, Any]] = {}
        self._usage: Any = None
        self._message: dict[str, Any] | None = None
        self._blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, str] = {}

    def feed(self, event: bytes) -> None:
        if self.broken:
            return
        try:
            if self.wire == "anthropic":
                self._feed_anthropic(event)
            else:
                self._feed_openai(event)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.broken = f"unexpected event: {exc.__class__.__name__}"

    def _feed_openai(self, event: bytes) -> None:
        if event.startswith(b"data: [DONE]") or event.startswith(b":"):
            return
        payload = event_data(event)
        if not isinstance(payload, dict):
            return
        if "error" in payload and "choices" not in payload:
            self.broken = "error event"
            return
        for key in ("id", "created", "model", "system_fingerprint", "service_tier"):
            if payload.get(key) is not None:
                self._meta[key] = payload[key]
        if payload.get("usage"):
            self._usage = payload["usage"]
        for choice in payload.get("choices") or []:
            state = self._choices.setdefault(
                int(choice.get("index", 0)),
                {"content": [], "tools": {}, "finish": None, "role": "assistant", "refusal": []},
            )
            if choice.get("logprobs"):
                self.broken = "logprobs"
            delta = choice.get("delta") or {}
            if delta.get("role"):
                state["role"] = delta["role"]
            if delta.get("content"):
                state["content"].append(delta["content"])
            if delta.get("refusal"):
                state["refusal"].append(delta["refusal"])
            for call in delta.get("tool_calls") or []:
                slot = state["tools"].setdefault(
                    int(call["index"]), {"id": None, "type": "function", "name": "", "arguments": []}
                )
                if call.get("id"):
                    slot["id"] = call["id"]
                function = call.get("function") or {}
                if function.get("name"):
                    slot["name"] += function["name"]
                if function.get("arguments"):
                    slot["arguments"].append(function["arguments"])
            if delta.get("function_call"):
                self.broken = "legacy function_call stream"
            if choice.get("finish_reason"):
                state["finish"] = choice["finish_reason"]

    def _feed_anthropic(self, event: bytes) -> None:
        name = event_name(event)
        payload = event_data(event)
        if name in (b"ping", b"") or not isinstance(payload, dict):
            return
        if name == b"message_start":
            self._message = dict(payload["message"])
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
        elif name == b"message_delta":
            assert self._message is not None
            self._message.update({k: v for k, v in (payload.get("delta") or {}).items()})
            usage = dict(self._message.get("usage") or {})
            usage.update({k: v for k, v in (payload.get("usage") or {}).items() if v is not None})
            self._message["usage"] = usage
        elif name == b"error":
            self.broken = "error event"

    def body(self, usage: Usage) -> dict[str, Any] | None:
        """The assembled body, or None if it could not be assembled faithfully."""
        if self.broken:
            return None
        if self.wire == "anthropic":
            if self._message is None:
                return None
            assembled = dict(self._message)
            assembled["content"] = [self._blocks[i] for i in sorted(self._blocks)]
            return assembled
        if not self._choices or "id" not in self._meta:
            return None
        choices = []
        for index in sorted(self._choices):
            state = self._choices[index]
            message: dict[str, Any] = {"role": state["role"], "content": "".join(state["content"]) or None}
            message["refusal"] = "".join(state["refusal"]) or None
            if state["tools"]:
                message["tool_calls"] = [
                    {
                        "id": slot["id"],
                        "type": slot["type"],
                        "function": {"name": slot["name"], "arguments": "".join(slot["arguments"])},
                    }
                    for _, slot in sorted(state["tools"].items())
                ]
            choices.append({"index": index, "message": message, "logprobs": None, "finish_reason": state["finish"]})
        body = {"object": "chat.completion", **self._meta, "choices": choices}
        body["usage"] = self._usage if self._usage else _openai_usage(usage)
        return body
