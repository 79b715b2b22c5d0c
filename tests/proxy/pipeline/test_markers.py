from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from proxy.pipeline.markers.slots import client_markers
from proxy.pipeline.request import Message, PipelineRequest

from .builders import (
    LONG_SYSTEM,
    anthropic_tool,
    chat,
    openai_tool,
    request,
    run,
    tool_call_turn,
)

EPHEMERAL = {"type": "ephemeral"}
TOOLS = tuple(anthropic_tool(f"tool_{n}", q={"type": "string"}) for n in range(3))


def anthropic_chat(turns: int, **kwargs: Any) -> PipelineRequest:
    messages: list[Message] = [Message("system", ({"type": "text", "text": LONG_SYSTEM},))]
    for n in range(turns):
        messages.append(Message("user", f"Question {n}?"))
        messages.append(Message("assistant", ({"type": "text", "text": f"Answer {n}."},)))
    messages.append(Message("user", f"Question {turns}?"))
    return request(messages, wire="anthropic", family="anthropic", **kwargs)


def marker_on(req: PipelineRequest, index: int, block: int = -1) -> Any:
    content = req.messages[index].content
    assert isinstance(content, tuple)
    return content[block].get("cache_control")


def marker_count(req: PipelineRequest) -> int:
    return len(client_markers(req))


def test_anthropic_markers_go_on_system_and_the_end_of_history() -> None:
    out = run(anthropic_chat(2))
    assert marker_on(out, 0) == EPHEMERAL
    assert marker_on(out, 4) == EPHEMERAL
    assert out.messages[5].content == "Question 2?"
    assert out.diagnostics.markers_placed == 2 == marker_count(out)


def test_a_first_turn_gets_a_system_marker() -> None:
    out = run(anthropic_chat(0))
    assert marker_on(out, 0) == EPHEMERAL
    assert out.diagnostics.markers_placed == 1


def test_tools_are_marked_when_they_alone_clear_the_minimum() -> None:
    out = run(anthropic_chat(1, tools=TOOLS), min_prefix_tokens=20)
    assert "cache_control" not in out.tools[0]
    assert out.tools[-1]["cache_control"] == EPHEMERAL
    assert out.diagnostics.markers_placed == 3


def test_the_history_marker_rolls_forward_each_turn() -> None:
    first = run(anthropic_chat(1))
    second = run(anthropic_chat(2))
    marked = [
        [i for i, m in enumerate(r.messages) if isinstance(m.content, tuple) and "cache_control" in m.content[-1]]
        for r in (first, second)
    ]
    assert marked == [[0, 2], [0, 4]]


def test_a_prefix_below_the_minimum_gets_a_warning_and_no_marker() -> None:
    messages = [
        Message("system", "Be brief."),
        Message("user", "Hi"),
        Message("assistant", "Hello"),
        Message("user", "?"),
    ]
    out = run(request(messages, wire="anthropic", family="anthropic"), min_prefix_tokens=1024)
    assert out.diagnostics.markers_placed == 0
    assert marker_count(out) == 0
    assert any("below this route's minimum" in w for w in out.diagnostics.warnings)


def test_client_markers_are_kept_and_ours_only_fill_the_remaining_slots() -> None:
    req = anthropic_chat(3, tools=tuple({**t, "cache_control": EPHEMERAL} for t in TOOLS))
    out = run(req, min_prefix_tokens=10)
    assert all(t["cache_control"] == EPHEMERAL for t in out.tools)
    assert out.diagnostics.markers_placed == 1
    assert marker_count(out) == 4
    # The single free slot goes to the most valuable spot: the end of the history.
    assert marker_on(out, 6) == EPHEMERAL


def test_more_than_four_client_markers_are_passed_on_untouched() -> None:
    tools = tuple({**anthropic_tool(f"t{n}"), "cache_control": EPHEMERAL} for n in range(5))
    req = anthropic_chat(2, tools=tools)
    out = run(req)
    assert out.diagnostics.markers_placed == 0
    assert marker_count(out) == 5


def test_a_position_the_client_already_marked_is_not_marked_twice() -> None:
    req = anthropic_chat(0)
    system = req.messages[0]
    marked_system = Message("system", ({"type": "text", "text": LONG_SYSTEM, "cache_control": EPHEMERAL},))
    out = run(PipelineRequest(**{**req.__dict__, "messages": (marked_system, *req.messages[1:])}))
    assert system != marked_system
    assert out.diagnostics.markers_placed == 0
    assert marker_count(out) == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.booleans(), min_size=3, max_size=3),
    st.integers(min_value=0, max_value=4),
    st.booleans(),
    st.integers(min_value=0, max_value=6),
)
def test_markers_never_exceed_four_with_client_markers_merged(
    tool_marks: list[bool], turns: int, automatic: bool, message_marks: int
) -> None:
    tools = tuple({**t, "cache_control": EPHEMERAL} if mark else t for t, mark in zip(TOOLS, tool_marks, strict=True))
    req = anthropic_chat(turns, tools=tools, params={"cache_control": EPHEMERAL} if automatic else {})
    messages = list(req.messages)
    for i in range(1, min(message_marks, len(messages) - 1) + 1):
        messages[i] = Message(
            messages[i].role,
            ({"type": "text", "text": "marked", "cache_control": EPHEMERAL},),
        )
    req = PipelineRequest(**{**req.__dict__, "messages": tuple(messages)})
    before = marker_count(req)
    out = run(req, min_prefix_tokens=0)
    assert marker_count(out) == before + out.diagnostics.markers_placed
    assert marker_count(out) <= max(4, before)


