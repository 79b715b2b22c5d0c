"""The Anthropic Messages surface, driven by the official anthropic SDK."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import pytest

from .provider import FakeProvider

MODEL = "claude-fake-sonnet"  # a name the SDK does not warn about
WEATHER_TOOL: Any = {
    "name": "get_weather",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
        "required": ["city", "unit"],
    },
}
HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}


def client(fake: FakeProvider) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=fake.base_url, api_key="sk-ant-test", max_retries=0)


def user(text: str) -> Any:
    return {"role": "user", "content": text}


def sse_events(body: str) -> list[tuple[str, Any]]:
    events = []
    for frame in body.split("\n\n"):
        if frame.strip():
            name_line, data_line = frame.split("\n")
            assert name_line.startswith("event: ") and data_line.startswith("data: ")
            events.append((name_line[len("event: ") :], json.loads(data_line[len("data: ") :])))
    return events


def test_it_answers_with_a_text_block_and_full_usage(fake: FakeProvider) -> None:
    raw = client(fake).messages.with_raw_response.create(model=MODEL, max_tokens=100, messages=[user("What is 2+2?")])
    assert raw.headers["request-id"].startswith("req_")
    message = raw.parse()
    assert message.id.startswith("msg_") and message.role == "assistant"
    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "Answer to: What is 2+2?"  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    usage = message.usage
    assert usage.input_tokens == 6  # What is 2 + 2 ?
    assert usage.output_tokens == 9
    assert usage.cache_read_input_tokens == 0 and usage.cache_creation_input_tokens == 0
    assert usage.cache_creation is not None
    assert usage.cache_creation.ephemeral_5m_input_tokens == 0


def test_stream_follows_the_named_event_sequence(fake: FakeProvider) -> None:
    fake.settings.chunks = 2
    response = httpx.post(
        f"{fake.base_url}/v1/messages",
        headers=HEADERS,
        json={
            "model": MODEL,
            "max_tokens": 50,
            "stream": True,
            "messages": [user("hello")],
        },
    )
    events = sse_events(response.text)
    assert [name for name, _ in events] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(data["type"] == name for name, data in events)
    start_usage = events[0][1]["message"]["usage"]
    assert {
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "cache_creation",
    } <= set(start_usage)
    final = events[-2][1]
    assert final["delta"]["stop_reason"] == "end_turn"
    assert final["usage"]["output_tokens"] == 4 and final["usage"]["input_tokens"] == 1
    assert response.headers["request-id"].startswith("req_")


def test_sdk_stream_accumulates_the_final_message(fake: FakeProvider) -> None:
    with client(fake).messages.stream(model=MODEL, max_tokens=50, messages=[user("stream me")]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Answer to: stream me"
    assert final.usage.output_tokens == 5


def test_tools_on_a_user_turn_produce_text_then_tool_use(fake: FakeProvider) -> None:
    message = client(fake).messages.create(
        model=MODEL, max_tokens=100, messages=[user("weather?")], tools=[WEATHER_TOOL]
    )
    assert message.stop_reason == "tool_use"
    assert [b.type for b in message.content] == ["text", "tool_use"]
    call = message.content[1]
    assert call.type == "tool_use" and call.id.startswith("toolu_")
    assert call.name == "get_weather" and call.input == {"city": "example", "unit": "c"}


def test_forced_tool_choice_skips_the_text_preamble(fake: FakeProvider) -> None:
    message = client(fake).messages.create(
        model=MODEL,
        max_tokens=100,
        messages=[user("weather?")],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "tool", "name": "get_weather"},
    )
    assert [b.type for b in message.content] == ["tool_use"]


def test_streamed_tool_use_arrives_as_input_json_deltas(fake: FakeProvider) -> None:
    response = httpx.post(
        f"{fake.base_url}/v1/messages",
        headers=HEADERS,
        json={
            "model": MODEL,
            "max_tokens": 50,
            "stream": True,
            "messages": [user("weather?")],
            "tools": [WEATHER_TOOL],
            "tool_choice": {"type": "any"},
        },
    )
    events = sse_events(response.text)
    start = next(d for n, d in events if n == "content_block_start")
    assert start["content_block"] == {
        "type": "tool_use",
        "id": start["content_block"]["id"],
        "name": "get_weather",
        "input": {},
    }
    partial = "".join(d["delta"]["partial_json"] for n, d in events if n == "content_block_delta")
    assert json.loads(partial) == {"city": "example", "unit": "c"}
    with client(fake).messages.stream(
        model=MODEL, max_tokens=50, messages=[user("weather?")], tools=[WEATHER_TOOL]
    ) as stream:
        final = stream.get_final_message()
    assert final.content[-1].type == "tool_use" and final.content[-1].input == {
        "city": "example",
        "unit": "c",
    }


def test_a_tool_result_turn_gets_a_text_answer(fake: FakeProvider) -> None:
    messages: Any = [
        user("weather in Paris?"),
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                }
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}],
        },
    ]
    message = client(fake).messages.create(model=MODEL, max_tokens=100, messages=messages, tools=[WEATHER_TOOL])
    assert message.stop_reason == "end_turn"
    assert message.content[0].text == "Answer to: weather in Paris?"  # type: ignore[union-attr]


def test_small_max_tokens_stops_with_max_tokens(fake: FakeProvider) -> None:
    message = client(fake).messages.create(model=MODEL, max_tokens=2, messages=[user("long story")])
    assert message.stop_reason == "max_tokens"
    assert message.content[0].text == "Answer to"  # type: ignore[union-attr]


def test_missing_api_key_is_a_401_authentication_error(fake: FakeProvider) -> None:
    response = httpx.post(
        f"{fake.base_url}/v1/messages",
        headers={"anthropic-version": "2023-06-01"},
        json={"model": MODEL, "max_tokens": 5, "messages": [user("hi")]},
    )
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "error" and body["error"]["type"] == "authentication_error"
    assert body["request_id"] == response.headers["request-id"]


def test_missing_version_header_is_a_400(fake: FakeProvider) -> None:
    response = httpx.post(
        f"{fake.base_url}/v1/messages",
        headers={"x-api-key": "k"},
        json={"model": MODEL, "max_tokens": 5, "messages": [user("hi")]},
    )
    assert response.status_code == 400
    assert "anthropic-version" in response.json()["error"]["message"]


@pytest.mark.parametrize("missing", ["model", "messages", "max_tokens"])
def test_missing_required_field_is_an_invalid_request_error(fake: FakeProvider, missing: str) -> None:
    body = {"model": MODEL, "max_tokens": 5, "messages": [user("hi")]}
    del body[missing]
    response = httpx.post(f"{fake.base_url}/v1/messages", headers=HEADERS, json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"].startswith(missing)


def test_bad_json_is_a_400_in_anthropic_format(fake: FakeProvider) -> None:
    response = httpx.post(f"{fake.base_url}/v1/messages", headers=HEADERS, content=b"{oops")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_count_tokens_matches_message_usage(fake: FakeProvider) -> None:
    sdk = client(fake)
    counted = sdk.messages.count_tokens(model=MODEL, messages=[user("one two three")], system="sys")
    used = sdk.messages.create(model=MODEL, max_tokens=5, messages=[user("one two three")], system="sys")
    assert counted.input_tokens == used.usage.input_tokens == 4
