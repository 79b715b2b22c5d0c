"""Responses API streams: typed SSE events (`event: <type>` + `data: {..., "type",
"sequence_number"}`), one parser that relays and assembles, and the events of a stored
response replayed.

A stream ends at `response.completed`, `response.incomplete` or `response.failed` (or an
`error` event); the terminal event carries the whole response, which is the assembled body.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from proxy.sse import event_data, event_name, named_event
from proxy.usage import Usage
from proxy.wire.common import pieces

TERMINAL = frozenset({b"response.completed", b"response.incomplete", b"response.failed"})


def usage_of(usage: Mapping[str, Any] | None) -> Usage:
    """Responses usage: `input_tokens` includes `input_tokens_details.cached_tokens`."""
    usage = usage or {}
    details = usage.get("input_tokens_details") or {}
    output_details = usage.get("output_tokens_details") or {}

    def number(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    return Usage(
        input_tokens=number(usage.get("input_tokens")),
        cached_read_tokens=number(details.get("cached_tokens")),
        cache_write_tokens=number(details.get("cache_write_tokens")),
        output_tokens=number(usage.get("output_tokens")),
        reasoning_tokens=number(output_details.get("reasoning_tokens")),
    )


class EventWriter:
    """Numbers events in order, as the API does."""

    def __init__(self) -> None:
        self.sequence = 0

    def event(self, kind: str, **payload: Any) -> bytes:
        data = {"type": kind, "sequence_number": self.sequence, **payload}
        self.sequence += 1
        # The same framing as Anthropic's: an event name line, then the data line.
        return named_event(kind, data)


class ResponseStreamParser:
    def __init__(self, assemble: bool = True) -> None:
        self.assemble = assemble
        self.usage = Usage()
        self.completed = False
        self.error: str | None = None
        self._response: dict[str, Any] | None = None

    def feed(self, event: bytes) -> bytes | None:
        name = event_name(event)
        if name == b"error":
            payload = event_data(event)
            self.error = str(payload.get("error") or payload.get("message") if isinstance(payload, dict) else "error")
            self.completed = True
            return event
        if name not in TERMINAL:
            return event
        self.completed = True
        payload = event_data(event)
        response = payload.get("response") if isinstance(payload, dict) else None
        if isinstance(response, dict):
            self.usage = usage_of(response.get("usage"))
            if name == b"response.failed":
                self.error = str(response.get("error") or "response.failed")
            self._response = response
        return event

    def body(self) -> dict[str, Any] | None:
        if not self.assemble or self.error or self._response is None:
            return None
        return dict(self._response)


def _opened(item: Mapping[str, Any]) -> dict[str, Any]:
    """An output item as first announced: in progress, with nothing in it yet."""
    if item.get("type") == "message":
        return {**item, "status": "in_progress", "content": []}
    if item.get("type") == "function_call":
        return {**item, "status": "in_progress", "arguments": ""}
    return dict(item)


def _item_events(writer: EventWriter, index: int, item: Mapping[str, Any]) -> Iterator[bytes]:
    yield writer.event("response.output_item.added", output_index=index, item=_opened(item))
    item_id = item.get("id", "")
    if item.get("type") == "message":
        for part_index, part in enumerate(item.get("content") or []):
            if part.get("type") != "output_text":
                yield writer.event(
                    "response.content_part.added",
                    item_id=item_id,
                    output_index=index,
                    content_index=part_index,
                    part=part,
                )
            else:
                empty = {**part, "text": ""}
                yield writer.event(
                    "response.content_part.added",
                    item_id=item_id,
                    output_index=index,
                    content_index=part_index,
                    part=empty,
                )
                for piece in pieces(part.get("text", "")):
                    yield writer.event(
                        "response.output_text.delta",
                        item_id=item_id,
                        output_index=index,
                        content_index=part_index,
                        delta=piece,
                        logprobs=[],
                    )
                yield writer.event(
                    "response.output_text.done",
                    item_id=item_id,
                    output_index=index,
                    content_index=part_index,
                    text=part.get("text", ""),
                    logprobs=[],
                )
            yield writer.event(
                "response.content_part.done", item_id=item_id, output_index=index, content_index=part_index, part=part
            )
    elif item.get("type") == "function_call":
        arguments = item.get("arguments", "")
        if arguments:
            yield writer.event(
                "response.function_call_arguments.delta", item_id=item_id, output_index=index, delta=arguments
            )
        yield writer.event(
            "response.function_call_arguments.done", item_id=item_id, output_index=index, arguments=arguments
        )
    yield writer.event("response.output_item.done", output_index=index, item=item)


def in_progress(response: Mapping[str, Any]) -> dict[str, Any]:
    return {**response, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}


def replay(response: Mapping[str, Any]) -> Iterator[bytes]:
    writer = EventWriter()
    yield writer.event("response.created", response=in_progress(response))
    yield writer.event("response.in_progress", response=in_progress(response))
    for index, item in enumerate(response.get("output") or []):
        yield from _item_events(writer, index, item)
    terminal = "response.incomplete" if response.get("status") == "incomplete" else "response.completed"
    yield writer.event(terminal, response=dict(response))
