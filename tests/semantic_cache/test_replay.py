"""Stored body <-> SSE: replaying a body and assembling it back gives the same answer."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.pipeline.request import WireFormat
from proxy.sse import SseFramer
from proxy.usage import Usage
from semantic_cache.answers import unstorable_reason
from semantic_cache.replay import StreamAssembler, replay_events, with_fresh_id

OPENAI_TEXT: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "x" * 150 + " done", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
}
OPENAI_TOOLS: dict[str, Any] = {
    "id": "chatcmpl-2",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    },
                    {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
}
ANTHROPIC: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude",
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "content": [
        {"type": "thinking", "thinking": "let me see " * 10, "signature": "sig"},
        {"type": "text", "text": "Checking the weather."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris", "days": [1, 2]}},
    ],
    "usage": {"input_tokens": 10, "output_tokens": 20, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
}


def _round_trip(wire: WireFormat, body: dict[str, Any]) -> dict[str, Any] | None:
    assembler = StreamAssembler(wire)
    framer = SseFramer()
    for event in replay_events(wire, body, include_usage=True):
        for framed in framer.feed(event):
            assembler.feed(framed)
    return assembler.body(Usage())


@pytest.mark.parametrize(
    ("wire", "body"), [("openai", OPENAI_TEXT), ("openai", OPENAI_TOOLS), ("anthropic", ANTHROPIC)]
)
def test_a_replayed_body_assembles_back_to_itself(wire: WireFormat, body: dict[str, Any]) -> None:
    assert _round_trip(wire, body) == body


def test_openai_replay_ends_with_usage_then_done() -> None:
    events = list(replay_events("openai", OPENAI_TEXT, include_usage=True))
    assert events[-1] == b"data: [DONE]\n\n"
    assert b'"choices":[]' in events[-2] and b'"usage"' in events[-2]
    assert all(b'"usage"' not in e for e in replay_events("openai", OPENAI_TEXT, include_usage=False))


def test_anthropic_replay_has_the_event_sequence_of_a_real_stream() -> None:
    names = [e.split(b"\n", 1)[0] for e in replay_events("anthropic", ANTHROPIC)]
    assert names[0] == b"event: message_start" and names[-2:] == [b"event: message_delta", b"event: message_stop"]
    assert names.count(b"event: content_block_start") == names.count(b"event: content_block_stop") == 3


def test_a_served_copy_gets_a_fresh_id_and_leaves_the_stored_body_alone() -> None:
    served = with_fresh_id("openai", OPENAI_TEXT)
    assert served["id"] != OPENAI_TEXT["id"] and served["id"].startswith("chatcmpl-")
    assert OPENAI_TEXT["id"] == "chatcmpl-1"
    assert with_fresh_id("anthropic", ANTHROPIC)["id"].startswith("msg_")


def test_an_assembly_with_an_error_event_is_not_a_body() -> None:
    assembler = StreamAssembler("openai")
    assembler.feed(b'data: {"error": {"message": "overloaded"}}\n\n')
    assert assembler.body(Usage()) is None


def test_only_complete_answers_are_storable() -> None:
    choice: Any = OPENAI_TEXT["choices"]
    length = {**OPENAI_TEXT, "choices": [{**choice[0], "finish_reason": "length"}]}
    assert unstorable_reason("openai", length, False) == "finish_reason 'length'"
    assert unstorable_reason("openai", OPENAI_TEXT, False) == ""
    assert unstorable_reason("openai", OPENAI_TOOLS, False) and unstorable_reason("openai", OPENAI_TOOLS, True) == ""
    assert (
        unstorable_reason("anthropic", {**ANTHROPIC, "stop_reason": "max_tokens"}, True) == "stop_reason 'max_tokens'"
    )
    assert unstorable_reason("anthropic", ANTHROPIC, False) and unstorable_reason("anthropic", ANTHROPIC, True) == ""
