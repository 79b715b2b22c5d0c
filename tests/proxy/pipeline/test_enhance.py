from __future__ import annotations

import json
from pathlib import Path

import pytest

from proxy.enhancements import LexicalPicker, load_examples, load_texts
from proxy.pipeline.request import Layer, Message

from .builders import chat, request, run, tool_call_turn, tool_result

TEXTS = load_texts()


def test_enhancements_land_after_the_prefix_and_before_the_question() -> None:
    out = run(request(chat(2), enhancements=("chain_of_thought", "self_critique")))
    layers = [m.layer for m in out.messages]
    assert layers == [
        Layer.L0_SYSTEM,
        *[Layer.L2_SESSION] * 4,
        Layer.L3_ENHANCEMENT,
        Layer.L4_USER,
    ]
    assert out.messages[5].content == TEXTS["chain_of_thought"] + "\n\n" + TEXTS["self_critique"]
    assert out.diagnostics.enhancements_applied == ("chain_of_thought", "self_critique")


def test_enhancements_do_not_change_the_prefix() -> None:
    plain = run(request(chat(2)))
    enhanced = run(request(chat(2), enhancements=("chain_of_thought",)))
    assert plain.diagnostics.prefix_hash == enhanced.diagnostics.prefix_hash
    assert plain.messages[:5] == enhanced.messages[:5]


def test_anthropic_enhancements_are_a_user_text_block_after_the_tool_results() -> None:
    messages = [
        *chat(1)[:-1],
        Message("assistant", ({"type": "tool_use", "id": "t", "name": "f", "input": {}},)),
        Message("user", ({"type": "tool_result", "tool_use_id": "t", "content": "ok"},)),
    ]
    out = run(
        request(
            messages,
            wire="anthropic",
            family="anthropic",
            enhancements=("self_critique",),
        )
    )
    assert out.messages[-1].layer is Layer.L3_ENHANCEMENT
    assert out.messages[-1].content == ({"type": "text", "text": TEXTS["self_critique"]},)
    results = out.messages[-2].content
    assert isinstance(results, tuple)
    assert results[0]["type"] == "tool_result"


def test_structured_json_quotes_the_response_format_schema_in_order() -> None:
    schema = {
        "type": "object",
        "properties": {"zeta": {"type": "string"}, "alpha": {"type": "number"}},
    }
    params = {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": schema},
        }
    }
    out = run(request(chat(0), params=params, enhancements=("structured_json",)))
    text = out.messages[1].content
    assert isinstance(text, str)
    assert text.endswith(json.dumps(schema, separators=(",", ":")))
    assert text.index("zeta") < text.index("alpha")
    plain = run(request(chat(0), enhancements=("structured_json",)))
    assert plain.messages[1].content == TEXTS["structured_json"]


def test_dynamic_few_shot_uses_the_configured_picker_on_the_final_question() -> None:
    picker = LexicalPicker(
        [
            ("refund a damaged order", "Apologise, then refund."),
            ("reset my password", "Send the reset link."),
        ]
    )
    messages = [Message("system", "s"), Message("user", "How do I reset a password?")]
    out = run(request(messages, enhancements=("dynamic_few_shot",)), few_shot_picker=picker)
    text = out.messages[1].content
    assert isinstance(text, str)
    assert text.startswith(TEXTS["dynamic_few_shot.header"])
    assert "Input: reset my password\nOutput: Send the reset link." in text
    assert "refund" not in text


def test_dynamic_few_shot_without_a_picker_or_a_match_adds_nothing() -> None:
    req = request(chat(0), enhancements=("dynamic_few_shot",))
    assert len(run(req).messages) == 2
    assert len(run(req, few_shot_picker=LexicalPicker([("zzz", "y")])).messages) == 2
    assert run(req).diagnostics.warnings == run(request(chat(0))).diagnostics.warnings


def test_an_unknown_enhancement_is_reported_not_fatal() -> None:
    out = run(request(chat(0), enhancements=("telepathy",)))
    assert len(out.messages) == 2
    assert any("telepathy" in w for w in out.diagnostics.warnings)


def test_enhancements_in_an_agent_loop_follow_the_tool_results() -> None:
    messages = [
        Message("system", "s"),
        Message("user", "q"),
        tool_call_turn("c", "f", {}),
        tool_result("c", "r"),
    ]
    out = run(request(messages, enhancements=("chain_of_thought",)))
    assert [m.role for m in out.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "system",
    ]


def test_the_texts_are_data_and_a_broken_file_fails_loudly(tmp_path: Path) -> None:
    assert set(TEXTS) >= {"chain_of_thought", "structured_json", "self_critique"}
    custom = tmp_path / "texts.json"
    custom.write_text(json.dumps({**TEXTS, "chain_of_thought": "Think."}))
    assert load_texts(custom)["chain_of_thought"] == "Think."
    custom.write_text(json.dumps({"chain_of_thought": "Think."}))
    with pytest.raises(ValueError, match="missing"):
        load_texts(custom)


def test_the_lexical_picker_ranks_by_overlap_and_keeps_k() -> None:
    picker = LexicalPicker([("a b c", "1"), ("a b", "2"), ("x y", "3"), ("a", "4")])
    assert picker("a b", 2) == [("a b", "2"), ("a b c", "1")]
    assert picker("nothing shared", 3) == []
    assert picker("a", 0) == []


def test_examples_load_from_the_original_file_format(tmp_path: Path) -> None:
    path = tmp_path / "examples.yaml"
    path.write_text("examples:\n  - input: hi\n    output: hello\n")
    assert load_examples(path) == [("hi", "hello")]
    bad = tmp_path / "bad.json"
    bad.write_text('{"examples": [{"input": 1}]}')
    with pytest.raises(TypeError):
        load_examples(bad)
