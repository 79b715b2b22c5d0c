"""Bad input: always a 4xx in the caller's wire format, never a 500, and nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.gateway_support import make_key, wait_for_records

VALID_OPENAI: dict[str, Any] = {"model": "fake-gpt", "messages": [{"role": "user", "content": "hi"}]}
VALID_ANTHROPIC: dict[str, Any] = {
    "model": "fake-claude",
    "max_tokens": 10,
    "messages": [{"role": "user", "content": "hi"}],
}

OPENAI_CASES: list[tuple[str, Any]] = [
    ("not json", b"{not json"),
    ("empty body", b""),
    ("array body", []),
    ("missing model", {"messages": VALID_OPENAI["messages"]}),
    ("missing messages", {"model": "fake-gpt"}),
    ("empty messages", {"model": "fake-gpt", "messages": []}),
    ("messages not a list", {"model": "fake-gpt", "messages": "hi"}),
    ("model not a string", {**VALID_OPENAI, "model": 5}),
    ("unknown role", {"model": "fake-gpt", "messages": [{"role": "wizard", "content": "x"}]}),
    ("user without content", {"model": "fake-gpt", "messages": [{"role": "user"}]}),
    ("tool without id", {"model": "fake-gpt", "messages": [{"role": "tool", "content": "x"}]}),
    ("temperature as string", {**VALID_OPENAI, "temperature": "hot"}),
    ("stream as string", {**VALID_OPENAI, "stream": "yes"}),
    ("n zero", {**VALID_OPENAI, "n": 0}),
    ("max_tokens negative", {**VALID_OPENAI, "max_tokens": -1}),
    ("tools not a list", {**VALID_OPENAI, "tools": {"a": 1}}),
    ("unknown lc field", {**VALID_OPENAI, "lc_bypas_cache": True}),
    ("lc_bypass_cache not bool", {**VALID_OPENAI, "lc_bypass_cache": "yes"}),
    ("lc_cache_ttl negative", {**VALID_OPENAI, "lc_cache_ttl": -5}),
    ("lc_cache_ttl string", {**VALID_OPENAI, "lc_cache_ttl": "300"}),
    ("lc_enhancements unknown", {**VALID_OPENAI, "lc_enhancements": ["telepathy"]}),
    ("lc_enhancements not list", {**VALID_OPENAI, "lc_enhancements": "chain_of_thought"}),
    ("lc_layer_hints bad layer", {**VALID_OPENAI, "lc_layer_hints": {"0": "L9"}}),
    ("lc_layer_hints bad index", {**VALID_OPENAI, "lc_layer_hints": {"first": "L0"}}),
    ("lc_layer_hints not object", {**VALID_OPENAI, "lc_layer_hints": ["L0"]}),
    ("lc_max_session_tokens zero", {**VALID_OPENAI, "lc_max_session_tokens": 0}),
    ("lc_session_id empty", {**VALID_OPENAI, "lc_session_id": ""}),
    ("lc_cache_scope unknown", {**VALID_OPENAI, "lc_cache_scope": "world"}),
    ("lc_template_vars not object", {**VALID_OPENAI, "lc_template_vars": [1]}),
]

ANTHROPIC_CASES: list[tuple[str, Any]] = [
    ("not json", b"]["),
    ("missing max_tokens", {"model": "fake-claude", "messages": VALID_ANTHROPIC["messages"]}),
    ("missing model", {"max_tokens": 10, "messages": VALID_ANTHROPIC["messages"]}),
    ("empty messages", {**VALID_ANTHROPIC, "messages": []}),
    ("system role in messages", {**VALID_ANTHROPIC, "messages": [{"role": "system", "content": "x"}]}),
    ("content block without type", {**VALID_ANTHROPIC, "messages": [{"role": "user", "content": [{"text": "x"}]}]}),
    ("max_tokens string", {**VALID_ANTHROPIC, "max_tokens": "10"}),
    ("system a number", {**VALID_ANTHROPIC, "system": 5}),
    ("tool without name", {**VALID_ANTHROPIC, "tools": [{"input_schema": {}}]}),
    ("lc field wrong type", {**VALID_ANTHROPIC, "lc_skip_semantic_cache": 1}),
]


@pytest.fixture
def key(gateway: Any, routes: dict[str, Any]) -> str:
    return make_key()[1]


def _send(url: str, payload: Any, headers: dict[str, str]) -> httpx.Response:
    content = payload if isinstance(payload, bytes) else httpx.Request("POST", url, json=payload).content
    return httpx.post(url, content=content, headers={**headers, "content-type": "application/json"}, timeout=10)


@pytest.mark.parametrize(("case", "payload"), OPENAI_CASES, ids=[c[0] for c in OPENAI_CASES])
def test_it_rejects_bad_openai_input_with_a_400(gateway: Any, fake: Any, key: str, case: str, payload: Any) -> None:
    response = _send(f"{gateway.base_url}/v1/chat/completions", payload, {"authorization": f"Bearer {key}"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    assert fake.received == []  # nothing went upstream


@pytest.mark.parametrize(("case", "payload"), ANTHROPIC_CASES, ids=[c[0] for c in ANTHROPIC_CASES])
def test_it_rejects_bad_anthropic_input_with_a_400(gateway: Any, fake: Any, key: str, case: str, payload: Any) -> None:
    response = _send(f"{gateway.base_url}/v1/messages", payload, {"x-api-key": key})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert fake.received == []


def test_it_names_the_offending_field(gateway: Any, key: str) -> None:
    response = _send(
        f"{gateway.base_url}/v1/chat/completions",
        {**VALID_OPENAI, "temperature": "hot"},
        {"authorization": f"Bearer {key}"},
    )
    assert response.json()["error"]["param"] == "temperature"
    response = _send(
        f"{gateway.base_url}/v1/messages",
        {"model": "fake-claude", "messages": VALID_ANTHROPIC["messages"]},
        {"x-api-key": key},
    )
    assert "max_tokens" in response.json()["error"]["message"]


def test_it_refuses_an_oversized_body_with_413(gateway: Any, fake: Any, key: str) -> None:
    huge = {"model": "fake-gpt", "messages": [{"role": "user", "content": "x" * (11 * 1024 * 1024)}]}
    response = _send(f"{gateway.base_url}/v1/chat/completions", huge, {"authorization": f"Bearer {key}"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    response = _send(
        f"{gateway.base_url}/v1/messages", {**VALID_ANTHROPIC, "system": "y" * (11 * 1024 * 1024)}, {"x-api-key": key}
    )
    assert response.status_code == 413 and response.json()["error"]["type"] == "request_too_large"
    assert fake.received == []


def test_unknown_paths_and_methods_answer_json_not_html(gateway: Any, key: str) -> None:
    response = httpx.post(f"{gateway.base_url}/v1/foo", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 404 and response.json()["error"]["message"] == "Invalid URL (POST /v1/foo)"
    response = httpx.get(f"{gateway.base_url}/v1/chat/completions", headers={"authorization": f"Bearer {key}"})
    assert response.status_code in (404, 405) and "error" in response.json()


def test_bad_input_is_recorded_but_changes_nothing_else(gateway: Any, key: str) -> None:
    _send(f"{gateway.base_url}/v1/chat/completions", b"{oops", {"authorization": f"Bearer {key}"})
    _send(f"{gateway.base_url}/v1/chat/completions", VALID_OPENAI, {"authorization": f"Bearer {key}"})
    statuses = sorted(r.status for r in wait_for_records(2))
    assert statuses == [200, 400]
