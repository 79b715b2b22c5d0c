"""Anthropic Messages <-> chat completions, for routes that do not speak Messages.

The request's blocks become chat messages and parts (tool results become `tool` messages
ahead of the turn's remaining content, `tool_use` blocks become `tool_calls`, thinking is
left out because no other provider can read it); the answer and its stream come back as a
message and as Messages events. Anything with no chat counterpart is refused with a 400
naming it, before anything goes upstream.

Cache markers (`cache_control`) are kept where LiteLLM will carry them on to a provider
that caches by markers (Anthropic, Gemini), and dropped for OpenAI-compatible endpoints,
which would refuse them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from proxy.errors import bad_request
from proxy.pipeline.request import Message, PipelineRequest
from proxy.sse import event_data
from proxy.wire.anthropic_messages.stream import block_delta, block_start, block_stop, message_end, message_start
from proxy.wire.common import new_id

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use"}
_TOOL_CHOICE = {"auto": "auto", "any": "required", "none": "none"}
# Parameters with the same name and meaning in both APIs.
_SHARED = ("temperature", "top_p", "max_tokens")
# Parameters only marker-aware providers behind LiteLLM understand (LiteLLM maps them).
_LITELLM_ONLY = ("top_k", "thinking")
# Parameters that concern Anthropic's service alone.
_DROPPED = ("service_tier", "cache_control", "metadata", "stop_sequences", "tool_choice", "container", "mcp_servers")


def _data_url(source: Mapping[str, Any]) -> str:
    if source.get("type") == "url":
        return str(source["url"])
    return f"data:{source['media_type']};base64,{source['data']}"


class _Marks:
    def __init__(self, keep: bool) -> None:
        self.keep = keep

    def carry(self, target: dict[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
        if self.keep and source.get("cache_control") is not None:
            target["cache_control"] = source["cache_control"]
        return target


def _part(block: Mapping[str, Any], where: str, marks: _Marks) -> dict[str, Any]:
    kind = block.get("type")
    if kind == "text":
        return marks.carry({"type": "text", "text": block["text"]}, block)
    if kind == "image":
        return marks.carry({"type": "image_url", "image_url": {"url": _data_url(block["source"])}}, block)
    if kind == "document":
        source = block["source"]
        if source.get("type") == "text":
            return marks.carry({"type": "text", "text": source.get("data", "")}, block)
        file = {"file_data": _data_url(source), "filename": block.get("title") or "document.pdf"}
        return marks.carry({"type": "file", "file": file}, block)
    raise bad_request(
        f"Content blocks of type {kind!r} cannot be sent to this route (it does not speak Messages)", where
    )


def _tool_result_content(block: Mapping[str, Any], where: str, marks: _Marks) -> str | list[dict[str, Any]]:
    content = block.get("content")
    if content is None or isinstance(content, str):
        return content or ""
    return [_part(b, f"{where}.content.{i}", marks) for i, b in enumerate(content)]


def _user_turn(message: Message, where: str, marks: _Marks) -> list[dict[str, Any]]:
    if isinstance(message.content, str) or message.content is None:
        return [{"role": "user", "content": message.content or ""}]
    out: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for index, block in enumerate(message.content):
        if block.get("type") == "tool_result":
            content = _tool_result_content(block, f"{where}.content.{index}", marks)
            out.append({"role": "tool", "tool_call_id": block["tool_use_id"], "content": content})
        else:
            parts.append(_part(block, f"{where}.content.{index}", marks))
    if parts:
        out.append({"role": "user", "content": parts})
    return out


def _assistant_turn(message: Message, where: str) -> dict[str, Any]:
    if isinstance(message.content, str) or message.content is None:
        return {"role": "assistant", "content": message.content or ""}
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for index, block in enumerate(message.content):
        kind = block.get("type")
        if kind == "text":
            texts.append(block["text"])
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input", {}), separators=(",", ":"), ensure_ascii=False)
            calls.append(
                {"id": block["id"], "type": "function", "function": {"name": block["name"], "arguments": arguments}}
            )
        elif kind not in ("thinking", "redacted_thinking"):
            raise bad_request(
                f"Content blocks of type {kind!r} cannot be sent to this route (it does not speak Messages)",
                f"{where}.content.{index}",
            )
    turn: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        turn["tool_calls"] = calls
    return turn


def _system(messages: list[Message], marks: _Marks) -> dict[str, Any] | None:
    parts: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message.content, str):
            parts.append({"type": "text", "text": message.content})
        elif message.content:
            parts.extend(_part(b, "system", marks) for b in message.content)
    if not parts:
        return None
    if len(parts) == 1 and "cache_control" not in parts[0]:
        return {"role": "system", "content": parts[0]["text"]}
    return {"role": "system", "content": parts}


def _tool(tool: Mapping[str, Any], where: str, marks: _Marks) -> dict[str, Any]:
    if tool.get("type") not in (None, "custom"):
        raise bad_request(
            f"Server tool {tool.get('type')!r} cannot be used on this route (it does not speak Messages)", where
        )
    function = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
    if tool.get("description"):
        function["description"] = tool["description"]
    return marks.carry({"type": "function", "function": function}, tool)


def to_chat(req: PipelineRequest, upstream_model: str, keep_markers: bool) -> dict[str, Any]:
    marks = _Marks(keep_markers)
    messages: list[dict[str, Any]] = []
    system = _system([m for m in req.messages if m.role == "system"], marks)
    if system is not None:
        messages.append(system)
    turns = [m for m in req.messages if m.role != "system"]
    for index, message in enumerate(turns):
        where = f"messages.{index}"
        if message.role == "assistant":
            messages.append(_assistant_turn(message, where))
        else:
            messages.extend(_user_turn(message, where, marks))
    body: dict[str, Any] = {"model": upstream_model, "messages": messages}
    if req.tools:
        body["tools"] = [_tool(t, f"tools.{i}", marks) for i, t in enumerate(req.tools)]
    params = req.params
    if params.get("max_tokens") == 0:
        raise bad_request("max_tokens 0 (cache pre-warming) is only possible on Anthropic routes", "max_tokens")
    for name in _SHARED:
        if params.get(name) is not None:
            body[name] = params[name]
    if keep_markers:
        body.update({name: params[name] for name in _LITELLM_ONLY if params.get(name) is not None})
    if params.get("stop_sequences"):
        body["stop"] = list(params["stop_sequences"])
    user = (params.get("metadata") or {}).get("user_id")
    if isinstance(user, str) and user:
        body["user"] = user
    choice = params.get("tool_choice")
    if isinstance(choice, Mapping):
        kind = choice.get("type")
        body["tool_choice"] = (
            {"type": "function", "function": {"name": choice["name"]}} if kind == "tool" else _TOOL_CHOICE[str(kind)]
        )
        if choice.get("disable_parallel_tool_use"):
            body["parallel_tool_calls"] = False
    # What the pipeline or the client added that the chat API knows (prompt_cache_key, ...).
    known = set(_SHARED) | set(_LITELLM_ONLY) | set(_DROPPED)
    body.update({k: v for k, v in params.items() if k not in known and k not in body})
    if req.stream:
        body["stream"] = True
    return body


def anthropic_usage(usage: Mapping[str, Any] | None) -> dict[str, int]:
    """Chat usage (cached tokens inside the prompt count) in Messages' convention."""
    usage = usage or {}
    details = usage.get("prompt_tokens_details") or {}
    prompt = int(usage.get("prompt_tokens") or 0)
    read = int(details.get("cached_tokens") or usage.get("prompt_cache_hit_tokens") or 0)
    write = int(details.get("cache_write_tokens") or usage.get("cache_creation_input_tokens") or 0)
    return {
        "input_tokens": max(prompt - read - write, 0),
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
        "output_tokens": int(usage.get("completion_tokens") or 0),
    }


