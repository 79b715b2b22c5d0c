"""Responses API <-> chat completions, for routes without the Responses API.

The request's messages are already in chat's dialect (items.py); parameters are renamed
(`max_output_tokens` -> `max_tokens`, `text.format` -> `response_format`, `reasoning.effort`
-> `reasoning_effort`, a function `tool_choice` nested), and those chat has no counterpart
for are left out (`store`, `include`, `truncation`). The answer comes back as a `response`
object, and a stream as the Responses API's typed events.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from proxy.errors import bad_request
from proxy.pipeline.request import PipelineRequest
from proxy.sse import event_data
from proxy.wire.common import new_id
from proxy.wire.openai_responses import items
from proxy.wire.openai_responses.stream import EventWriter, in_progress

# Chat parameters with the same name and meaning.
_SHARED = ("temperature", "top_p", "parallel_tool_calls", "prompt_cache_key", "safety_identifier", "user")
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def _response_format(text: Mapping[str, Any]) -> dict[str, Any] | None:
    fmt = text.get("format")
    if not isinstance(fmt, Mapping) or fmt.get("type") in (None, "text"):
        return None
    if fmt["type"] == "json_schema":
        schema = {k: v for k, v in fmt.items() if k in ("name", "schema", "strict", "description")}
        return {"type": "json_schema", "json_schema": schema}
    return {"type": str(fmt["type"])}


def to_chat(req: PipelineRequest, upstream_model: str) -> dict[str, Any]:
    params = req.params
    if params.get("previous_response_id"):
        raise bad_request(
            "previous_response_id names a response this gateway did not store, and this route's provider cannot "
            "look it up: send the conversation in input instead",
            "previous_response_id",
        )
    if params.get("store") is True:
        raise bad_request(
            "store: true needs a route whose provider stores responses (OpenAI); this route's answers are "
            "not stored anywhere: leave store out or set it to false",
            "store",
        )
    body: dict[str, Any] = {"model": upstream_model, "messages": items.to_chat_messages(req.messages)}
    if req.tools:
        body["tools"] = items.tools_for_chat(req.tools)
    for name in _SHARED:
        if params.get(name) is not None:
            body[name] = params[name]
    if params.get("max_output_tokens") is not None:
        body["max_tokens"] = params["max_output_tokens"]
    if isinstance(params.get("text"), Mapping):
        response_format = _response_format(params["text"])
        if response_format is not None:
            body["response_format"] = response_format
    effort = (params.get("reasoning") or {}).get("effort")
    if effort:
        body["reasoning_effort"] = effort
    choice = params.get("tool_choice")
    if isinstance(choice, Mapping):
        if choice.get("type") != "function":
            raise bad_request(f"tool_choice of type {choice.get('type')!r} cannot be used on this route", "tool_choice")
        body["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    elif choice is not None:
        body["tool_choice"] = choice
    if req.stream:
        body["stream"] = True
    return body


def usage_payload(chat_usage: Mapping[str, Any] | None) -> dict[str, Any]:
    """Chat usage as Responses usage (both count cached tokens inside the input)."""
    chat_usage = chat_usage or {}
    details = chat_usage.get("prompt_tokens_details") or {}
    completion = chat_usage.get("completion_tokens_details") or {}
    prompt = int(chat_usage.get("prompt_tokens") or 0)
    output = int(chat_usage.get("completion_tokens") or 0)
    return {
        "input_tokens": prompt,
        "input_tokens_details": {
            "cached_tokens": int(details.get("cached_tokens") or chat_usage.get("prompt_cache_hit_tokens") or 0),
            "cache_write_tokens": int(details.get("cache_write_tokens") or 0),
        },
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": int(completion.get("reasoning_tokens") or 0)},
        "total_tokens": prompt + output,
    }


def skeleton(req: PipelineRequest, model: str) -> dict[str, Any]:
    """The response object's fields that echo the request, as the API returns them."""
    params = req.params
    instructions = next(
        (m.content for m in req.messages if m.fields.get(items.INSTRUCTIONS) and isinstance(m.content, str)), None
    )
    return {
        "id": new_id("resp_", 48),
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": instructions,
        "model": model,
        "output": [],
        "parallel_tool_calls": params.get("parallel_tool_calls", True),
        "temperature": params.get("temperature"),
        "top_p": params.get("top_p"),
        "tool_choice": params.get("tool_choice", "auto"),
        "tools": [items.tool_to_native(t) for t in req.tools],
        "max_output_tokens": params.get("max_output_tokens"),
        "previous_response_id": None,
        "reasoning": params.get("reasoning"),
        "text": params.get("text") or {"format": {"type": "text"}},
        "truncation": params.get("truncation", "disabled"),
        "metadata": params.get("metadata") or {},
        "store": False,
        "usage": None,
    }


