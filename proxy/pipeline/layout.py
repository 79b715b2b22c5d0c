"""Where the cached prefix ends, and where L3 text goes so that it stays out of it.

The cached prefix is the leading run of messages in layers L0-L2 (plus the tools). L3
material (hoisted volatile values, enhancements) is inserted as its own message after the
session history, never inside it:

- OpenAI wire to an OpenAI model: a system (or developer, matching the client's) message;
  OpenAI reads system messages anywhere in the conversation.
- anything else becomes a user message. Anthropic has no system role inside `messages`
  (and LiteLLM lifts every OpenAI system message into Anthropic's and Gemini's top-level
  system, which sits *before* the history and would break its cache every request), but
  the Messages API merges consecutive user messages into one turn.

It goes right before the final turn's user message, or, when the final turn only carries
tool results (agent loops), right after them: a tool result must directly follow the
assistant message that called the tool.
"""

from __future__ import annotations

from dataclasses import replace

from proxy.pipeline.request import L2_SESSION, L3_ENHANCEMENT, L4_USER, Message, PipelineRequest
from proxy.pipeline.stratify import SYSTEM_ROLES, is_plain_user, is_tool_result


def prefix_end(messages: tuple[Message, ...]) -> int:
    """Number of leading messages in L0-L2: the part a provider can cache."""
    for i, message in enumerate(messages):
        if message.layer is None or message.layer > L2_SESSION:
            return i
    return len(messages)


def _insert_at(messages: tuple[Message, ...]) -> int:
    start = prefix_end(messages)
    for i in range(start, len(messages)):
        if messages[i].layer == L4_USER and is_plain_user(messages[i]):
            return i
    last_result = None
    for i in range(start, len(messages)):
        if messages[i].layer == L4_USER and is_tool_result(messages[i]):
            last_result = i
    if last_result is None:
        return len(messages)
    at = last_result + 1
    # Keep earlier L3 insertions first, as in the user-message case.
    while at < len(messages) and messages[at].layer == L3_ENHANCEMENT:
        at += 1
    return at


def l3_message(req: PipelineRequest, text: str) -> Message:
    if req.dialect == "openai" and req.provider_family == "openai":
        first = req.messages[0].role if req.messages else "system"
        role = first if first in SYSTEM_ROLES else "system"
        return Message(role=role, content=text, layer=L3_ENHANCEMENT)
    if req.dialect == "openai":
        return Message(role="user", content=text, layer=L3_ENHANCEMENT)
    return Message(
        role="user",
        content=({"type": "text", "text": text},),
        layer=L3_ENHANCEMENT,
    )


def insert_l3(req: PipelineRequest, text: str) -> PipelineRequest:
    """`req` with `text` added as an L3 message after the cached prefix."""
    at = _insert_at(req.messages)
    messages = req.messages[:at] + (l3_message(req, text),) + req.messages[at:]
    return replace(req, messages=messages)
