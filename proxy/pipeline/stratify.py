"""Stratify: give every message its layer.

- the leading run of system/developer messages: the first is L0, the rest L1 (tools are L1
  too, carried in `req.tools`);
- the final turn is L4: the trailing user-side messages (a user message, or the tool results
  of an agent loop), together with an assistant prefill that follows them;
- everything in between is L2 session history.

`options.layer_hints` (index -> Layer) override this per message, except that only a system
message may be placed in L0/L1: a user or tool message there would be cached, and reused,
as if it were the operator's instructions. Such a hint is ignored with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from proxy.pipeline.request import L0_SYSTEM, L1_CONTEXT, L2_SESSION, L4_USER, MAPPING, Layer, Message, PipelineRequest

SYSTEM_ROLES = frozenset({"system", "developer"})


def is_tool_result(message: Message) -> bool:
    """An OpenAI tool message, or an Anthropic user message carrying tool results."""
    if message.role in ("tool", "function"):
        return True
    if message.role == "user" and isinstance(message.content, tuple):
        return any(isinstance(p, MAPPING) and p.get("type") == "tool_result" for p in message.content)
    return False


def is_plain_user(message: Message) -> bool:
    return message.role == "user" and not is_tool_result(message)


def final_turn_start(messages: tuple[Message, ...], first: int) -> int:
    """Index where the final turn (L4) begins, searching messages[first:]."""
    i = len(messages)
    # An assistant prefill belongs to the turn it completes.
    while i > first and messages[i - 1].role == "assistant":
        i -= 1
    end_of_user_side = i
    # Mid-conversation system messages next to the final user turn belong to it.
    while i > first and messages[i - 1].role != "assistant":
        i -= 1
    if i == end_of_user_side:
        # No user-side message at the end (only assistant turns): the last message is L4.
        return max(first, len(messages) - 1)
    return i


def default_layers(messages: tuple[Message, ...]) -> list[Layer]:
    lead = 0
    while lead < len(messages) and messages[lead].role in SYSTEM_ROLES:
        lead += 1
    layers = [L0_SYSTEM if i == 0 else L1_CONTEXT for i in range(lead)]
    if lead == len(messages):
        return layers
    l4 = final_turn_start(messages, lead)
    layers += [L2_SESSION] * (l4 - lead)
    layers += [L4_USER] * (len(messages) - l4)
    return layers


def _apply_hints(messages: tuple[Message, ...], layers: list[Layer], hints: Mapping[int, Any]) -> list[str]:
    warnings = []
    for index, layer in sorted(hints.items()):
        if not isinstance(index, int) or not 0 <= index < len(messages):
            warnings.append(f"layer hint for message {index} ignored: no such message")
            continue
        role = messages[index].role
        if layer <= L1_CONTEXT and role not in SYSTEM_ROLES:
            warnings.append(
                f"layer hint {Layer(layer).name} for message {index} ignored: "
                f"a {role} message cannot be placed in the system layers"
            )
            continue
        layers[index] = Layer(layer)
    return warnings


def apply(req: PipelineRequest) -> PipelineRequest:
    layers = default_layers(req.messages)
    warnings = _apply_hints(req.messages, layers, req.options.layer_hints)
    # The constructor, not dataclasses.replace: this runs once per message per request.
    messages = tuple(
        [
            m if m.layer is layer else Message(m.role, m.content, m.fields, layer)
            for m, layer in zip(req.messages, layers, strict=True)
        ]
    )
    if not warnings:
        return replace(req, messages=messages)
    diagnostics = replace(req.diagnostics, warnings=req.diagnostics.warnings + tuple(warnings))
    return replace(req, messages=messages, diagnostics=diagnostics)