def test_one_hour_markers_never_follow_a_client_five_minute_marker() -> None:
    tools = (*TOOLS[:2], {**TOOLS[2], "cache_control": EPHEMERAL})
    out = run(anthropic_chat(2, tools=tools), anthropic_cache_ttl="1h", min_prefix_tokens=0)
    ours = [
        m.content[-1]["cache_control"]
        for m in out.messages
        if isinstance(m.content, tuple) and "cache_control" in m.content[-1]
    ]
    assert ours == [EPHEMERAL, EPHEMERAL]


def test_one_hour_ttl_is_used_when_configured() -> None:
    out = run(anthropic_chat(1), anthropic_cache_ttl="1h")
    assert marker_on(out, 0) == {"type": "ephemeral", "ttl": "1h"}


def test_openai_wire_to_anthropic_marks_messages_and_tools_the_way_litellm_reads_them() -> None:
    messages = [
        *chat(1)[:-1],
        Message("user", ({"type": "text", "text": "look"},)),
        tool_call_turn("c1", "search", {"q": "x"}),
        Message("tool", "found", {"tool_call_id": "c1"}),
        tool_call_turn("c2", "search", {"q": "y"}),
        Message("tool", "found too", {"tool_call_id": "c2"}),
    ]
    tools = (openai_tool("search", q={"type": "string"}),)
    out = run(request(messages, family="anthropic", tools=tools), min_prefix_tokens=10)
    # A string system prompt: message level, which LiteLLM puts on its text block.
    assert out.messages[0].fields["cache_control"] == EPHEMERAL
    # The final turn is a tool result: the rolling marker goes on it (message level),
    # never on the content-less tool-call turn before it.
    assert "cache_control" not in out.messages[6].fields
    assert "cache_control" not in out.messages[5].fields
    assert out.messages[7].fields["cache_control"] == EPHEMERAL
    assert out.tools[0]["cache_control"] == EPHEMERAL
    assert out.diagnostics.markers_placed == 3


def test_content_parts_on_the_openai_wire_are_marked_on_the_part() -> None:
    messages = [
        Message("system", ({"type": "text", "text": LONG_SYSTEM},)),
        Message("user", "q"),
    ]
    out = run(request(messages, family="anthropic"))
    assert out.messages[0].content == ({"type": "text", "text": LONG_SYSTEM, "cache_control": EPHEMERAL},)
    assert "cache_control" not in out.messages[0].fields


def test_thinking_blocks_are_never_marked() -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "s"}
    messages = [
        Message("system", LONG_SYSTEM),
        Message("user", "q"),
        Message("assistant", ({"type": "text", "text": "a"}, thinking)),
        Message("user", "q2"),
    ]
    out = run(request(messages, wire="anthropic", family="anthropic"))
    assert out.messages[2].content == (
        {"type": "text", "text": "a", "cache_control": EPHEMERAL},
        thinking,
    )


def test_openai_gets_a_team_scoped_prompt_cache_key() -> None:
    one = run(request(chat(1), team_id="team-a"))
    again = run(request(chat(4), team_id="team-a"))
    other_team = run(request(chat(1), team_id="team-b"))
    key = one.params["prompt_cache_key"]
    assert key.startswith("lc-")
    assert again.params["prompt_cache_key"] == key
    assert other_team.params["prompt_cache_key"] != key
    assert "team-a" not in key
    assert one.diagnostics.markers_placed == 0


def test_the_clients_own_prompt_cache_key_is_kept() -> None:
    out = run(request(chat(1), params={"prompt_cache_key": "mine"}))
    assert out.params["prompt_cache_key"] == "mine"


def test_explicit_breakpoints_only_for_models_that_take_them_and_never_on_assistant_output() -> None:
    plain = run(request(chat(2)))
    assert all("prompt_cache_breakpoint" not in str(m.content) for m in plain.messages)
    out = run(request(chat(2)), supports_breakpoints=True)
    marked = [i for i, m in enumerate(out.messages) if "prompt_cache_breakpoint" in str(m.content)]
    assert marked == [0, 3]
    assert out.messages[3].content == (
        {
            "type": "text",
            "text": "Question 1?",
            "prompt_cache_breakpoint": {"mode": "explicit"},
        },
    )
    assert out.diagnostics.markers_placed == 2


def test_deepseek_and_other_requests_carry_no_markers() -> None:
    # Gemini's markers are in test_gemini_markers.py.
    for family in ("deepseek", "other"):
        out = run(request(chat(3), family=family))
        assert out.diagnostics.markers_placed == 0
        assert marker_count(out) == 0
        assert "prompt_cache_key" not in out.params
        assert out.diagnostics.context_hash and out.diagnostics.context_tokens > 1000


def test_five_minute_markers_before_a_client_one_hour_marker_become_one_hour() -> None:
    one_hour = {"type": "ephemeral", "ttl": "1h"}
    out = run(anthropic_chat(1, params={"cache_control": one_hour}))
    assert marker_on(out, 0) == one_hour
    assert marker_on(out, 2) == one_hour


def test_no_breakpoint_is_added_when_the_client_used_all_four() -> None:
    part = {"type": "text", "text": "x", "prompt_cache_breakpoint": {"mode": "explicit"}}
    messages = [Message("system", LONG_SYSTEM), *[Message("user", (part,)) for _ in range(5)], Message("user", "q")]
    messages[5:5] = [Message("assistant", "a")]
    out = run(request(messages), supports_breakpoints=True)
    assert out.diagnostics.markers_placed == 0
    assert len(client_markers(out, "prompt_cache_breakpoint")) == 5
