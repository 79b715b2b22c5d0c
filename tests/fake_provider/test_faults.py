"""Injected faults surface as the SDKs' own exception classes."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import httpx
import httpx2
import openai
import pytest

from .faults import Fault
from .provider import FakeProvider

GPT = "gpt-4o"
CLAUDE = "claude-fake-sonnet"
USER: Any = [{"role": "user", "content": "hello"}]


def oai(fake: FakeProvider, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.openai_base, api_key="k", **{"max_retries": 0, **options})


def ant(fake: FakeProvider, **options: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=fake.base_url, api_key="k", **{"max_retries": 0, **options})


def test_openai_rate_limit_is_a_429_with_retry_after(fake: FakeProvider) -> None:
    fake.inject(Fault.RATE_LIMIT)
    with pytest.raises(openai.RateLimitError) as caught:
        oai(fake).chat.completions.create(model=GPT, messages=USER)
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.code == "rate_limit_exceeded"


def test_openai_server_error_is_a_500(fake: FakeProvider) -> None:
    fake.inject(Fault.SERVER_ERROR)
    with pytest.raises(openai.InternalServerError) as caught:
        oai(fake).chat.completions.create(model=GPT, messages=USER)
    assert caught.value.status_code == 500


def test_openai_overloaded_is_a_503_or_a_mid_stream_error(fake: FakeProvider) -> None:
    fake.inject(Fault.OVERLOADED, times=2)
    with pytest.raises(openai.InternalServerError) as caught:
        oai(fake).chat.completions.create(model=GPT, messages=USER)
    assert caught.value.status_code == 503
    with pytest.raises(openai.APIError, match="overloaded"):
        list(oai(fake).chat.completions.create(model=GPT, messages=USER, stream=True))


def test_openai_cut_stream_raises_a_connection_error_after_some_chunks(
    fake: FakeProvider,
) -> None:
    fake.inject(Fault.CUT_STREAM)
    received: list[Any] = []
    stream = oai(fake).chat.completions.create(model=GPT, messages=USER, stream=True)
    with pytest.raises(openai.APIConnectionError):
        received.extend(stream)
    assert received, "part of the stream should arrive before the cut"


def test_openai_cut_non_stream_body_raises_a_connection_error(
    fake: FakeProvider,
) -> None:
    fake.inject(Fault.CUT_STREAM)
    with pytest.raises(openai.APIConnectionError):
        oai(fake).chat.completions.create(model=GPT, messages=USER)


def test_timeout_fault_outlasts_the_client_timeout(fake: FakeProvider) -> None:
    fake.timeout_sleep = 2
    fake.inject(Fault.TIMEOUT)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        oai(fake, timeout=0.3).chat.completions.create(model=GPT, messages=USER)
    assert time.monotonic() - started < 1.5


def test_anthropic_rate_limit_server_error_and_overload(fake: FakeProvider) -> None:
    for fault, error, status in [
        (Fault.RATE_LIMIT, anthropic.RateLimitError, 429),
        (Fault.SERVER_ERROR, anthropic.InternalServerError, 500),
        (Fault.OVERLOADED, anthropic.OverloadedError, 529),
    ]:
        fake.inject(fault)
        with pytest.raises(error) as caught:
            ant(fake).messages.create(model=CLAUDE, max_tokens=5, messages=USER)
        assert caught.value.status_code == status
        assert caught.value.response.headers["request-id"].startswith("req_")


def test_anthropic_overloaded_stream_sends_an_error_event(fake: FakeProvider) -> None:
    fake.inject(Fault.OVERLOADED)
    stream = ant(fake).messages.stream(model=CLAUDE, max_tokens=5, messages=USER)
    with pytest.raises(anthropic.APIStatusError) as caught, stream as events:
        list(events)
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }


def test_anthropic_cut_stream_ends_without_message_stop(fake: FakeProvider) -> None:
    fake.inject(Fault.CUT_STREAM)
    seen: list[str] = []
    stream = ant(fake).messages.stream(model=CLAUDE, max_tokens=50, messages=USER)
    # The SDK does not wrap transport errors raised while iterating a stream.
    with (
        pytest.raises((anthropic.APIConnectionError, httpx2.TransportError)),
        stream as events,
    ):
        seen.extend(event.type for event in events)
    assert "message_start" in seen and "message_stop" not in seen


def test_faults_are_consumed_in_order_and_only_by_matching_requests(
    fake: FakeProvider,
) -> None:
    fake.inject(Fault.SERVER_ERROR, times=2, model="gpt-4o-mini")
    fake.inject(Fault.RATE_LIMIT, path="/v1/messages")
    client = oai(fake)
    assert client.chat.completions.create(model=GPT, messages=USER).choices  # other model: untouched
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert client.chat.completions.create(model="gpt-4o-mini", messages=USER).choices
    with pytest.raises(anthropic.RateLimitError):
        ant(fake).messages.create(model=CLAUDE, max_tokens=5, messages=USER)
    assert [r.fault for r in fake.received] == [
        None,
        Fault.SERVER_ERROR,
        Fault.SERVER_ERROR,
        None,
        Fault.RATE_LIMIT,
    ]


def test_reset_forgets_requests_faults_caches_and_setting_changes(
    fake: FakeProvider,
) -> None:
    long_prompt: Any = [{"role": "user", "content": "word " * 1500}]
    client = oai(fake)
    client.chat.completions.create(model=GPT, messages=long_prompt)
    fake.inject(Fault.SERVER_ERROR)
    fake.latency_ms = 50
    fake.reset()
    assert fake.received == []
    assert fake.latency_ms == 0
    reply = client.chat.completions.create(model=GPT, messages=long_prompt)
    assert reply.usage is not None and reply.usage.prompt_tokens_details is not None
    assert reply.usage.prompt_tokens_details.cached_tokens == 0


def test_sdk_retries_after_a_rate_limit(fake: FakeProvider) -> None:
    fake.settings.retry_after_seconds = 0.01
    fake.inject(Fault.RATE_LIMIT)
    reply = oai(fake, max_retries=1).chat.completions.create(model=GPT, messages=USER)
    assert reply.choices[0].message.content == "Answer to: hello"
    assert len(fake.received) == 2


def test_stop_does_not_wait_for_a_stalled_request() -> None:
    with FakeProvider() as fake:
        fake.timeout_sleep = 30
        fake.inject(Fault.TIMEOUT)
        with pytest.raises(httpx.TimeoutException):
            httpx.post(
                f"{fake.openai_base}/chat/completions",
                headers={"authorization": "Bearer k"},
                json={"model": GPT, "messages": USER},
                timeout=0.2,
            )
        started = time.monotonic()
    assert time.monotonic() - started < 2