def _message_item(text: str) -> dict[str, Any]:
    return {
        "id": new_id("msg_", 48),
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def _call_item(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {
        "id": new_id("fc_", 48),
        "type": "function_call",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }


def _finish(response: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    reason = _INCOMPLETE.get(finish_reason or "")
    if reason is not None:
        response["status"] = "incomplete"
        response["incomplete_details"] = {"reason": reason}
    return response


def from_chat(body: Mapping[str, Any], req: PipelineRequest) -> dict[str, Any]:
    response = skeleton(req, str(body.get("model", req.model)))
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    output: list[dict[str, Any]] = []
    if message.get("content"):
        output.append(_message_item(message["content"]))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        output.append(_call_item(call.get("id", ""), function.get("name", ""), function.get("arguments", "")))
    response["output"] = output
    response["usage"] = usage_payload(body.get("usage"))
    return _finish(response, choice.get("finish_reason"))


class ChatToResponses:
    """Chat-completion stream events in, Responses stream events out."""

    def __init__(self, req: PipelineRequest) -> None:
        self.req = req
        self.writer = EventWriter()
        self.response: dict[str, Any] | None = None
        self.output: list[dict[str, Any]] = []
        self._text: dict[str, Any] | None = None
        self._calls: dict[int, dict[str, Any]] = {}
        self._open_call: int | None = None
        self._finish: str | None = None
        self._usage: Mapping[str, Any] | None = None

    def _start(self, model: str) -> list[bytes]:
        self.response = skeleton(self.req, model)
        return [
            self.writer.event("response.created", response=in_progress(self.response)),
            self.writer.event("response.in_progress", response=in_progress(self.response)),
        ]

    def _close_text(self) -> list[bytes]:
        if self._text is None:
            return []
        item, self._text = self._text, None
        index = self.output.index(item)
        part = item["content"][0]
        common = {"item_id": item["id"], "output_index": index, "content_index": 0}
        item["status"] = "completed"
        return [
            self.writer.event("response.output_text.done", **common, text=part["text"], logprobs=[]),
            self.writer.event("response.content_part.done", **common, part=part),
            self.writer.event("response.output_item.done", output_index=index, item=item),
        ]

    def _close_call(self) -> list[bytes]:
        if self._open_call is None:
            return []
        item = self._calls[self._open_call]
        self._open_call = None
        index = self.output.index(item)
        item["status"] = "completed"
        return [
            self.writer.event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                arguments=item["arguments"],
            ),
            self.writer.event("response.output_item.done", output_index=index, item=item),
        ]

    def _text_delta(self, delta: str) -> list[bytes]:
        out: list[bytes] = []
        if self._text is None:
            out += self._close_call()
            item = _message_item("")
            item["status"] = "in_progress"
            self._text = item
            self.output.append(item)
            index = len(self.output) - 1
            out.append(
                self.writer.event("response.output_item.added", output_index=index, item={**item, "content": []})
            )
            out.append(
                self.writer.event(
                    "response.content_part.added",
                    item_id=item["id"],
                    output_index=index,
                    content_index=0,
                    part={"type": "output_text", "text": "", "annotations": []},
                )
            )
        item = self._text
        item["content"][0]["text"] += delta
        out.append(
            self.writer.event(
                "response.output_text.delta",
                item_id=item["id"],
                output_index=self.output.index(item),
                content_index=0,
                delta=delta,
                logprobs=[],
            )
        )
        return out

    def _call_delta(self, call: Mapping[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        position = int(call.get("index", 0))
        function = call.get("function") or {}
        if position not in self._calls:
            out += self._close_text() + self._close_call()
            item = _call_item(call.get("id") or "", function.get("name", ""), "")
            item["status"] = "in_progress"
            self._calls[position] = item
            self.output.append(item)
            self._open_call = position
            out.append(
                self.writer.event("response.output_item.added", output_index=len(self.output) - 1, item=dict(item))
            )
        item = self._calls[position]
        if function.get("arguments"):
            item["arguments"] += function["arguments"]
            out.append(
                self.writer.event(
                    "response.function_call_arguments.delta",
                    item_id=item["id"],
                    output_index=self.output.index(item),
                    delta=function["arguments"],
                )
            )
        return out

    def feed(self, event: bytes) -> list[bytes]:
        payload = event_data(event)
        if not isinstance(payload, dict) or ("error" in payload and "choices" not in payload):
            return []  # [DONE], comments; an error event is answered by the relay itself
        out = [] if self.response is not None else self._start(str(payload.get("model", self.req.model)))
        if payload.get("usage"):
            self._usage = payload["usage"]
        for choice in payload.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                out += self._text_delta(delta["content"])
            for call in delta.get("tool_calls") or []:
                out += self._call_delta(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return out

    def finish(self) -> list[bytes]:
        out = [] if self.response is not None else self._start(self.req.model)
        out += self._close_text() + self._close_call()
        assert self.response is not None
        response = _finish({**self.response, "output": self.output, "usage": usage_payload(self._usage)}, self._finish)
        terminal = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        out.append(self.writer.event(terminal, response=response))
        return out
