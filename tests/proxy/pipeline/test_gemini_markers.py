"""Gemini markers: which requests may get a CachedContent, and how they are marked."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.pipeline.markers.gemini import GeminiMarkers
from proxy.pipeline.markers.slots import client_markers
from proxy.pipeline.request import Message, PipelineRequest

from .builders import LONG_SYSTEM, chat, openai_tool, request, run

FIVE_MINUTES = {"type": "ephemeral", "ttl": "5m"}


def gemini(messages: list[Message], **kwargs: Any) -> PipelineRequest:
    return request(messages, family="gemini", **kwargs)


def marked_indices(req: PipelineRequest) -> list[int]:
    return sorted({c.position[0] for c in client_markers(req)})


def test_every_system_layer_message_is_marked_as_a_text_part_with_the_ttl() -> None:
    out = run(gemini(chat(2)))
    assert out.messages[0].content == ({"type": "text", "text": LONG_SYSTEM, "cache_control": FIVE_MINUTES},)
    assert marked_indices(out) == [0]
    assert out.diagnostics.markers_placed == 1
    assert out.messages[1:] == run(request(chat(2), family="deepseek")).messages[1:]


def test_the_routes_one_hour_ttl_is_used() -> None:
    out = run(gemini(chat(0)), anthropic_cache_ttl="1h")
    assert marked_indices(out) == [0]
    assert client_markers(out)[0].ttl == "1h"


def test_a_conversation_of_any_length_is_marked_the_same_way() -> None:
    first, later = run(gemini(chat(0))), run(gemini(chat(6)))
    assert first.messages[0] == later.messages[0]
    assert marked_indices(later) == [0]


def test_all_leading_l0_l1_messages_are_marked_on_the_anthropic_wire_too() -> None:
    system = [Message("system", ({"type": "text", "text": LONG_SYSTEM},)), Message("system", "Also be brief.")]
    out = run(request([*system, Message("user", "q")], wire="anthropic", family="gemini"))
    assert marked_indices(out) == [0, 1]
    assert out.messages[1].content == ({"type": "text", "text": "Also be brief.", "cache_control": FIVE_MINUTES},)


def test_a_prefix_below_the_minimum_plus_margin_is_not_marked() -> None:
    # About 1100 estimated tokens: over the 1024 minimum, not by the third the margin needs.
    system = "word " * 880
    assert run(gemini(chat(0, system=system))).diagnostics.context_tokens >= 1024
    assert run(gemini(chat(0, system=system))).diagnostics.markers_placed == 0
    assert run(gemini(chat(0, system=system)), min_prefix_tokens=800).diagnostics.markers_placed == 1


def test_tools_count_toward_the_prefix() -> None:
    tools = tuple(
        openai_tool(f"tool_{n}", **{f"field_{k}": {"type": "string", "description": "x " * 40} for k in range(6)})
        for n in range(8)
    )
    short = [Message("system", "Be brief."), Message("user", "q")]
    assert run(gemini(short)).diagnostics.markers_placed == 0
    assert run(gemini(short, tools=tools)).diagnostics.markers_placed == 1


def test_a_client_marker_anywhere_leaves_the_request_alone() -> None:
    messages = chat(1)
    messages[1] = Message("user", ({"type": "text", "text": "Question 0?", "cache_control": {"type": "ephemeral"}},))
    out = run(gemini(messages))
    assert out.messages == run(request(messages, family="deepseek")).messages
    assert out.diagnostics.markers_placed == 0


def test_a_system_message_after_the_system_layers_prevents_caching() -> None:
    # LiteLLM would put it into the cache too, making a cache per conversation.
    messages = [*chat(1)[:-1], Message("system", "The user is on the premium plan."), Message("user", "q")]
    out = run(gemini(messages))
    assert out.diagnostics.markers_placed == 0


@pytest.mark.parametrize("messages", [[Message("system", LONG_SYSTEM)], [Message("system", "")]])
def test_nothing_is_marked_without_a_markable_prefix_and_a_turn_after_it(messages: list[Message]) -> None:
    out = GeminiMarkers("5m", 10).apply(gemini(messages))
    assert out.diagnostics.markers_placed == 0


def test_markers_are_left_out_with_lc_bypass_cache_like_other_families() -> None:
    out = run(gemini(chat(0)), cache_markers=False)
    assert out.diagnostics.markers_placed == 0


def test_an_unknown_ttl_is_refused() -> None:
    with pytest.raises(ValueError):
        GeminiMarkers("10m", 1024)  # type: ignore[arg-type]
