"""POST /v1/chat/completions driven by the official OpenAI SDK through a real gateway."""

from __future__ import annotations

import json
from typing import Any, cast

import openai
import pytest

from tests.gateway_support import UPSTREAM_KEY, make_key

# Typed loosely: the SDKs' TypedDicts cannot describe a literal tool list.
TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


@pytest.fixture
def client(gateway: Any, routes: dict[str, Any]) -> openai.OpenAI:
    _, plaintext = make_key()
    return openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)


def test_it_answers_through_the_gateway(client: openai.OpenAI, fake: Any) -> None:
    response = client.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "hello there"}])
    assert response.choices[0].message.content == "Answer to: hello there"
    assert response.usage is not None and response.usage.prompt_tokens > 0
    upstream = fake.received[-1]
    assert upstream.path == "/v1/chat/completions"
    # The provider sees the route's upstream model and the provider key, never the client key.
    assert upstream.json["model"] == "gpt-4o"
    assert upstream.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"


def test_it_passes_every_parameter_through(client: openai.OpenAI, fake: Any) -> None:
    client.chat.completions.create(
        model="fake-gpt",
        messages=[{"role": "user", "content": "hi"}],
        stop=["END"],
        seed=7,
        user="u-1",
        max_completion_tokens=50,
        n=1,
        logprobs=False,
        temperature=0.2,
        extra_body={"reasoning_effort": "low", "service_tier": "default"},
    )
    sent = fake.received[-1].json
    for field, value in {
        "stop": ["END"],
        "seed": 7,
        "user": "u-1",
        "max_completion_tokens": 50,
        "n": 1,
        "logprobs": False,
        "temperature": 0.2,
        "reasoning_effort": "low",
        "service_tier": "default",
    }.items():
        assert sent[field] == value, field


def test_it_streams_chunk_by_chunk_with_usage_and_done(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="fake-gpt",
        messages=[{"role": "user", "content": "stream me"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Answer to: stream me"
    assert len([c for c in chunks if c.choices]) > 2
    assert chunks[-1].usage is not None and chunks[-1].choices == []


def test_it_omits_the_usage_chunk_when_the_client_did_not_ask(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "x"}], stream=True)
    )
    assert all(c.choices for c in chunks)


def test_it_relays_tool_calls_and_accepts_null_content_turns(client: openai.OpenAI, fake: Any) -> None:
    first = client.chat.completions.create(
        model="fake-gpt",
        messages=[{"role": "user", "content": "weather in Paris?"}],
        tools=TOOLS,
    )
    call = cast(Any, first.choices[0].message.tool_calls)[0]
    assert call.function.name == "get_weather"
    second = client.chat.completions.create(
        model="fake-gpt",
        tools=TOOLS,
        messages=[
            {"role": "user", "content": "weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temp": 21})},
        ],
    )
    assert second.choices[0].finish_reason == "stop"
    sent = fake.received[-1].json["messages"]
    assert sent[1]["content"] is None and sent[1]["tool_calls"][0]["id"] == call.id
    assert sent[2]["tool_call_id"] == call.id


def test_it_streams_tool_calls(client: openai.OpenAI) -> None:
    chunks: list[Any] = list(
        client.chat.completions.create(
            model="fake-gpt",
            messages=[{"role": "user", "content": "weather?"}],
            tools=TOOLS,
            stream=True,
        )
    )
    names = [
        tc.function.name
        for c in chunks
        if c.choices
        for tc in (c.choices[0].delta.tool_calls or [])
        if tc.function and tc.function.name
    ]
    assert names == ["get_weather"]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_it_translates_for_an_anthropic_route(client: openai.OpenAI, fake: Any) -> None:
    response = client.chat.completions.create(
        model="fake-claude", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}]
    )
    assert response.choices[0].message.content == "Answer to: hello"
    upstream = fake.received[-1]
    assert upstream.path == "/v1/messages"
    assert (
        upstream.json["system"][0]["text"] == "Be brief."
        if isinstance(upstream.json["system"], list)
        else upstream.json["system"] == "Be brief."
    )


def test_it_lists_only_the_models_the_key_may_use(gateway: Any, routes: dict[str, Any]) -> None:
    key, plaintext = make_key()
    key.scopes.add(routes["gpt"])
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)
    assert [m.id for m in client.models.list()] == ["fake-gpt"]
