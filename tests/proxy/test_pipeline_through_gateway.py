"""The layer pipeline end to end: what the provider receives, and what its cache reports."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tests.gateway_support import make_key

LONG_SYSTEM = "You are the support assistant for Acme. " + " ".join(
    f"Rule {i}: be precise about item {i}." for i in range(220)
)
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"Tool {name}",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}, "a": {"type": "number"}}},
        },
    }
    for name in ("search", "lookup", "compute", "fetch")
]


@pytest.fixture
def key(gateway: Any, routes: dict[str, Any]) -> str:
    return make_key()[1]


def _chat(gateway: Any, key: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    response = httpx.post(
        f"{gateway.openai_base}/chat/completions",
        json=body,
        headers={"authorization": f"Bearer {key}", **(headers or {})},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response


def _messages(gateway: Any, key: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    response = httpx.post(
        f"{gateway.base_url}/v1/messages", json=body, headers={"x-api-key": key, **(headers or {})}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response


def _sloppy(system: str, rng: random.Random) -> str:
    lines = system.split(". ")
    noisy = [line + " " * rng.randint(0, 3) for line in lines]
    return (".\r\n" if rng.random() < 0.5 else ". \n").join(noisy) + "\n\n\n\n"


def test_a_sloppy_client_reaches_the_provider_as_a_byte_stable_prefix(gateway: Any, key: str, fake: Any) -> None:
    rng = random.Random(7)
    for turn in range(3):
        tools = TOOLS[:]
        rng.shuffle(tools)
        _chat(
            gateway,
            key,
            {
                "model": "fake-gpt",
                "tools": tools,
                "messages": [
                    {"role": "system", "content": _sloppy("Be helpful. Answer briefly. Cite sources", rng)},
                    {"role": "user", "content": f"question {turn}"},
                ],
            },
        )
    sent = [r.json for r in fake.received]
    assert len({repr(s["messages"][0]) for s in sent}) == 1
    assert len({repr(s["tools"]) for s in sent}) == 1
    assert [t["function"]["name"] for t in sent[0]["tools"]] == sorted(t["function"]["name"] for t in TOOLS)


def test_the_provider_reports_cached_tokens_for_a_repeated_long_prefix_openai(
    gateway: Any, key: str, fake: Any
) -> None:
    for question in ("first question", "second question"):
        response = _chat(
            gateway,
            key,
            {
                "model": "fake-gpt",
                "messages": [{"role": "system", "content": LONG_SYSTEM}, {"role": "user", "content": question}],
            },
        )
    assert response.json()["usage"]["prompt_tokens_details"]["cached_tokens"] >= 1024
    keys = {r.json.get("prompt_cache_key") for r in fake.received}
    assert len(keys) == 1 and None not in keys  # one stable routing key for the shared prefix


def test_anthropic_markers_are_placed_and_the_provider_reads_from_cache(gateway: Any, key: str, fake: Any) -> None:
    for question in ("first question", "second question"):
        response = _messages(
            gateway,
            key,
            {
                "model": "fake-claude",
                "max_tokens": 20,
                "system": LONG_SYSTEM,
                "messages": [{"role": "user", "content": question}],
            },
        )
    system = fake.received[-1].json["system"]
    assert isinstance(system, list) and system[-1]["cache_control"]["type"] == "ephemeral"
    usage = response.json()["usage"]
    assert usage["cache_read_input_tokens"] > 1000
    assert int(response.headers["x-layercache-markers"]) >= 1


def test_client_markers_are_kept_and_the_total_never_exceeds_four(gateway: Any, key: str, fake: Any) -> None:
    marker = {"type": "ephemeral"}
    tools = [
        {"name": f"t{i}", "description": "d", "input_schema": {"type": "object"}, "cache_control": marker}
        for i in range(3)
    ]
    _messages(
        gateway,
        key,
        {
            "model": "fake-claude",
            "max_tokens": 20,
            "tools": tools,
            "system": [{"type": "text", "text": LONG_SYSTEM}],
            "messages": [
                {"role": "user", "content": "one"},
                {"role": "assistant", "content": "two"},
                {"role": "user", "content": [{"type": "text", "text": "three", "cache_control": marker}]},
            ],
        },
    )
    sent = fake.received[-1].json
    count = sum("cache_control" in t for t in sent["tools"]) + sum("cache_control" in b for b in sent["system"])
    count += sum("cache_control" in b for m in sent["messages"] if isinstance(m["content"], list) for b in m["content"])
    assert count == 4
    assert sent["messages"][-1]["content"][0]["cache_control"] == marker


def test_diagnostics_come_back_in_headers_and_the_json_body(gateway: Any, key: str) -> None:
    response = _chat(
        gateway,
        key,
        {"model": "fake-gpt", "messages": [{"role": "system", "content": "short"}, {"role": "user", "content": "hi"}]},
        {"x-session-id": "diag-1"},
    )
    body = response.json()
    assert body["lc_prefix_hash"] == response.headers["x-layercache-prefix-hash"] and len(body["lc_prefix_hash"]) == 64
    assert body["lc_prefix_tokens"] == int(response.headers["x-layercache-prefix-tokens"])
    assert "below" in response.headers["x-layercache-warnings"]
    assert response.headers["x-layercache-changed-layer"] == "new"
    again = _chat(
        gateway,
        key,
        {
            "model": "fake-gpt",
            "messages": [{"role": "system", "content": "short, changed"}, {"role": "user", "content": "hi"}],
        },
        {"x-session-id": "diag-1"},
    )
    assert again.headers["x-layercache-changed-layer"] == "L0_SYSTEM"


def test_volatile_values_are_hoisted_out_of_the_system_prompt(gateway: Any, key: str, fake: Any) -> None:
    prompts = []
    for clock in ("10:15:03", "10:15:09"):
        response = _chat(
            gateway,
            key,
            {
                "model": "fake-gpt",
                "messages": [
                    {"role": "system", "content": f"You are helpful. Current time: {clock}."},
                    {"role": "user", "content": "hi"},
                ],
            },
        )
        prompts.append(fake.received[-1].json["messages"])
        assert clock in response.headers["x-layercache-hoisted"]
    assert prompts[0][0] == prompts[1][0]
    assert "10:15:09" in repr(prompts[1][1:])  # still told to the model, after the prefix


def test_enhancements_land_after_the_cached_prefix(gateway: Any, key: str, fake: Any) -> None:
    base = {
        "model": "fake-gpt",
        "messages": [{"role": "system", "content": LONG_SYSTEM}, {"role": "user", "content": "why is the sky blue"}],
    }
    _chat(gateway, key, base)
    plain = fake.received[-1].json["messages"]
    response = _chat(gateway, key, {**base, "lc_enhancements": ["chain_of_thought"]})
    enhanced = fake.received[-1].json["messages"]
    assert enhanced[0] == plain[0]
    assert len(repr(enhanced)) > len(repr(plain))
    assert response.headers["x-layercache-enhancements"] == "chain_of_thought"
    assert response.json()["usage"]["prompt_tokens_details"]["cached_tokens"] >= 1024


def test_bypass_cache_places_no_markers(gateway: Any, key: str, fake: Any) -> None:
    _messages(
        gateway,
        key,
        {
            "model": "fake-claude",
            "max_tokens": 20,
            "system": LONG_SYSTEM,
            "messages": [{"role": "user", "content": "q"}],
            "lc_bypass_cache": True,
        },
    )
    assert "cache_control" not in repr(fake.received[-1].json)
    assert "prompt_cache_key" not in fake.received[-1].json


def test_long_sessions_are_truncated_to_the_budget_without_orphaning_tool_results(
    gateway: Any, key: str, fake: Any
) -> None:
    history: list[dict[str, Any]] = []
    for i in range(30):
        history += [
            {"role": "user", "content": f"turn {i} " + "words " * 40},
            {"role": "assistant", "content": f"reply {i} " + "more " * 40},
        ]
    history += [{"role": "user", "content": "latest question"}]
    response = _chat(
        gateway,
        key,
        {
            "model": "fake-gpt",
            "messages": [{"role": "system", "content": "sys"}, *history],
            "lc_max_session_tokens": 600,
        },
    )
    sent = fake.received[-1].json["messages"]
    assert sent[0]["content"] == "sys" and sent[-1]["content"] == "latest question"
    assert len(sent) < len(history)
    assert int(response.headers["x-layercache-truncated"]) == len(history) + 1 - len(sent)
