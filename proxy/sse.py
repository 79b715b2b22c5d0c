"""Server-sent-event framing for relayed streams.

Upstream bytes arrive cut anywhere; the relay forwards whole events, byte for byte, with the
blank line that ends each one, so event names, pings and error events reach the client as
the provider framed them.
"""

from __future__ import annotations

import json
from typing import Any


class SseFramer:
    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        if b"\r\n" in self._buffer:
            self._buffer = self._buffer.replace(b"\r\n", b"\n")
        if b"\n\n" not in self._buffer:
            return []
        *events, self._buffer = self._buffer.split(b"\n\n")
        return [event + b"\n\n" for event in events if event.strip()]

    @property
    def leftover(self) -> bytes:
        return self._buffer


def event_data(event: bytes) -> Any:
    """The JSON payload of an event's `data:` line(s), or None."""
    lines = [line[5:].strip() for line in event.split(b"\n") if line.startswith(b"data:")]
    if not lines:
        return None
    payload = b"\n".join(lines)
    if payload == b"[DONE]":
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def event_name(event: bytes) -> bytes:
    if event.startswith(b"event:"):
        return event[6 : event.index(b"\n") if b"\n" in event else len(event)].strip()
    return b""


def openai_event(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def named_event(name: str, payload: Any) -> bytes:
    return f"event: {name}\ndata: ".encode() + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


OPENAI_DONE = b"data: [DONE]\n\n"
