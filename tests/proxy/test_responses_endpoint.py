"""POST /v1/responses (the OpenAI Responses API) driven by the official OpenAI SDK through a
real gateway: natively to an OpenAI route, translated to an Anthropic one, both streamed and
not, through the layer pipeline and the response caches."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from tests.gateway_support import make_key

TOOLS: Any = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
LONG_INSTRUCTIONS = "You are the support assistant for Acme. Answer precisely and cite the policy. " * 150


@pytest.fixture
def client(gateway: Any, routes: dict[str, Any]) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=make_key()[1], max_retries=0)


def test_it_answers_natively_on_an_openai_route(client: openai.OpenAI, fake: Any) -> None:
    response = client.responses.create(model="fake-gpt", input="hello there", instructions="Be brief.")
    assert response.output_text == "Answer to: hello there"
    assert response.usage is not None and response.usage.input_tokens > 0
    upstream = fake.received[-1]
    assert upstream.path == "/v1/responses"
    assert upstream.json["instructions"] == "Be brief."
    assert upstream.json["input"] == [{"role": "user", "content": "hello there"}]
    assert upstream.json["model"] == "gpt-4o"


def test_it_translates_for_an_anthropic_route(client: openai.OpenAI, fake: Any) -> None:
    response = client.responses.create(
        model="fake-claude", input=[{"role": "user", "content": "hi claude"}], instructions="Be brief."
    )
    assert response.output_text == "Answer to: hi claude"
    assert response.id.startswith("resp_") and response.status == "completed"
    assert response.usage is not None and response.usage.output_tokens > 0
    upstream = fake.received[-1]
    assert upstream.path == "/v1/messages"
    assert "Be brief." in json.dumps(upstream.json["system"])


def test_function_calls_round_trip_on_both_routes(client: openai.OpenAI, fake: Any) -> None:
    for model in ("fake-gpt", "fake-claude"):
        first = client.responses.create(model=model, input="What is the weather in Paris?", tools=TOOLS)
        calls = [item for item in first.output if item.type == "function_call"]
        assert calls and calls[0].name == "get_weather", model
        assert json.loads(calls[0].arguments) == {"city": "example"}
        follow_up: Any = [
            {"role": "user", "content": "What is the weather in Paris?"},
            {
                "type": "function_call",
                "call_id": calls[0].call_id,
                "name": "get_weather",
                "arguments": calls[0].arguments,
            },
            {"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny, 21 C"},
        ]
        second = client.responses.create(model=model, input=follow_up, tools=TOOLS)
        assert second.output_text, model


@pytest.mark.parametrize("model", ["fake-gpt", "fake-claude"])
def test_it_streams_typed_events(client: openai.OpenAI, model: str) -> None:
    events = list(client.responses.create(model=model, input="stream this please", stream=True))
    kinds = [event.type for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds and "response.output_item.done" in kinds
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "Answer to: stream this please"
    final: Any = events[-1]
    assert final.response.usage.input_tokens > 0
    numbers = [event.sequence_number for event in events]
    assert numbers == sorted(numbers)


def test_store_true_is_refused_where_nothing_stores_responses(client: openai.OpenAI, fake: Any) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="fake-claude", input="keep this", store=True)
    assert refused.value.body["param"] == "store"  # type: ignore[index]
    assert fake.received == []
    assert client.responses.create(model="fake-claude", input="keep this", store=False).output_text


def test_a_hit_on_a_response_the_provider_stored_can_be_chained_from(client: openai.OpenAI, fake: Any) -> None:
    first = client.responses.create(model="fake-gpt", input="remember the colour blue")
    for _ in range(50):
        hit = client.responses.with_raw_response.create(model="fake-gpt", input="remember the colour blue")
        if hit.headers["x-layercache-cache"] == "HIT":
            break
    assert hit.headers["x-layercache-cache"] == "HIT"
    assert hit.parse().id == first.id  # the provider's id, which it can look up
    chained = client.responses.create(model="fake-gpt", input="which colour?", previous_response_id=hit.parse().id)
    assert chained.output_text == "Answer to: which colour?"


def test_a_repeated_request_is_an_exact_hit_and_replays_as_a_stream(client: openai.OpenAI, fake: Any) -> None:
    first = client.responses.with_raw_response.create(model="fake-claude", input="cache me if you can")
    assert first.headers["x-layercache-cache"] == "MISS"
    sent = len(fake.received)
    for _ in range(50):  # stored in the background, right after the first response
        second = client.responses.with_raw_response.create(model="fake-claude", input="cache me if you can")
        if second.headers["x-layercache-cache"] == "HIT":
            break
    assert second.headers["x-layercache-cache"] == "HIT"
    assert second.headers["x-layercache-route"] == "fake-claude"
    assert second.parse().output_text == first.parse().output_text
    assert second.parse().id != first.parse().id
    streamed = list(client.responses.create(model="fake-claude", input="cache me if you can", stream=True))
    assert streamed[-1].type == "response.completed"
    assert "".join(e.delta for e in streamed if e.type == "response.output_text.delta") == first.parse().output_text
    assert len(fake.received) == sent  # the hits never went upstream


def test_the_provider_caches_a_long_instructions_prefix(client: openai.OpenAI) -> None:
    client.responses.create(model="fake-gpt", input="first question", instructions=LONG_INSTRUCTIONS)
    second = client.responses.create(model="fake-gpt", input="second question", instructions=LONG_INSTRUCTIONS)
    assert second.usage is not None
    assert second.usage.input_tokens_details.cached_tokens >= 1024


def test_previous_response_id_works_natively_and_is_refused_where_nothing_stores_it(
    client: openai.OpenAI, fake: Any
) -> None:
    first = client.responses.create(model="fake-gpt", input="remember the number 7")
    second = client.responses.create(model="fake-gpt", input="which number?", previous_response_id=first.id)
    assert second.output_text == "Answer to: which number?"
    assert fake.received[-1].json["previous_response_id"] == first.id
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(model="fake-claude", input="which number?", previous_response_id=first.id)
    assert refused.value.body["param"] == "previous_response_id"  # type: ignore[index]
    assert "send the conversation in input" in refused.value.body["message"]  # type: ignore[index]


@pytest.mark.parametrize(
    "body",
    [
        {"model": "fake-gpt"},
        {"model": "fake-gpt", "input": []},
        {"model": "fake-gpt", "input": [{"role": "wizard", "content": "x"}]},
        {"model": "fake-gpt", "input": [{"role": "user", "content": [{"type": "input_text", "text": 5}]}]},
        {"model": "fake-gpt", "input": "x", "tools": [{"type": "function"}]},
        {"model": "fake-gpt", "input": "x", "tool_choice": {"type": "function", "name": "nope"}},
        {"model": "fake-gpt", "input": "x", "temperature": "warm"},
    ],
)
def test_bad_input_is_a_400_in_openai_format(gateway: Any, routes: dict[str, Any], fake: Any, body: Any) -> None:
    response = httpx.post(
        f"{gateway.openai_base}/responses", json=body, headers={"authorization": f"Bearer {make_key()[1]}"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert fake.received == []
