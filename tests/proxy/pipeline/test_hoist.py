from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxy.pipeline import hoist
from proxy.pipeline.config import PipelineConfig
from proxy.pipeline.hoist import VOLATILE, volatile_spans
from proxy.pipeline.request import Layer, Message
from proxy.pipeline.run import build_steps

from .builders import request, run, tool_call_turn, tool_result


def hoisted(text: str) -> str:
    out = run(request([Message("system", text), Message("user", "q")]))
    content = out.messages[0].content
    assert isinstance(content, str)
    return content


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("2026-11-26T10:15:03Z", "{{datetime_1}}"),
        ("2026-11-26 10:15", "{{datetime_1}}"),
        ("2026-11-26", "{{date_1}}"),
        ("26/11/2026", "{{date_1}}"),
        ("Nov 26, 2026", "{{date_1}}"),
        ("Thursday, 26 November 2026", "{{date_1}}"),
        ("10:15:03", "{{time_1}}"),
        ("9:30 pm", "{{time_1}}"),
        ("550e8400-e29b-41d4-a716-446655440000", "{{uuid_1}}"),
        ("req_01HX9ZAB3CD", "{{id_1}}"),
        ("chatcmpl-9aXk2LmQ", "{{id_1}}"),
        ("3f9a6c0b1d2e4f5a", "{{hexid_1}}"),
    ],
)
def test_volatile_values_in_the_system_prompt_become_placeholders(value: str, placeholder: str) -> None:
    assert hoisted(f"Context: {value}. Be kind.") == f"Context: {placeholder}. Be kind."


@pytest.mark.parametrize(
    "text",
    [
        "Use a 16:9 aspect ratio.",
        "See John 3:16.",
        "Requires version 1.10.2.",
        "A request-response protocol, session-based.",
    ],
)
def test_ordinary_text_is_not_mistaken_for_a_volatile_value(text: str) -> None:
    assert hoisted(text) == text


def test_values_inside_code_blocks_are_left_alone() -> None:
    text = "Example:\n```\nlog at 10:15:03 for req_01HX9ZAB3CD\n```\nNow: 11:00:00"
    assert hoisted(text) == ("Example:\n```\nlog at 10:15:03 for req_01HX9ZAB3CD\n```\nNow: {{time_1}}")


def test_the_same_value_gets_the_same_placeholder_everywhere() -> None:
    messages = [
        Message("system", "Today is 2026-11-26. Deadline 2026-12-01."),
        Message("system", ({"type": "text", "text": "Again: 2026-11-26"},)),
        Message("user", "q"),
    ]
    out = run(request(messages))
    assert out.messages[0].content == "Today is {{date_1}}. Deadline {{date_2}}."
    assert out.messages[1].content == ({"type": "text", "text": "Again: {{date_1}}"},)
    assert out.diagnostics.hoisted == ("date_1=2026-11-26", "date_2=2026-12-01")


def test_openai_gets_a_system_note_after_the_history_before_the_question() -> None:
    messages = [
        Message("developer", "Now: 10:15:03"),
        Message("user", "hi"),
        Message("assistant", "hello"),
        Message("user", "time?"),
    ]
    out = run(request(messages))
    note = out.messages[3]
    assert note.role == "developer"
    assert note.layer is Layer.L3_ENHANCEMENT
    assert note.content == ("Values of the placeholders in the instructions above:\n{{time_1}} = 10:15:03")
    assert out.messages[4].content == "time?"


def test_anthropic_gets_a_user_text_block_because_system_is_top_level() -> None:
    messages = [
        Message("system", ({"type": "text", "text": "Now: 10:15:03"},)),
        Message("user", "time?"),
    ]
    out = run(request(messages, wire="anthropic", family="anthropic"))
    note = out.messages[1]
    assert (note.role, note.layer) == ("user", Layer.L3_ENHANCEMENT)
    assert isinstance(note.content, tuple)
    assert "{{time_1}} = 10:15:03" in note.content[0]["text"]
    assert out.messages[2].content == "time?"


def test_openai_wire_to_anthropic_gets_a_user_message_not_a_system_one() -> None:
    # LiteLLM lifts every system message into Anthropic's top-level system, which would
    # put the note back in front of the cached history.
    out = run(
        request(
            [Message("system", "Now: 10:15:03"), Message("user", "q")],
            family="anthropic",
        )
    )
    assert out.messages[1].role == "user"
    assert out.messages[1].layer is Layer.L3_ENHANCEMENT


def test_in_an_agent_loop_the_note_follows_the_tool_results() -> None:
    messages = [
        Message("system", "Now: 10:15:03"),
        Message("user", "weather?"),
        tool_call_turn("c1", "weather", {}),
        tool_result("c1", "sunny"),
    ]
    out = run(request(messages))
    assert [m.role for m in out.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "system",
    ]
    assert out.messages[4].layer is Layer.L3_ENHANCEMENT


def test_only_the_system_layers_are_hoisted() -> None:
    messages = [Message("system", "s"), Message("user", "meet at 10:15:03?")]
    out = hoist.apply(run(request(messages), hoist_volatile=False))
    assert out.messages[1].content == "meet at 10:15:03?"
    assert out.diagnostics.hoisted == ()


def test_hoisting_can_be_switched_off() -> None:
    assert hoist.apply not in build_steps(PipelineConfig(hoist_volatile=False))
    out = run(
        request([Message("system", "Now: 10:15:03"), Message("user", "q")]),
        hoist_volatile=False,
    )
    assert out.messages[0].content == "Now: 10:15:03"
    assert len(out.messages) == 2


_pieces = st.sampled_from(
    [
        "x",
        "Nov",
        "26,",
        "2026",
        "Thursday,",
        "November",
        "10:15:03",
        "9:30",
        "pm",
        "p.m.",
        "UTC",
        "req_01HXAB3C",
        "deadbeefdeadbeef1",
        "a" * 70 + "1",
        "550e8400-e29b-41d4-a716-446655440000",
        "2026-11-26T10:15:03Z",
        "ab12",
        "\n",
        "   ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=40).map(" ".join))
def test_scanning_only_around_digits_finds_what_a_full_scan_finds(text: str) -> None:
    full = tuple((m.start(), m.end(), m.lastgroup) for m in VOLATILE.finditer(text))
    assert volatile_spans.__wrapped__(text) == full
