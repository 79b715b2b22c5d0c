"""Anthropic `cache_control` breakpoints, in the request's own wire shape.

Anthropic caches the prefix up to each breakpoint (tools -> system -> messages) and allows
at most four per request. Ours go, most valuable first, at:

1. the end of the session history (last markable block of the last L2 message before
   L3/L4), or, when the final turn only carries tool results (an agent loop), the end of
   those results: the next request repeats them unchanged as history and L3 text goes
   after them, so marking them lets it read them instead of writing them again (a plain
   user turn is left out: hoisted values and enhancements are inserted in front of it).
   This marker moves forward every turn and the next turn reads the previous turn's entry
   through the 20-block lookback;
2. the end of the system layers (last L0/L1 system message): survives a history cut and is
   shared by every conversation with the same prompt, first turns included;
3. the last tool: survives a system prompt change;
4. the end of L0 when L1 system messages follow it.

Client markers are kept and counted: ours fill only the slots left of four, and never a
position the client already marked. A client that sent more than four gets the provider's
error; that is theirs to fix. A marker whose cumulative prefix is below the route's
minimum cacheable length is not placed (it would cost a slot and cache nothing). TTLs:
Anthropic requires 1h breakpoints before 5m ones, so a 1h marker of ours after a client's
5m one becomes 5m, and a 5m one before a client's 1h one becomes 1h.

OpenAI-wire requests routed to Anthropic through LiteLLM carry the markers where LiteLLM
reads them: `cache_control` on tools, on content parts, or on a message with string
content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from proxy.pipeline.layout import prefix_end
from proxy.pipeline.markers.slots import (
    ClientMarker,
    Position,
    client_markers,
    markable_spot,
    tool_position,
    with_marker,
)
from proxy.pipeline.request import L0_SYSTEM, L4_USER, SYSTEM_LAYERS, Message, PipelineRequest
from proxy.pipeline.stratify import is_tool_result
from proxy.pipeline.tokens import message_tokens, tools_tokens

MAX_BREAKPOINTS = 4

Ttl = Literal["5m", "1h"]


def _spot_in(messages: tuple[Message, ...], indices: range, dialect: str) -> Position | None:
    """The last markable spot among messages[indices], searching backwards."""
    for i in reversed(indices):
        spot = markable_spot(messages, i, dialect)
        if spot is not None:
            return spot
    return None


def history_end(messages: tuple[Message, ...]) -> int:
    """End (exclusive) of what the next request repeats: the cached prefix (L0-L2), plus
    the final turn's tool results that directly follow it."""
    end = prefix_end(messages)
    while end < len(messages) and messages[end].layer == L4_USER and is_tool_result(messages[end]):
        end += 1
    return end


def _candidates(req: PipelineRequest, end: int) -> list[Position]:
    messages = req.messages
    system_end = 0
    while system_end < end and messages[system_end].layer in SYSTEM_LAYERS:
        system_end += 1
    spots: list[Position | None] = []
    if end > system_end:
        spots.append(_spot_in(messages, range(system_end, end), req.dialect))
    spots.append(_spot_in(messages, range(system_end), req.dialect))
    if req.tools:
        spots.append(tool_position(len(req.tools) - 1, len(req.tools)))
    if system_end > 1 and messages[0].layer == L0_SYSTEM:
        spots.append(_spot_in(messages, range(1), req.dialect))
    unique: list[Position] = []
    for spot in spots:
        if spot is not None and spot not in unique:
            unique.append(spot)
    return unique


def _ttl_for(position: Position, wanted: Ttl, client: list[ClientMarker]) -> Ttl:
    if wanted == "1h" and any(c.ttl == "5m" and c.position < position for c in client):
        return "5m"
    if wanted == "5m" and any(c.ttl == "1h" and c.position > position for c in client):
        return "1h"
    return wanted


def _marker(ttl: Ttl) -> Mapping[str, Any]:
    # "5m" is the default; leaving it out keeps the request valid on platforms that
    # predate the ttl field.
    return {"type": "ephemeral", "ttl": "1h"} if ttl == "1h" else {"type": "ephemeral"}


def _tool_tokens(req: PipelineRequest, message_counts: list[int]) -> int:
    """Tokens of the tools, from the prefix check's figures when it ran (encoding a dozen
    tool schemas again is the most expensive thing this step would do)."""
    if not req.diagnostics.context_hash:
        return tools_tokens(req.tools)
    context = 0
    for message, count in zip(req.messages, message_counts, strict=False):
        if message.layer not in SYSTEM_LAYERS:
            break
        context += count
    return req.diagnostics.context_tokens - context


class AnthropicMarkers:
    def __init__(self, ttl: Ttl, min_prefix_tokens: int) -> None:
        if ttl not in ("5m", "1h"):
            raise ValueError(f"anthropic cache ttl must be '5m' or '1h', not {ttl!r}")
        self.ttl: Ttl = ttl
        self.min_prefix_tokens = min_prefix_tokens

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        client = client_markers(req)
        free = MAX_BREAKPOINTS - len(client)
        if free <= 0:
            return req
        taken = {c.position for c in client}
        end = history_end(req.messages)
        message_counts = [message_tokens(m) for m in req.messages[:end]]
        tool_tokens = _tool_tokens(req, message_counts)
        cumulative: list[int] = []
        running = tool_tokens
        for count in message_counts:
            running += count
            cumulative.append(running)

        chosen: list[Position] = []
        for position in _candidates(req, end):
            if len(chosen) == free:
                break
            index = position[0]
            tokens = tool_tokens if index < 0 else cumulative[index]
            if position in taken or tokens < self.min_prefix_tokens:
                continue
            chosen.append(position)
        if not chosen:
            return req

        tools = list(req.tools)
        messages = list(req.messages)
        for position in chosen:
            marker = _marker(_ttl_for(position, self.ttl, client))
            index, block = position
            if index < 0:
                t = index + len(tools) + 1
                tools[t] = {**tools[t], "cache_control": dict(marker)}
            else:
                messages[index] = with_marker(messages[index], block, "cache_control", marker, req.dialect)
        diagnostics = replace(req.diagnostics, markers_placed=req.diagnostics.markers_placed + len(chosen))
        return replace(req, tools=tuple(tools), messages=tuple(messages), diagnostics=diagnostics)