def _tool_input(arguments: str) -> Any:
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {"_raw_arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def from_chat(body: Mapping[str, Any]) -> dict[str, Any]:
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if message.get("content"):
        content.append({"type": "text", "text": message["content"]})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id"),
                "name": function.get("name"),
                "input": _tool_input(function.get("arguments", "")),
            }
        )
    reason = choice.get("finish_reason")
    return {
        "id": new_id("msg_", 24),
        "type": "message",
        "role": "assistant",
        "model": body.get("model", ""),
        "content": content,
        "stop_reason": STOP_REASONS.get(reason or "stop", "end_turn"),
        "stop_sequence": None,
        "usage": anthropic_usage(body.get("usage")),
    }


class ChatToMessages:
    """Chat-completion stream events in, Messages stream events out."""

    def __init__(self) -> None:
        self._started = False
        self._index = -1
        self._open: str | None = None  # "text" or "tool:<chat tool index>"
        self._finish: str | None = None
        self._usage: Mapping[str, Any] | None = None
        self._model = ""

    def _start(self, payload: Mapping[str, Any]) -> list[bytes]:
        self._started = True
        self._model = str(payload.get("model", ""))
        message = {
            "id": new_id("msg_", 24),
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return [message_start(message)]

    def _open_block(self, kind: str, block: Mapping[str, Any]) -> list[bytes]:
        out = self._close_block()
        self._index += 1
        self._open = kind
        out.append(block_start(self._index, block))
        return out

    def _close_block(self) -> list[bytes]:
        if self._open is None:
            return []
        self._open = None
        return [block_stop(self._index)]

    def feed(self, event: bytes) -> list[bytes]:
        payload = event_data(event)
        if not isinstance(payload, dict) or ("error" in payload and "choices" not in payload):
            return []  # [DONE], comments; an error event is answered by the relay itself
        out = [] if self._started else self._start(payload)
        if payload.get("usage"):
            self._usage = payload["usage"]
        for choice in payload.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if self._open != "text":
                    out += self._open_block("text", {"type": "text", "text": ""})
                out.append(block_delta(self._index, {"type": "text_delta", "text": delta["content"]}))
            for call in delta.get("tool_calls") or []:
                slot = f"tool:{call.get('index', 0)}"
                function = call.get("function") or {}
                if self._open != slot:
                    block = {"type": "tool_use", "id": call.get("id"), "name": function.get("name", ""), "input": {}}
                    out += self._open_block(slot, block)
                if function.get("arguments"):
                    out.append(
                        block_delta(self._index, {"type": "input_json_delta", "partial_json": function["arguments"]})
                    )
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return out

    def finish(self) -> list[bytes]:
        out = [] if self._started else self._start({})
        out += self._close_block()
        stop = STOP_REASONS.get(self._finish or "stop", "end_turn")
        # The whole usage goes on message_delta: the input side is only known at the end here.
        return out + list(message_end(stop, None, anthropic_usage(self._usage)))
