"""Only complete 2xx answers are stored; identical concurrent requests share one call."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest

from proxy.models import ModelRoute
from semantic_cache.models import CacheEntry
from tests.fake_provider import Fault
from tests.gateway_support import add_fallbacks, make_key, make_route
from tests.semantic_cache.cache_support import ask, settle, wait_for_entries

TOOLS = [
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
def alice(gateway: Any, routes: dict[str, Any]) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=make_key("alpha")[1], max_retries=0)


def test_a_stream_cut_before_its_end_is_not_stored(alice: openai.OpenAI, fake: Any) -> None:
    fake.inject(Fault.CUT_STREAM)
    with pytest.raises(openai.APIError):
        list(
            alice.chat.completions.create(
                model="fake-gpt", messages=[{"role": "user", "content": "Tell me a long story."}], stream=True
            )
        )
    settle()
    assert CacheEntry.objects.count() == 0
    # The next identical request is not held back waiting for the failed one.
    assert ask(alice, "Tell me a long story.")[0] == "MISS"


def test_a_stream_ending_in_an_error_event_is_not_stored(alice: openai.OpenAI, fake: Any) -> None:
    fake.inject(Fault.OVERLOADED)
    with pytest.raises(openai.APIError):
        list(
            alice.chat.completions.create(
                model="fake-gpt", messages=[{"role": "user", "content": "Tell me a long story."}], stream=True
            )
        )
    settle()
    assert CacheEntry.objects.count() == 0


def test_an_answer_stopped_by_the_token_limit_is_not_stored(alice: openai.OpenAI) -> None:
    raw = alice.chat.completions.with_raw_response.create(
        model="fake-gpt", messages=[{"role": "user", "content": "Describe the ocean in detail."}], max_tokens=2
    )
    assert raw.parse().choices[0].finish_reason == "length"
    stream = alice.chat.completions.create(
        model="fake-gpt",
        messages=[{"role": "user", "content": "Describe the sky in detail."}],
        max_tokens=2,
        stream=True,
    )
    assert [c.choices[0].finish_reason for c in stream if c.choices][-1] == "length"
    settle()
    assert CacheEntry.objects.count() == 0


def test_an_upstream_error_is_not_stored(alice: openai.OpenAI, fake: Any) -> None:
    fake.inject(Fault.SERVER_ERROR)
    with pytest.raises(openai.APIError):
        ask(alice, "How do I install numpy?")
    settle()
    assert CacheEntry.objects.count() == 0
    assert ask(alice, "How do I install numpy?")[0] == "MISS"


def test_tool_call_answers_are_stored_only_where_the_route_allows(alice: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    alice.chat.completions.create(model="fake-gpt", messages=messages, tools=TOOLS)  # type: ignore[arg-type]
    settle()
    assert CacheEntry.objects.count() == 0
    ModelRoute.objects.filter(name="fake-gpt").update(cache_tool_calls=True)
    from proxy import directory

    directory.invalidate()
    first = alice.chat.completions.create(model="fake-gpt", messages=messages, tools=TOOLS)  # type: ignore[arg-type]
    wait_for_entries(1)
    raw = alice.chat.completions.with_raw_response.create(model="fake-gpt", messages=messages, tools=TOOLS)  # type: ignore[arg-type]
    assert raw.headers["x-layercache-cache"] == "HIT"
    served: Any = raw.parse().choices[0].message.tool_calls
    original: Any = first.choices[0].message.tool_calls
    assert served[0].function.name == original[0].function.name == "get_weather"
    # Replayed as a stream, the tool call arrives as tool_call deltas.
    stream: Any = alice.chat.completions.create(model="fake-gpt", messages=messages, tools=TOOLS, stream=True)  # type: ignore[arg-type]
    deltas = [call for c in stream if c.choices for call in (c.choices[0].delta.tool_calls or [])]
    assert deltas[0].function.name == "get_weather"
    assert "".join(d.function.arguments or "" for d in deltas) == served[0].function.arguments


def test_an_answer_from_a_fallback_route_is_not_stored_for_the_primary(alice: openai.OpenAI, fake: Any) -> None:
    primary = ModelRoute.objects.get(name="fake-gpt")
    add_fallbacks(primary, make_route("fake-gpt-backup", "openai/gpt-4o-mini", fake.openai_base))
    fake.inject(Fault.RATE_LIMIT, model="gpt-4o")
    status, _, raw = ask(alice, "How do I install numpy?")
    assert raw.headers["x-layercache-route"] == "fake-gpt-backup"
    settle()
    assert CacheEntry.objects.count() == 0


def test_identical_concurrent_requests_make_one_upstream_call(alice: openai.OpenAI, fake: Any) -> None:
    fake.settings.latency_ms = 400
    start = threading.Barrier(8)

    def one(_: int) -> tuple[str, str]:
        start.wait()
        status, text, _ = ask(alice, "What is the difference between a process and a thread?")
        return status, text

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(8)))
    assert len(fake.received) == 1
    assert sorted(status for status, _ in results) == ["HIT"] * 7 + ["MISS"]
    assert len({text for _, text in results}) == 1


def test_identical_concurrent_streams_make_one_upstream_call(alice: openai.OpenAI, fake: Any) -> None:
    fake.settings.latency_ms = 300
    start = threading.Barrier(4)

    def one(_: int) -> str:
        start.wait()
        stream = alice.chat.completions.create(
            model="fake-gpt", messages=[{"role": "user", "content": "Name three prime numbers please."}], stream=True
        )
        return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(one, range(4)))
    assert len(fake.received) == 1
    assert len(set(texts)) == 1


def test_waiters_go_upstream_themselves_when_the_answer_cannot_be_stored(alice: openai.OpenAI, fake: Any) -> None:
    fake.settings.latency_ms = 300
    start = threading.Barrier(3)

    def one(_: int) -> str:
        start.wait()
        raw = alice.chat.completions.with_raw_response.create(
            model="fake-gpt", messages=[{"role": "user", "content": "Describe the ocean in detail."}], max_tokens=2
        )
        return raw.headers["x-layercache-cache"]

    with ThreadPoolExecutor(3) as pool:
        statuses = list(pool.map(one, range(3)))
    assert statuses == ["MISS"] * 3
    assert len(fake.received) == 3
