from __future__ import annotations

from typing import Any

from proxy.pipeline import stratify
from proxy.pipeline.request import Layer, Message

from .builders import request, tool_call_turn, tool_result

L0, L1, L2, L3, L4 = (
    Layer.L0_SYSTEM,
    Layer.L1_CONTEXT,
    Layer.L2_SESSION,
    Layer.L3_ENHANCEMENT,
    Layer.L4_USER,
)


def layers(messages: list[Message], **options: Any) -> list[Layer | None]:
    return [m.layer for m in stratify.apply(request(messages, **options)).messages]


def test_leading_system_messages_are_l0_then_l1_and_the_last_question_l4() -> None:
    messages = [
        Message("system", "You are helpful."),
        Message("developer", "Context: product docs."),
        Message("user", "Hi"),
        Message("assistant", "Hello"),
        Message("user", "And now?"),
    ]
    assert layers(messages) == [L0, L1, L2, L2, L4]


def test_trailing_tool_results_of_an_agent_loop_are_the_final_turn() -> None:
    messages = [
        Message("system", "s"),
        Message("user", "Weather in Paris and Rome?"),
        tool_call_turn("c1", "weather", {"city": "Paris"}),
        tool_result("c1", "sunny"),
        tool_result("c2", "rain"),
    ]
    assert layers(messages) == [L0, L2, L2, L4, L4]


def test_anthropic_tool_results_in_a_user_message_are_the_final_turn() -> None:
    messages = [
        Message("user", "Weather?"),
        Message("assistant", ({"type": "tool_use", "id": "t", "name": "w", "input": {}},)),
        Message("user", ({"type": "tool_result", "tool_use_id": "t", "content": "sun"},)),
    ]
    assert layers(messages) == [L2, L2, L4]


def test_an_assistant_prefill_belongs_to_the_final_turn() -> None:
    messages = [
        Message("user", "a"),
        Message("assistant", "b"),
        Message("user", "Answer in JSON"),
        Message("assistant", "{"),
    ]
    assert layers(messages) == [L2, L2, L4, L4]


def test_a_first_turn_and_a_system_only_request() -> None:
    assert layers([Message("system", "s"), Message("user", "q")]) == [L0, L4]
    assert layers([Message("system", "s")]) == [L0]
    assert layers([Message("user", "q")]) == [L4]


def test_layer_hints_override_the_default() -> None:
    messages = [
        Message("system", "s"),
        Message("system", "volatile context"),
        Message("user", "q"),
    ]
    assert layers(messages, layer_hints={1: L0, 2: L4}) == [L0, L0, L4]
    assert layers(messages, layer_hints={1: L2}) == [L0, L2, L4]


def test_a_user_message_is_never_promoted_into_the_system_layers() -> None:
    messages = [
        Message("system", "s"),
        Message("user", "old"),
        Message("assistant", "reply"),
        Message("user", "q"),
    ]
    req = stratify.apply(request(messages, layer_hints={1: L0, 3: L1}))
    assert [m.layer for m in req.messages] == [L0, L2, L2, L4]
    assert len(req.diagnostics.warnings) == 2
    assert "cannot be placed in the system layers" in req.diagnostics.warnings[0]


def test_a_hint_for_a_missing_message_is_ignored_with_a_warning() -> None:
    req = stratify.apply(request([Message("user", "q")], layer_hints={5: L2}))
    assert [m.layer for m in req.messages] == [L4]
    assert "no such message" in req.diagnostics.warnings[0]


def test_it_builds_new_messages_and_leaves_the_input_untouched() -> None:
    original = request([Message("user", "q")])
    result = stratify.apply(original)
    assert original.messages[0].layer is None
    assert result.messages[0].layer is L4
