"""Faults on the paths that cross formats (an Anthropic client on an OpenAI route, an OpenAI
client on an Anthropic route): retries, timeouts, retry-after and error types mean the same
as on the same-format path, and every cut stream ends promptly with an error event."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.fake_provider import Fault
from tests.gateway_support import make_key, make_route, wait_for_records


@pytest.fixture
def plaintext(gateway: Any, routes: dict[str, Any]) -> str:
    return make_key()[1]


@pytest.fixture
def oai(gateway: Any, plaintext: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)


@pytest.fixture
def ant(gateway: Any, plaintext: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.base_url, api_key=plaintext, max_retries=0)


def test_a_failing_anthropic_request_on_an_openai_route_makes_one_call_and_says_why_cleanly(
    ant: anthropic.Anthropic, fake: Any
) -> None:
    fake.inject(Fault.SERVER_ERROR, times=5)
    with pytest.raises(anthropic.InternalServerError) as caught:
        ant.messages.create(model="fake-gpt", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert len(fake.received) == 1  # the route has retries: 0
    message = caught.value.body["error"]["message"]  # type: ignore[index]
    assert "litellm" not in message.lower() and "Exception" not in message
    assert "The server had an error" in message  # the provider's own words


def test_retries_wait_for_retry_after_on_every_path(
    oai: openai.OpenAI, ant: anthropic.Anthropic, fake: Any, routes: dict[str, Any]
) -> None:
    for route in routes.values():
        route.retries = 1
        route.save()
    fake.settings.retry_after_seconds = 1
    for call in (
        lambda: oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "x"}]),
        lambda: ant.messages.create(model="fake-gpt", max_tokens=5, messages=[{"role": "user", "content": "x"}]),
        lambda: oai.chat.completions.create(model="fake-claude", messages=[{"role": "user", "content": "x"}]),
    ):
        fake.reset()
        fake.settings.retry_after_seconds = 1
        fake.inject(Fault.RATE_LIMIT)
        started = time.monotonic()
        call()
        waited = time.monotonic() - started
        assert len(fake.received) == 2  # one 429, one retry that succeeded
        assert waited >= 0.95, waited  # the retry came after the provider's retry-after


def test_a_retry_after_longer_than_the_timeout_is_passed_on_not_waited_for(
    ant: anthropic.Anthropic, fake: Any, routes: dict[str, Any]
) -> None:
    routes["gpt"].retries = 3
    routes["gpt"].save()
    fake.settings.retry_after_seconds = 7
    fake.inject(Fault.RATE_LIMIT, times=5)
    started = time.monotonic()
    with pytest.raises(anthropic.RateLimitError) as caught:
        ant.messages.create(model="fake-gpt", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert time.monotonic() - started < 3
    assert caught.value.response.headers["retry-after"] == "7"
    assert len(fake.received) == 1


def test_a_cut_openai_stream_to_an_anthropic_route_ends_promptly_with_an_error_event(
    gateway: Any, plaintext: str, fake: Any
) -> None:
    fake.settings.chunks = 12
    fake.inject(Fault.CUT_STREAM, path="/v1/messages")
    body = {"model": "fake-claude", "stream": True, "messages": [{"role": "user", "content": "tell me a long story"}]}
    started = time.monotonic()
    with httpx.stream(
        "POST", f"{gateway.openai_base}/chat/completions", json=body, headers={"authorization": f"Bearer {plaintext}"}
    ) as response:
        raw = b"".join(response.iter_raw())
    assert time.monotonic() - started < 10
    events = [e for e in raw.split(b"\n\n") if e]
    assert b'"error"' in events[-1] and b"upstream_stream_error" in events[-1]
    record = wait_for_records(1)[-1]
    assert record.status == 502 and record.error_type == "upstream_stream_error"


def test_a_cut_anthropic_stream_to_an_openai_route_ends_with_an_anthropic_error_event(
    gateway: Any, plaintext: str, fake: Any
) -> None:
    fake.settings.chunks = 12
    fake.inject(Fault.CUT_STREAM, path="/v1/chat/completions")
    body = {"model": "fake-gpt", "max_tokens": 50, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.stream(
        "POST", f"{gateway.base_url}/v1/messages", json=body, headers={"x-api-key": plaintext}
    ) as response:
        raw = b"".join(response.iter_raw())
    events = [e for e in raw.split(b"\n\n") if e]
    assert events[0].startswith(b"event: message_start")
    assert events[-1].startswith(b"event: error")
    assert b"message_stop" not in raw


def test_an_upstream_refusal_is_the_clients_error_with_the_providers_message(
    oai: openai.OpenAI, ant: anthropic.Anthropic, fake: Any
) -> None:
    # An OpenAI request that LiteLLM turns into an Anthropic one with no messages: refused.
    with pytest.raises(openai.BadRequestError) as caught:
        oai.chat.completions.create(model="fake-claude", messages=[{"role": "system", "content": "only a system"}])
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    assert "message" in caught.value.body["message"]  # type: ignore[index]
    broken = make_route("fake-broken", "openai/gpt-4o", f"{fake.base_url}/wrong/v1")
    assert broken.id
    with pytest.raises(anthropic.NotFoundError) as refused:
        ant.messages.create(model="fake-broken", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert refused.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    assert "Invalid URL" in refused.value.body["error"]["message"]  # type: ignore[index]


def test_a_cache_hit_names_its_route(oai: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "which route answered this?"}]
    oai.chat.completions.create(model="fake-claude", messages=messages)
    for _ in range(50):
        raw = oai.chat.completions.with_raw_response.create(model="fake-claude", messages=messages)
        if raw.headers["x-layercache-cache"] == "HIT":
            break
        time.sleep(0.05)
    assert raw.headers["x-layercache-cache"] == "HIT"
    assert raw.headers["x-layercache-route"] == "fake-claude"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "tool_choice": "sometimes"}),
        (
            "/v1/chat/completions",
            {
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "function", "function": {"name": "a b"}}],
            },
        ),
        (
            "/v1/chat/completions",
            {
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "function", "function": {"name": "f", "parameters": "not a schema"}}],
            },
        ),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "seed": 10**40}),
        ("/v1/messages", {"max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}),
        (
            "/v1/messages",
            {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "maybe"}},
        ),
        (
            "/v1/messages",
            {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}], "tools": [{"name": "f"}]},
        ),
    ],
)
def test_malformed_parts_tools_and_choices_are_400s_before_anything_goes_upstream(
    gateway: Any, plaintext: str, fake: Any, path: str, body: dict[str, Any]
) -> None:
    model = "fake-claude" if path == "/v1/messages" else "fake-gpt"
    response = httpx.post(
        f"{gateway.base_url}{path}",
        json={"model": model, **body},
        headers={"authorization": f"Bearer {plaintext}"},
    )
    assert response.status_code == 400, response.text
    payload = response.json()
    error = payload["error"]
    assert error["type"] == "invalid_request_error"
    if path == "/v1/chat/completions":
        assert error["param"]
    assert fake.received == []
