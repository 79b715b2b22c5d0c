from __future__ import annotations

from typing import Any

from proxy.pipeline import stratify
from proxy.pipeline.fingerprints import first_changed_layer, layer_fingerprints
from proxy.pipeline.request import Message

from .builders import chat, openai_tool, request


def prints(messages: list[Message], **kwargs: Any) -> dict[str, str]:
    return layer_fingerprints(stratify.apply(request(messages, **kwargs)))


def test_every_layer_gets_a_sha256_fingerprint() -> None:
    result = prints(chat(2))
    assert list(result) == [
        "L0_SYSTEM",
        "L1_CONTEXT",
        "L2_SESSION",
        "L3_ENHANCEMENT",
        "L4_USER",
    ]
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in result.values())


def test_a_system_prompt_change_is_reported_as_l0() -> None:
    before = prints(chat(2))
    after = prints(chat(2, system="Another prompt"))
    assert first_changed_layer(before, after) == "L0_SYSTEM"


def test_a_tool_change_is_reported_as_l1() -> None:
    before = prints(chat(2), tools=(openai_tool("a"),))
    after = prints(chat(2), tools=(openai_tool("b"),))
    assert first_changed_layer(before, after) == "L1_CONTEXT"


def test_a_new_turn_changes_session_and_user_layers_only() -> None:
    before = prints(chat(2))
    after = prints(chat(3))
    assert first_changed_layer(before, after) == "L2_SESSION"
    assert before["L0_SYSTEM"] == after["L0_SYSTEM"]
    assert first_changed_layer(after, prints(chat(3))) is None


def test_it_is_pure() -> None:
    req = stratify.apply(request(chat(1)))
    assert layer_fingerprints(req) == layer_fingerprints(req)
