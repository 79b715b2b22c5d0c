"""Chat-completion streams: one parser that relays and assembles, and the replay of a stored
answer as a stream.

The parser sees every event once. Events that cannot carry usage, an error or content are
relayed without being decoded; the rest are decoded once and both inspected and folded into
the answer being assembled, which is what the response cache stores. A stream is complete
at `data: [DONE]`.

Replay: a role chunk, content (and tool-call) chunks, a finish chunk, the usage chunk if the
client asked for `stream_options.include_usage`, then `data: [DONE]`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from proxy.sse import OPENAI_DONE, event_data, openai_event
from proxy.usage import Usage, from_openai
from proxy.wire.common import pieces


class ChatStreamParser:
    def __init__(self, strip_usage_chunk: bool, assemble: bool = True) -> None:
        # We always ask the provider for the usage chunk (to account every stream) and hold
        # it back from a client that did not ask for it.
        self.strip_usage_chunk = strip_usage_chunk
        # Without assembly (nothing will be stored) only events that can carry usage or an
        # error are decoded; the rest are relayed as bytes.
        self.assemble = assemble
        self.usage = Usage()
        self.completed = False
        self.error: str | None = None
        self.broken = ""
        self._meta: dict[str, Any] = {}
        self._choices: dict[int, dict[str, Any]] = {}
        self._usage_payload: Any = None

    def feed(self, event: bytes) -> bytes | None:
        if event.startswith(b"data: [DONE]"):
            self.completed = True
            return event
        if event.startswith(b":"):
            return event
        if not self.assemble and b'"usage":' not in event and b'"error"' not in event[:20]:
            return event
        payload = event_data(event)
        if not isinstance(payload, dict):
            return event
        if "error" in payload and "choices" not in payload:
            self.error = str(payload["error"])
            self.completed = True
            return event
        try:
            if self.assemble:
                self._fold(payload)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.broken = f"unexpected event: {exc.__class__.__name__}"
        if payload.get("usage"):
            self.usage = from_openai(payload["usage"])
            if self.strip_usage_chunk and not payload.get("choices"):
                return None
        return event

    def _fold(self, payload: Mapping[str, Any]) -> None:
        for key in ("id", "created", "model", "system_fingerprint", "service_tier"):
            if payload.get(key) is not None:
                self._meta[key] = payload[key]
        if payload.get("usage"):
            self._usage_payload = payload["usage"]
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

    def body(self) -> dict[str, Any] | None:
        if not self.assemble or self.broken or self.error or not self._choices or "id" not in self._meta:
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
        body["usage"] = self._usage_payload if self._usage_payload else usage_payload(self.usage)
        return body


def usage_payload(usage: Usage) -> dict[str, Any]:
    """`usage` in chat-completions form."""
    payload: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_read_tokens},
    }
    if usage.cache_write_tokens:
        payload["prompt_tokens_details"]["cache_write_tokens"] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        payload["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return payload


def replay(body: Mapping[str, Any], include_usage: bool) -> Iterator[bytes]:
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
        for piece in pieces(message.get("content") or ""):
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
