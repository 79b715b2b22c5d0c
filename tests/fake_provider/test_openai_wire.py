"""The OpenAI Chat Completions surface, driven by the official openai SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from .provider import FakeProvider

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}


def client(fake: FakeProvider) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.openai_base, api_key="sk-test", max_retries=0)


def user(text: str) -> Any:
    return {"role": "user", "content": text}


def sse_payloads(body: str) -> list[Any]:
    return [
        line[len("data: ") :] if line.endswith("[DONE]") else json.loads(line[len("data: ") :])
        for line in body.split("\n\n")
        if line.startswith("data: ")
    ]


def test_it_answers_from_the_last_user_message(fake: FakeProvider) -> None:
    reply = client(fake).chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "be nice"}, user("What is 2+2?")],
    )
    assert reply.object == "chat.completion"
    assert reply.id.startswith("chatcmpl-")
    assert reply.choices[0].message.content == "Answer to: What is 2+2?"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 9  # Answer to : What is 2 + 2 ?
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + 9
    assert reply.usage.prompt_tokens_details is not None
    assert reply.usage.prompt_tokens_details.cached_tokens == 0


def test_it_records_requests_with_lower_cased_headers(fake: FakeProvider) -> None:
    client(fake).chat.completions.create(model="gpt-4o", messages=[user("hi")])
    (received,) = fake.received
    assert (received.method, received.path) == ("POST", "/v1/chat/completions")
    assert received.headers["authorization"] == "Bearer sk-test"
    assert received.json["messages"] == [user("hi")]


def test_stream_chunks_share_id_and_end_with_usage_then_done(
    fake: FakeProvider,
) -> None:
    fake.settings.chunks = 3
    response = httpx.post(
        f"{fake.openai_base}/chat/completions",
        headers={"authorization": "Bearer k"},
        json={
            "model": "gpt-4o",
            "messages": [user("hello there")],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    )
    payloads = sse_payloads(response.text)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert payloads[-1] == "[DONE]"
    chunks = payloads[:-1]
    assert len({c["id"] for c in chunks}) == 1 and len({c["created"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1]) == ("Answer to: hello there")
    assert len(chunks) == 1 + 3 + 1 + 1  # role, content pieces, finish, usage
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 5
    assert all(c["usage"] is None for c in chunks[:-1])


def test_stream_without_include_usage_has_no_usage_key(fake: FakeProvider) -> None:
    response = httpx.post(
        f"{fake.openai_base}/chat/completions",
        headers={"authorization": "Bearer k"},
        json={"model": "gpt-4o", "messages": [user("hello")], "stream": True},
    )
    chunks = sse_payloads(response.text)[:-1]
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_sdk_stream_reassembles_the_answer(fake: FakeProvider) -> None:
    stream = client(fake).chat.completions.create(
        model="gpt-4o",
        messages=[user("stream me")],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Answer to: stream me"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5


def test_tools_on_a_user_turn_produce_a_tool_call(fake: FakeProvider) -> None:
    reply = client(fake).chat.completions.create(
        model="gpt-4o",
        messages=[user("weather in Paris?")],
        tools=[WEATHER_TOOL],
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls or []
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "example"}


def test_streamed_tool_call_deltas_reassemble_the_arguments(fake: FakeProvider) -> None:
    chunks = list(
        client(fake).chat.completions.create(
            model="gpt-4o",
            messages=[user("weather?")],
            tools=[WEATHER_TOOL],
            stream=True,
        )
    )
    first = chunks[0].choices[0].delta.tool_calls
    assert first is not None and first[0].id and first[0].function is not None
    assert first[0].function.name == "get_weather" and first[0].function.arguments == ""
    arguments = "".join(
        call.function.arguments or ""
        for c in chunks[1:]
        if c.choices
        for call in c.choices[0].delta.tool_calls or []
        if call.function is not None
    )
    assert json.loads(arguments) == {"city": "example"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_a_tool_result_turn_gets_a_text_answer(fake: FakeProvider) -> None:
    messages: list[Any] = [
        {"role": "developer", "content": "use tools"},
        {"role": "user", "content": [{"type": "text", "text": "weather in Paris?"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"city":"Paris"}',
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    reply = client(fake).chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER_TOOL])
    assert reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].message.content == "Answer to: weather in Paris?"


def test_small_max_tokens_truncates_with_finish_reason_length(
    fake: FakeProvider,
) -> None:
    reply = client(fake).chat.completions.create(
        model="gpt-4o", messages=[user("tell me a long story")], max_completion_tokens=2
    )
    assert reply.choices[0].message.content == "Answer to"
    assert reply.choices[0].finish_reason == "length"


def test_deepseek_style_base_without_v1_is_accepted(fake: FakeProvider) -> None:
    other = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
    reply = other.chat.completions.create(model="deepseek-chat", messages=[user("hi")])
    assert reply.choices[0].message.content == "Answer to: hi"
    assert fake.received[-1].path == "/chat/completions"


def test_models_are_listed(fake: FakeProvider) -> None:
    ids = [m.id for m in client(fake).models.list()]
    assert "gpt-4o" in ids


def test_missing_bearer_token_is_a_401_in_openai_format(fake: FakeProvider) -> None:
    response = httpx.post(
        f"{fake.openai_base}/chat/completions",
        json={"model": "gpt-4o", "messages": [user("hi")]},
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(openai.AuthenticationError):
        client(fake).chat.completions.create(
            model="gpt-4o",
            messages=[user("hi")],
            extra_headers={"Authorization": "Basic x"},
        )


def test_bad_json_is_a_400_in_openai_format(fake: FakeProvider) -> None:
    response = httpx.post(
        f"{fake.openai_base}/chat/completions",
        content=b"{not json",
        headers={"authorization": "Bearer k", "content-type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and "parse the JSON body" in error["message"]
    assert set(error) == {"message", "type", "param", "code"}


def test_missing_messages_is_a_bad_request(fake: FakeProvider) -> None:
    with pytest.raises(openai.BadRequestError):
        client(fake).chat.completions.create(model="gpt-4o", messages=[])


def test_unknown_path_is_a_404(fake: FakeProvider) -> None:
    response = httpx.post(f"{fake.openai_base}/foo", headers={"authorization": "Bearer k"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (POST /v1/foo)"
