"""Where a request already carries cache markers, and where new ones may go.

Positions are (message index, block index) pairs; block index MESSAGE (-1) stands for
the message's string content (a message-level marker on the OpenAI wire, which LiteLLM
applies to the one text block the string becomes; a new text block on the Anthropic wire). Tools come before every message in a provider's prefix, so they
get message index -1 - (number of tools - tool index), i.e. negative and in order; a
top-level (automatic caching) marker sits after everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from proxy.pipeline.request import MAPPING, Message, PipelineRequest

Position = tuple[int, int]

MESSAGE = -1
AUTOMATIC: Position = (1 << 30, 0)

# Block types a provider accepts a breakpoint on. Thinking blocks are cached only as part
# of their turn, and empty text blocks are refused.
MARKABLE_TYPES = frozenset(
    {
        "text",
        "image",
        "image_url",
        "document",
        "file",
        "input_audio",
        "tool_use",
        "tool_result",
        "search_result",
    }
)


@dataclass(frozen=True)
class ClientMarker:
    position: Position
    ttl: str


def _ttl(marker: Any) -> str:
    if isinstance(marker, MAPPING) and marker.get("ttl") == "1h":
        return "1h"
    return "5m"


def tool_position(index: int, count: int) -> Position:
    return (index - count - 1, 0)


def client_markers(req: PipelineRequest, key: str = "cache_control") -> list[ClientMarker]:
    """Every `key` marker the client sent, in prefix order."""
    found = []
    for t, tool in enumerate(req.tools):
        fn = tool.get("function")
        marker = tool.get(key) or (fn.get(key) if isinstance(fn, MAPPING) else None)
        if marker:
            found.append(ClientMarker(tool_position(t, len(req.tools)), _ttl(marker)))
    for i, message in enumerate(req.messages):
        # Runs over every block of every request: cheap tests first.
        fields = message.fields
        if fields and fields.get(key):
            found.append(ClientMarker((i, MESSAGE), _ttl(fields[key])))
        if type(message.content) is tuple:
            for j, block in enumerate(message.content):
                if not isinstance(block, MAPPING):
                    continue
                if block.get(key):
                    found.append(ClientMarker((i, j), _ttl(block[key])))
                # Blocks nested in a tool_result carry markers of their own.
                nested = block.get("content")
                if nested and type(nested) is not str and isinstance(nested, (list, tuple)):
                    found.extend(
                        ClientMarker((i, j), _ttl(b[key])) for b in nested if isinstance(b, MAPPING) and b.get(key)
                    )
    if req.params.get(key):
        found.append(ClientMarker(AUTOMATIC, _ttl(req.params[key])))
    return found


def is_markable(block: Any) -> bool:
    if not isinstance(block, MAPPING) or block.get("type") not in MARKABLE_TYPES:
        return False
    return block.get("type") != "text" or bool(block.get("text"))


def markable_spot(messages: tuple[Message, ...], i: int, dialect: str) -> Position | None:
    """The last place in message `i` a marker can go, or None if there is none."""
    message = messages[i]
    content = message.content
    if isinstance(content, str):
        if not content:
            return None
        # OpenAI assistant tool-call turns become [text, tool_use...] upstream: a marker on
        # the message would land on the text, short of the calls.
        if dialect == "openai" and message.fields.get("tool_calls"):
            return None
        return (i, MESSAGE)
    if isinstance(content, tuple):
        for j in range(len(content) - 1, -1, -1):
            if is_markable(content[j]):
                return (i, j)
    return None


def with_marker(message: Message, block: int, key: str, marker: Mapping[str, Any], dialect: str) -> Message:
    """`message` with `marker` added under `key` on `block` (MESSAGE: the string content)."""
    content = message.content
    if block == MESSAGE:
        assert isinstance(content, str)
        if dialect == "openai" and key == "cache_control":
            return replace(message, fields={**message.fields, key: dict(marker)})
        return replace(message, content=({"type": "text", "text": content, key: dict(marker)},))
    assert isinstance(content, tuple)
    blocks = list(content)
    blocks[block] = {**blocks[block], key: dict(marker)}
    return replace(message, content=tuple(blocks))
