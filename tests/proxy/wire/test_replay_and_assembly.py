"""Stored body <-> SSE, per wire format: replaying a body and parsing the stream back gives
the same answer; what may be stored; fresh ids for served copies."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from proxy.pipeline.request import Message, PipelineRequest
from proxy.sse import SseFramer
from proxy.wire.anthropic_messages import ANTHROPIC_MESSAGES
from proxy.wire.base import WireFormat
from proxy.wire.openai_chat import OPENAI_CHAT

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


def _request(wire: WireFormat, include_usage: bool = True) -> PipelineRequest:
    params = {"stream_options": {"include_usage": include_usage}} if wire is OPENAI_CHAT else {}
    return PipelineRequest(
        wire=wire.name,
        dialect=wire.dialect,
        model="m",
        messages=(Message("user", "hi"),),
        params=MappingProxyType(params),
        stream=True,
    )


def _round_trip(wire: WireFormat, body: dict[str, Any]) -> dict[str, Any] | None:
    req = _request(wire)
    parser = wire.stream_parser(req)
    framer = SseFramer()
    for event in wire.replay_stream(body, req):
        for framed in framer.feed(event):
            parser.feed(framed)
    assert parser.completed and parser.error is None
    return parser.body()


@pytest.mark.parametrize(
    ("wire", "body"), [(OPENAI_CHAT, OPENAI_TEXT), (OPENAI_CHAT, OPENAI_TOOLS), (ANTHROPIC_MESSAGES, ANTHROPIC)]
)
def test_a_replayed_body_assembles_back_to_itself(wire: WireFormat, body: dict[str, Any]) -> None:
    assert _round_trip(wire, body) == body


def test_openai_replay_ends_with_usage_then_done() -> None:
    events = list(OPENAI_CHAT.replay_stream(OPENAI_TEXT, _request(OPENAI_CHAT)))
    assert events[-1] == b"data: [DONE]\n\n"
    assert b'"choices":[]' in events[-2] and b'"usage"' in events[-2]
    quiet = OPENAI_CHAT.replay_stream(OPENAI_TEXT, _request(OPENAI_CHAT, include_usage=False))
    assert all(b'"usage"' not in e for e in quiet)


def test_anthropic_replay_has_the_event_sequence_of_a_real_stream() -> None:
    names = [e.split(b"\n", 1)[0] for e in ANTHROPIC_MESSAGES.replay_stream(ANTHROPIC, _request(ANTHROPIC_MESSAGES))]
    assert names[0] == b"event: message_start" and names[-2:] == [b"event: message_delta", b"event: message_stop"]
    assert names.count(b"event: content_block_start") == names.count(b"event: content_block_stop") == 3


def test_a_served_copy_gets_a_fresh_id_and_leaves_the_stored_body_alone() -> None:
    served = OPENAI_CHAT.served_body(OPENAI_TEXT)
    assert served["id"] != OPENAI_TEXT["id"] and served["id"].startswith("chatcmpl-")
    assert OPENAI_TEXT["id"] == "chatcmpl-1"
    assert ANTHROPIC_MESSAGES.served_body(ANTHROPIC)["id"].startswith("msg_")


def test_a_stream_with_an_error_event_assembles_to_nothing() -> None:
    parser = OPENAI_CHAT.stream_parser(_request(OPENAI_CHAT))
    parser.feed(b'data: {"error": {"message": "overloaded"}}\n\n')
    assert parser.error and parser.body() is None


def test_only_complete_answers_are_storable() -> None:
    choice: Any = OPENAI_TEXT["choices"]
    length = {**OPENAI_TEXT, "choices": [{**choice[0], "finish_reason": "length"}]}
    assert OPENAI_CHAT.unstorable_reason(length, False) == "finish_reason 'length'"
    assert OPENAI_CHAT.unstorable_reason(OPENAI_TEXT, False) == ""
    assert OPENAI_CHAT.unstorable_reason(OPENAI_TOOLS, False)
    assert OPENAI_CHAT.unstorable_reason(OPENAI_TOOLS, True) == ""
    stopped = {**ANTHROPIC, "stop_reason": "max_tokens"}
    assert ANTHROPIC_MESSAGES.unstorable_reason(stopped, True) == "stop_reason 'max_tokens'"
    assert ANTHROPIC_MESSAGES.unstorable_reason(ANTHROPIC, False)
    assert ANTHROPIC_MESSAGES.unstorable_reason(ANTHROPIC, True) == ""
