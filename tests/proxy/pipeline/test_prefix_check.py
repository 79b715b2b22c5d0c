from __future__ import annotations

import hashlib
from typing import Any

from proxy.pipeline import stratify
from proxy.pipeline.fingerprints import canonical_bytes
from proxy.pipeline.prefix_check import PrefixCheck
from proxy.pipeline.request import Message, PipelineRequest
from proxy.pipeline.tokens import message_tokens, tools_tokens

from .builders import LONG_SYSTEM, chat, openai_tool, request


def checked(messages: list[Message], minimum: int = 1024, **kwargs: Any) -> PipelineRequest:
    return PrefixCheck(minimum).apply(stratify.apply(request(messages, **kwargs)))


def test_it_measures_and_fingerprints_tools_system_and_history_but_not_the_question() -> None:
    tools = (openai_tool("search"),)
    messages = chat(2)
    out = checked(messages, tools=tools)
    prefix = stratify.apply(request(messages)).messages[:5]
    expected_tokens = tools_tokens(tools) + sum(message_tokens(m) for m in prefix)
    assert out.diagnostics.prefix_tokens == expected_tokens
    assert out.diagnostics.prefix_hash == hashlib.sha256(canonical_bytes(prefix, tools)).hexdigest()
    assert out.diagnostics.warnings == ()


def test_the_prefix_hash_ignores_the_new_question() -> None:
    one = checked([*chat(2)[:-1], Message("user", "A?")])
    two = checked([*chat(2)[:-1], Message("user", "B?")])
    assert one.diagnostics.prefix_hash == two.diagnostics.prefix_hash


def test_the_context_fingerprint_is_shared_by_conversations_with_the_same_prompt() -> None:
    one = checked(chat(1))
    two = checked(chat(5, user_text="Other {n}"))
    assert one.diagnostics.context_hash == two.diagnostics.context_hash
    assert one.diagnostics.prefix_hash != two.diagnostics.prefix_hash
    assert one.diagnostics.context_tokens > 1000


def test_a_short_prefix_gets_a_warning_naming_the_minimum() -> None:
    out = checked([Message("system", "Be brief."), Message("user", "hi")], minimum=2048)
    (warning,) = out.diagnostics.warnings
    assert "2048" in warning
    assert "will not cache" in warning


def test_markers_the_client_moves_do_not_change_the_fingerprint() -> None:
    plain = [
        Message("system", ({"type": "text", "text": LONG_SYSTEM},)),
        Message("user", "q"),
    ]
    marked = [
        Message(
            "system",
            (
                {
                    "type": "text",
                    "text": LONG_SYSTEM,
                    "cache_control": {"type": "ephemeral"},
                },
            ),
        ),
        Message("user", "q"),
    ]
    assert checked(plain).diagnostics.prefix_hash == checked(marked).diagnostics.prefix_hash
