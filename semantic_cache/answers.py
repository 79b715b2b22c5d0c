"""Which answers are complete enough to store, and the small facts read off them.

Only a complete 2xx answer is stored: not one that stopped on the token limit (it is cut
off mid-sentence, and a request with a larger limit shares nothing with it anyway), not one
a content filter ended, and not one that calls tools unless the route allows it (its value
depends on state the gateway cannot see). Streams are checked by the caller before this:
completed, with no error event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxy.pipeline.request import WireFormat

OPENAI_COMPLETE = frozenset({"stop", "tool_calls", "function_call"})
ANTHROPIC_COMPLETE = frozenset({"end_turn", "stop_sequence", "tool_use"})
# Block types the replay can turn back into a stream faithfully.
ANTHROPIC_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})


def _openai_problem(body: Mapping[str, Any], allow_tool_calls: bool) -> str:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        return "no choices"
    for choice in choices:
        if not isinstance(choice, Mapping):
            return "malformed choice"
        reason = choice.get("finish_reason")
        if reason not in OPENAI_COMPLETE:
            return f"finish_reason {reason!r}"
        if choice.get("logprobs"):
            return "logprobs cannot be replayed as a stream"
        message = choice.get("message")
        if not isinstance(message, Mapping):
            return "no message"
        calls_tools = bool(message.get("tool_calls") or message.get("function_call")) or reason != "stop"
        if calls_tools and not allow_tool_calls:
            return "tool calls are not cached on this route"
    return ""


def _anthropic_problem(body: Mapping[str, Any], allow_tool_calls: bool) -> str:
    if body.get("type") != "message":
        return "not a message"
    reason = body.get("stop_reason")
    if reason not in ANTHROPIC_COMPLETE:
        return f"stop_reason {reason!r}"
    content = body.get("content")
    if not isinstance(content, list):
        return "no content"
    for block in content:
        kind = block.get("type") if isinstance(block, Mapping) else None
        if kind not in ANTHROPIC_BLOCKS:
            return f"content block {kind!r}"
        if kind == "tool_use" and not allow_tool_calls:
            return "tool calls are not cached on this route"
    if reason == "tool_use" and not allow_tool_calls:
        return "tool calls are not cached on this route"
    return ""


def unstorable_reason(wire: WireFormat, body: Mapping[str, Any], allow_tool_calls: bool) -> str:
    """Why `body` must not be stored, or "" if it may be."""
    if wire == "anthropic":
        return _anthropic_problem(body, allow_tool_calls)
    return _openai_problem(body, allow_tool_calls)
