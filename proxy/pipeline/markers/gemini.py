"""Gemini: one explicit CachedContent per large, stable tools + L0 + L1 prefix.

Design: LiteLLM owns the CachedContent lifecycle; this step only decides which requests
may have one, by putting `cache_control` on every L0/L1 message. For a `gemini/` route,
LiteLLM 1.110.2 (llms/vertex_ai/context_caching/) then takes the marked run plus every
system message and the tools, keys them by a hash of (those messages, tools, tool_choice,
model) used as the `displayName`, and looks for a live cache with that name: first in an
in-process record kept until 10 s before the cache's `expireTime`, then with one paginated
`GET cachedContents`, and only then creates one (`POST cachedContents`, single-flighted per
event loop). The request is sent with `cachedContent` and only the rest of the messages;
a cache the server refuses (expired, deleted) is recreated once. So a prefix costs one
creation per TTL and one list call per gateway process, never one per request.

Why not a registry of our own, created and refreshed by Celery (the other option): it
would duplicate all of the above (lookup, creation, the message conversion, retry on a
refused cache) in the gateway and transport for what it adds, which is refreshing the TTL
of caches in use instead of recreating them once per TTL, and team scoping. LiteLLM's key
is the content itself, so two teams share a cache only when they sent byte-identical tools
and instructions: neither can reach content it did not send, and the remaining signal
(cached tokens on a first request) is the same one Gemini's implicit caching already gives
on a shared provider key. With no usage of our own to go on, a periodic task could only
refresh or delete caches blindly, so the lifecycle is the TTL.

TTL: the route's provider-cache TTL (`anthropic_cache_ttl`, "5m" or "1h"; LiteLLM turns
it into "300s" / "3600s"). A cache is billed for storage until it expires and is not
extended by use: "5m" keeps the cost of a prefix seen once small, "1h" suits prefixes hot
all day. Both spellings are also valid Anthropic TTLs, so a fallback route to Claude gets
usable markers.

A request gets no markers, and so never a CachedContent, when:
- tools + L0 + L1 are estimated below the route's minimum cacheable length plus a margin:
  the estimate is +-25% of Google's tokenizer, and a creation Google refuses as "too small"
  fails the whole request in LiteLLM;
- the client marked anything itself (LiteLLM then caches what the client chose);
- a system message sits outside the leading L0/L1 run: LiteLLM moves every system message
  into the cache, so the cache key would change with each conversation;
- the run ends on a model turn (the cachedContents API refuses it), or nothing follows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from proxy.pipeline.markers.slots import client_markers, is_markable
from proxy.pipeline.request import Layer, Message, PipelineRequest
from proxy.pipeline.stratify import SYSTEM_ROLES
from proxy.pipeline.tokens import message_tokens, tools_tokens

Ttl = Literal["5m", "1h"]

# Mark only when the estimate clears the minimum by a third: an estimate 25% high still
# leaves the real count at the minimum.
MARGIN_NUMERATOR, MARGIN_DENOMINATOR = 4, 3

MODEL_TURNS = frozenset({"assistant", "tool", "function"})


def _context_end(messages: tuple[Message, ...]) -> int:
    end = 0
    while end < len(messages) and messages[end].layer in (Layer.L0_SYSTEM, Layer.L1_CONTEXT):
        end += 1
    return end


def _marked(message: Message, marker: Mapping[str, Any]) -> Message | None:
    """`message` with `marker` on its last markable part, or None if it has none.

    LiteLLM reads the TTL only from a content part, so string content becomes one text
    part (the same text, on both wires).
    """
    content = message.content
    if isinstance(content, str):
        if not content:
            return None
        return replace(message, content=({"type": "text", "text": content, "cache_control": dict(marker)},))
    if isinstance(content, tuple):
        for j in range(len(content) - 1, -1, -1):
            if is_markable(content[j]):
                blocks = list(content)
                blocks[j] = {**blocks[j], "cache_control": dict(marker)}
                return replace(message, content=tuple(blocks))
    return None


class GeminiMarkers:
    def __init__(self, ttl: Ttl, min_prefix_tokens: int) -> None:
        if ttl not in ("5m", "1h"):
            raise ValueError(f"gemini cache ttl must be '5m' or '1h', not {ttl!r}")
        self.marker = {"type": "ephemeral", "ttl": ttl}
        self.min_prefix_tokens = min_prefix_tokens

    def _context_tokens(self, req: PipelineRequest, end: int) -> int:
        if req.diagnostics.context_hash:
            return req.diagnostics.context_tokens
        # The prefix check did not run (a chain without it): estimate here.
        return tools_tokens(req.tools) + sum(message_tokens(m) for m in req.messages[:end])

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        messages = req.messages
        end = _context_end(messages)
        if end == 0 or end == len(messages):
            return req
        tokens = self._context_tokens(req, end)
        if tokens * MARGIN_DENOMINATOR < self.min_prefix_tokens * MARGIN_NUMERATOR:
            return req
        if any(m.role in SYSTEM_ROLES for m in messages[end:]):
            return req
        turns = [m.role for m in messages[:end] if m.role not in SYSTEM_ROLES]
        if turns and turns[-1] in MODEL_TURNS:
            return req
        if client_markers(req):
            return req
        marked = []
        for message in messages[:end]:
            new = _marked(message, self.marker)
            if new is None:
                # An unmarked message would end LiteLLM's cached run early and the rest
                # of L0/L1 would follow the cache out of order.
                return req
            marked.append(new)
        diagnostics = replace(req.diagnostics, markers_placed=req.diagnostics.markers_placed + len(marked))
        return replace(req, messages=tuple(marked) + messages[end:], diagnostics=diagnostics)
