"""Upstream faults: mapped to the caller's wire format, fallbacks tried, streams never cut silently."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import openai
import pytest

from tests.fake_provider import Fault
from tests.gateway_support import add_fallbacks, make_key, make_route, wait_for_records


@pytest.fixture
def plaintext(gateway: Any, routes: dict[str, Any]) -> str:
    return make_key()[1]


@pytest.fixture
def oai(gateway: Any, plaintext: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)


@pytest.fixture
def ant(gateway: Any, plaintext: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.base_url, api_key=plaintext, max_retries=0)


def test_it_maps_an_upstream_429_with_retry_after(oai: openai.OpenAI, fake: Any) -> None:
    fake.inject(Fault.RATE_LIMIT)
    with pytest.raises(openai.RateLimitError) as caught:
        oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "x"}])
    assert caught.value.response.headers["retry-after"]


def test_it_maps_an_upstream_500_to_502(oai: openai.OpenAI, ant: anthropic.Anthropic, fake: Any) -> None:
    fake.inject(Fault.SERVER_ERROR, times=2)
    with pytest.raises(openai.InternalServerError) as caught:
        oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 502
    with pytest.raises(anthropic.InternalServerError) as anthropic_caught:
        ant.messages.create(model="fake-claude", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert anthropic_caught.value.status_code == 502
    assert anthropic_caught.value.body["error"]["type"] == "api_error"  # type: ignore[index]


def test_it_maps_an_upstream_timeout_to_504(oai: openai.OpenAI, fake: Any, routes: dict[str, Any]) -> None:
    routes["gpt"].timeout_seconds = 0.5
    routes["gpt"].save()
    fake.timeout_sleep = 3
    fake.inject(Fault.TIMEOUT)
    with pytest.raises(openai.APIStatusError) as caught:
        oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 504


def test_it_falls_back_in_order_on_429_5xx_and_timeouts(oai: openai.OpenAI, fake: Any, routes: dict[str, Any]) -> None:
    second = make_route("fake-gpt-b", "openai/gpt-4o-mini", fake.openai_base)
    add_fallbacks(routes["gpt"], second, routes["claude"])
    fake.inject(Fault.SERVER_ERROR, model="gpt-4o")
    fake.inject(Fault.RATE_LIMIT, model="gpt-4o-mini")
    response = oai.chat.completions.with_raw_response.create(
        model="fake-gpt", messages=[{"role": "user", "content": "x"}]
    )
    assert response.headers["x-layercache-route"] == "fake-claude"
    assert [r.json.get("model") for r in fake.received] == ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5"]
    record = wait_for_records(1)[-1]
    assert record.upstream_attempts == 3 and record.served_by == "fake-claude" and record.status == 200


def test_it_does_not_fall_back_when_the_provider_refuses_the_request(oai: openai.OpenAI, fake: Any) -> None:
    # A misconfigured base path makes the provider answer 404: no other route would do better.
    broken = make_route("fake-broken", "openai/gpt-4o", f"{fake.base_url}/wrong/v1")
    add_fallbacks(broken, make_route("fake-gpt-b", "openai/gpt-4o-mini", fake.openai_base))
    with pytest.raises(openai.NotFoundError) as caught:
        oai.chat.completions.create(model="fake-broken", messages=[{"role": "user", "content": "x"}])
    assert "Invalid URL" in caught.value.message
    assert len(fake.received) == 1


def test_a_cut_openai_stream_ends_with_an_error_event(oai: openai.OpenAI, fake: Any) -> None:
    fake.inject(Fault.CUT_STREAM)
    stream = oai.chat.completions.create(
        model="fake-gpt", messages=[{"role": "user", "content": "long answer please"}], stream=True
    )
    with pytest.raises(openai.APIError):
        for _ in stream:
            pass
    record = wait_for_records(1)[-1]
    assert record.status == 502 and record.error_type == "upstream_stream_error"


def test_a_cut_anthropic_stream_ends_with_an_error_event(gateway: Any, plaintext: str, fake: Any) -> None:
    fake.inject(Fault.CUT_STREAM)
    body = {
        "model": "fake-claude",
        "max_tokens": 50,
        "stream": True,
        "messages": [{"role": "user", "content": "long answer please"}],
    }
    with httpx.stream(
        "POST", f"{gateway.base_url}/v1/messages", json=body, headers={"x-api-key": plaintext}
    ) as response:
        raw = b"".join(response.iter_raw())
    last = raw.strip().split(b"\n\n")[-1]
    assert last.startswith(b"event: error")
    assert b"message_stop" not in raw


def test_an_upstream_error_event_mid_stream_is_relayed(ant: anthropic.Anthropic, fake: Any) -> None:
    fake.inject(Fault.OVERLOADED)
    with (
        pytest.raises(anthropic.APIError),
        ant.messages.stream(model="fake-claude", max_tokens=50, messages=[{"role": "user", "content": "x"}]) as stream,
    ):
        for _ in stream:
            pass


def test_a_stream_that_fails_before_the_first_byte_falls_back(
    oai: openai.OpenAI, fake: Any, routes: dict[str, Any]
) -> None:
    add_fallbacks(routes["gpt"], make_route("fake-gpt-b", "openai/gpt-4o-mini", fake.openai_base))
    fake.inject(Fault.RATE_LIMIT, model="gpt-4o")
    chunks = list(
        oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": "hi"}], stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Answer to: hi"


def test_a_fallback_of_another_provider_gets_its_own_cache_markers(
    gateway: Any, plaintext: str, fake: Any, routes: dict[str, Any]
) -> None:
    # Claude falls back to an OpenAI route: Anthropic cache_control must not travel with it.
    add_fallbacks(routes["claude"], routes["gpt"])
    fake.inject(Fault.SERVER_ERROR, model="claude-sonnet-4-5")
    long_system = " ".join(f"Rule {i} applies to every answer." for i in range(400))
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)
    response = client.chat.completions.with_raw_response.create(
        model="fake-claude", messages=[{"role": "system", "content": long_system}, {"role": "user", "content": "x"}]
    )
    assert response.headers["x-layercache-route"] == "fake-gpt"
    to_claude, to_gpt = fake.received
    assert "cache_control" in repr(to_claude.json)
    assert "cache_control" not in repr(to_gpt.json)
    assert to_gpt.json.get("prompt_cache_key")  # the OpenAI strategy ran for the fallback
