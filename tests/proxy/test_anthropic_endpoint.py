"""POST /v1/messages driven by the official Anthropic SDK through a real gateway."""

from __future__ import annotations

from typing import Any, cast

import anthropic
import httpx
import pytest

from tests.gateway_support import UPSTREAM_KEY, make_key

# Typed loosely: the SDKs' TypedDicts cannot describe a literal tool list.
TOOLS: Any = [
    {
        "name": "get_weather",
        "description": "Weather",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
]


@pytest.fixture
def plaintext(gateway: Any, routes: dict[str, Any]) -> str:
    return make_key()[1]


@pytest.fixture
def client(gateway: Any, plaintext: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.base_url, api_key=plaintext, max_retries=0)


def test_it_passes_the_body_and_headers_through_unchanged(client: anthropic.Anthropic, fake: Any) -> None:
    message = client.messages.create(
        model="fake-claude",
        max_tokens=64,
        system=[{"type": "text", "text": "You are terse."}],
        messages=[{"role": "user", "content": "hello"}],
        metadata={"user_id": "u-1"},
        extra_headers={"anthropic-beta": "some-beta-2026-01-01", "anthropic-version": "2023-06-01"},
    )
    assert message.content[0].text == "Answer to: hello"  # type: ignore[union-attr]
    upstream = fake.received[-1]
    assert upstream.path == "/v1/messages"
    assert upstream.headers["x-api-key"] == UPSTREAM_KEY
    assert upstream.headers["anthropic-beta"] == "some-beta-2026-01-01"
    assert upstream.headers["anthropic-version"] == "2023-06-01"
    assert upstream.json["system"] == [{"type": "text", "text": "You are terse."}]
    assert upstream.json["metadata"] == {"user_id": "u-1"}
    assert upstream.json["model"] == "claude-sonnet-4-5"


def test_it_relays_the_event_stream_with_its_framing(gateway: Any, plaintext: str) -> None:
    body = {"model": "fake-claude", "max_tokens": 50, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.stream(
        "POST", f"{gateway.base_url}/v1/messages", json=body, headers={"x-api-key": plaintext}
    ) as response:
        raw = b"".join(response.iter_raw())
    events = [e for e in raw.split(b"\n\n") if e]
    names = [e.split(b"\n")[0] for e in events]
    assert names[0] == b"event: message_start"
    assert b"event: ping" in names
    assert names[-1] == b"event: message_stop"
    assert raw.endswith(b"\n\n")


def test_it_streams_text_and_tool_use_through_the_sdk(client: anthropic.Anthropic) -> None:
    with client.messages.stream(
        model="fake-claude", max_tokens=50, messages=[{"role": "user", "content": "hey"}]
    ) as stream:
        text = "".join(stream.text_stream)
    assert text == "Answer to: hey"
    with client.messages.stream(
        model="fake-claude", max_tokens=50, tools=TOOLS, messages=[{"role": "user", "content": "weather"}]
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert final.content[-1].type == "tool_use"


def test_it_keeps_tool_use_and_tool_result_turns(client: anthropic.Anthropic, fake: Any) -> None:
    first = client.messages.create(
        model="fake-claude", max_tokens=50, tools=TOOLS, messages=[{"role": "user", "content": "weather"}]
    )
    tool_use = first.content[-1]
    client.messages.create(
        model="fake-claude",
        max_tokens=50,
        tools=TOOLS,
        messages=cast(
            Any,
            [
                {"role": "user", "content": "weather"},
                {"role": "assistant", "content": [tool_use.model_dump()]},
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": cast(Any, tool_use).id, "content": "21C"}],
                },
            ],
        ),
    )
    sent = fake.received[-1].json["messages"]
    assert sent[1]["content"][0]["type"] == "tool_use"
    assert sent[2]["content"][0]["tool_use_id"] == tool_use.id  # type: ignore[union-attr]


def test_it_translates_for_an_openai_route(client: anthropic.Anthropic, fake: Any) -> None:
    message = client.messages.create(
        model="fake-gpt", max_tokens=50, system="Be kind.", messages=[{"role": "user", "content": "hello"}]
    )
    assert message.content[0].text == "Answer to: hello"  # type: ignore[union-attr]
    upstream = fake.received[-1]
    assert upstream.path == "/v1/chat/completions"
    assert upstream.json["messages"][0] == {"role": "system", "content": "Be kind."}
    with client.messages.stream(
        model="fake-gpt", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        assert "".join(stream.text_stream) == "Answer to: hi"
