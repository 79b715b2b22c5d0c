"""Gemini explicit caching through the gateway: one CachedContent per large prefix, reused.

The gateway marks tools + L0 + L1 and LiteLLM creates and finds the CachedContent (see
proxy/pipeline/markers/gemini.py). The gateway process and its LiteLLM record of known
caches outlive a test, so every test uses system prompts of its own.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.gateway_support import make_key, make_route

MODEL = "gemini/gemini-2.5-flash"


def long_system(topic: str) -> str:
    # About 2,700 tokens: well over the 1,024 minimum of the route and of the fake. The
    # nonce is letters only: the hoist step would move a hex id out of the prompt.
    nonce = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:16])
    return f"You answer questions about {topic} (edition {nonce}). " + " ".join(
        f"Rule {i}: be precise about {topic} item {i}." for i in range(300)
    )


@pytest.fixture
def key(gateway: Any, fake: Any) -> str:
    make_route("gemini-flash", MODEL, fake.gemini_base, semantic_cache_enabled=False)
    make_route("gemini-flash-1h", MODEL, fake.gemini_base, semantic_cache_enabled=False, anthropic_cache_ttl="1h")
    return make_key()[1]


def chat(
    gateway: Any, key: str, system: str, question: str, model: str = "gemini-flash", **body: Any
) -> httpx.Response:
    payload = {
        "model": model,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": question}],
        **body,
    }
    response = httpx.post(
        f"{gateway.openai_base}/chat/completions", json=payload, headers={"authorization": f"Bearer {key}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response


def cached_tokens(response: httpx.Response) -> int:
    details = response.json()["usage"].get("prompt_tokens_details") or {}
    return int(details.get("cached_tokens") or 0)


def generate_calls(fake: Any) -> list[Any]:
    return [r for r in fake.received if "GenerateContent" in r.path or "generateContent" in r.path]


def cache_calls(fake: Any, method: str) -> list[Any]:
    return [r for r in fake.received if r.method == method and r.path.startswith("/v1beta/cachedContents")]


def test_ten_requests_with_one_large_system_prompt_create_one_cached_content(gateway: Any, key: str, fake: Any) -> None:
    system = long_system("billing")
    responses = [chat(gateway, key, system, f"question number {n}") for n in range(10)]

    assert fake.gemini.created == 1
    assert all(cached_tokens(r) > 2000 for r in responses[1:])
    # The first request made the cache and read it; LiteLLM reports the creation too.
    assert responses[0].json()["usage"]["cache_creation_input_tokens"] == cached_tokens(responses[0])
    assert not any(r.json()["usage"].get("cache_creation_input_tokens") for r in responses[1:])
    # Looked up once; after that LiteLLM remembers the cache until shortly before it expires.
    assert len(cache_calls(fake, "GET")) == 1
    (cache,) = fake.gemini.live()
    for sent in generate_calls(fake):
        assert sent.json["cachedContent"] == cache.name
        assert "systemInstruction" not in sent.json and "system_instruction" not in sent.json
    assert responses[-1].headers["x-layercache-markers"] == "1"


def test_the_cache_lives_for_the_routes_ttl(gateway: Any, key: str, fake: Any) -> None:
    chat(gateway, key, long_system("shipping"), "how long?")
    chat(gateway, key, long_system("returns"), "how long?", model="gemini-flash-1h")
    assert [r.json["ttl"] for r in cache_calls(fake, "POST")] == ["300s", "3600s"]


def test_a_small_system_prompt_creates_no_cached_content(gateway: Any, key: str, fake: Any) -> None:
    for n in range(3):
        response = chat(gateway, key, f"You are brief ({uuid.uuid4().hex}).", f"question {n}")
        assert cached_tokens(response) == 0
    assert fake.gemini.created == 0
    assert cache_calls(fake, "GET") == []
    for sent in generate_calls(fake):
        assert "cachedContent" not in sent.json
        assert sent.json["system_instruction"]["parts"][0]["text"].startswith("You are brief")


def test_a_changed_system_prompt_creates_a_second_cached_content(gateway: Any, key: str, fake: Any) -> None:
    first, second = long_system("accounts"), long_system("invoices")
    chat(gateway, key, first, "a")
    chat(gateway, key, first, "b")
    assert fake.gemini.created == 1
    later = [chat(gateway, key, second, "c"), chat(gateway, key, second, "d"), chat(gateway, key, first, "e")]
    assert fake.gemini.created == 2
    assert all(cached_tokens(r) > 2000 for r in later)
    names = [r.json["cachedContent"] for r in generate_calls(fake)]
    assert names[0] == names[1] == names[4] != names[2] == names[3]


def test_conversations_of_any_length_and_streams_share_the_prompts_cache(gateway: Any, key: str, fake: Any) -> None:
    system = long_system("warranty")
    chat(gateway, key, system, "first")
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "an earlier answer"}]
    payload = {
        "model": "gemini-flash",
        "messages": [{"role": "system", "content": system}, *history, {"role": "user", "content": "later"}],
    }
    response = httpx.post(
        f"{gateway.openai_base}/chat/completions", json=payload, headers={"authorization": f"Bearer {key}"}, timeout=30
    )
    assert response.status_code == 200 and cached_tokens(response) > 2000
    with httpx.stream(
        "POST",
        f"{gateway.openai_base}/chat/completions",
        json={**payload, "stream": True, "stream_options": {"include_usage": True}},
        headers={"authorization": f"Bearer {key}"},
        timeout=30,
    ) as stream:
        body = stream.read().decode()
    assert stream.status_code == 200 and '"cached_tokens":' in body and "[DONE]" in body
    assert fake.gemini.created == 1
    assert len({r.json["cachedContent"] for r in generate_calls(fake)}) == 1


def test_an_expired_cache_is_replaced_once_and_the_request_still_succeeds(gateway: Any, key: str, fake: Any) -> None:
    system = long_system("loyalty points")
    chat(gateway, key, system, "before")
    fake.gemini.advance(301)  # past the 5-minute TTL; the gateway's LiteLLM still remembers it
    after = [chat(gateway, key, system, "after"), chat(gateway, key, system, "again")]
    assert fake.gemini.created == 2
    assert all(cached_tokens(r) > 2000 for r in after)
    refused = [r for r in generate_calls(fake) if r.json["cachedContent"] != fake.gemini.live()[0].name]
    assert len(refused) == 2  # the first request, and the one retry with the expired name


def test_anthropic_format_clients_get_the_same_single_cache(gateway: Any, key: str, fake: Any) -> None:
    system = long_system("gift cards")
    for question in ("one", "two", "three"):
        response = httpx.post(
            f"{gateway.base_url}/v1/messages",
            json={
                "model": "gemini-flash",
                "max_tokens": 100,
                "system": system,
                "messages": [{"role": "user", "content": question}],
            },
            headers={"x-api-key": key},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert response.json()["usage"]["cache_read_input_tokens"] > 2000
    assert fake.gemini.created == 1
