"""GET /v1/models/{id}, POST /v1/messages/count_tokens and POST /v1/embeddings, through the
official SDKs against a real gateway."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import httpx
import openai
import pytest

from analytics.models import RequestRecord
from proxy.models import ApiKey, ModelRoute
from tests.fake_provider.embeddings_api import embedding
from tests.gateway_support import make_key, make_route, wait_for_records


@pytest.fixture
def embedding_route(fake: Any, transactional_db: Any) -> ModelRoute:
    return make_route(
        "fake-embed", "openai/text-embedding-3-small", fake.openai_base, kind="embedding", price_input="0.02"
    )


@pytest.fixture
def key(gateway: Any, routes: dict[str, Any]) -> str:
    return make_key()[1]


def test_models_retrieve_answers_for_a_usable_model_and_404s_otherwise(gateway: Any, routes: dict[str, Any]) -> None:
    record, plaintext = make_key()
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)
    model = client.models.retrieve("fake-gpt")
    assert model.id == "fake-gpt" and model.object == "model" and model.owned_by == "openai"
    with pytest.raises(openai.NotFoundError) as missing:
        client.models.retrieve("no-such-model")
    assert missing.value.body["code"] == "model_not_found"  # type: ignore[index]
    key = ApiKey.objects.get(id=record.id)
    key.scopes.set([routes["claude"]])  # this key may no longer use fake-gpt
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("fake-gpt")


def test_the_anthropic_sdk_lists_models_in_its_own_shape(gateway: Any, key: str) -> None:
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0)
    names = {model.id for model in client.models.list()}
    assert {"fake-gpt", "fake-claude"} <= names


def test_count_tokens_asks_an_anthropic_route_itself(gateway: Any, key: str, fake: Any) -> None:
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0)
    counted = client.messages.count_tokens(
        model="fake-claude", system="Be brief.", messages=[{"role": "user", "content": "how many tokens is this"}]
    )
    assert counted.input_tokens > 0
    upstream = fake.received[-1]
    assert upstream.path == "/v1/messages/count_tokens" and upstream.json["model"] == "claude-sonnet-4-5"


def test_count_tokens_is_estimated_locally_for_other_routes(gateway: Any, key: str, fake: Any) -> None:
    response = httpx.post(
        f"{gateway.base_url}/v1/messages/count_tokens",
        json={"model": "fake-gpt", "messages": [{"role": "user", "content": "how many tokens is this"}]},
        headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["input_tokens"] > 0 and response.json()["estimate"] is True
    assert response.headers["x-layercache-estimate"] == "true"
    assert fake.received == []  # nothing went upstream


def test_count_tokens_refuses_bad_input_in_anthropic_format(gateway: Any, key: str) -> None:
    response = httpx.post(
        f"{gateway.base_url}/v1/messages/count_tokens",
        json={"model": "fake-claude", "messages": []},
        headers={"x-api-key": key},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "invalid_request_error"


def test_embeddings_come_back_and_repeat_from_the_cache(gateway: Any, embedding_route: ModelRoute, fake: Any) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=make_key()[1], max_retries=0)
    first = client.embeddings.with_raw_response.create(model="fake-embed", input=["hello", "world"])
    assert first.headers["x-layercache-cache"] == "MISS"
    vectors = [item.embedding for item in first.parse().data]
    expected = embedding("text-embedding-3-small", "hello")
    assert len(vectors) == 2 and vectors[0] == pytest.approx(expected, abs=1e-6)
    assert fake.received[-1].path == "/v1/embeddings"
    deadline = time.monotonic() + 5
    while True:  # stored in the background, right after the first response
        again = client.embeddings.with_raw_response.create(model="fake-embed", input=["hello", "world"])
        if again.headers["x-layercache-cache"] == "HIT" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert again.headers["x-layercache-cache"] == "HIT"
    assert [item.embedding for item in again.parse().data] == vectors
    sent = len(fake.received)
    client.embeddings.create(model="fake-embed", input=["hello", "world"])
    assert len(fake.received) == sent  # a hit never goes upstream
    other = client.embeddings.create(model="fake-embed", input=["hello", "world"], dimensions=8)
    assert len(other.data[0].embedding) == 8  # other parameters, another entry
    records = wait_for_records(3)
    assert {r.endpoint for r in records} == {"embeddings"}
    assert records[0].input_tokens > 0 and records[0].cache_status == "MISS"
    assert RequestRecord.objects.filter(cache_status="HIT").exists()


def test_embeddings_and_chat_routes_are_not_interchangeable(
    gateway: Any, embedding_route: ModelRoute, routes: dict[str, Any], fake: Any
) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=make_key()[1], max_retries=0)
    with pytest.raises(openai.BadRequestError) as chat_model:
        client.embeddings.create(model="fake-gpt", input="hi")
    assert "chat model" in chat_model.value.body["message"]  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as embedding_model:
        client.chat.completions.create(model="fake-embed", messages=[{"role": "user", "content": "hi"}])
    assert "/v1/embeddings" in embedding_model.value.body["message"]  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="fake-embed", input="")
    assert fake.received == []
