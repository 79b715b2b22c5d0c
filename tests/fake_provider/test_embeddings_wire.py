"""The OpenAI Embeddings surface, driven by the official openai SDK and raw HTTP."""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import httpx
import openai
import pytest

from .embeddings_api import embedding
from .faults import Fault
from .provider import FakeProvider

SMALL = "text-embedding-3-small"
LARGE = "text-embedding-3-large"


def client(fake: FakeProvider, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.openai_base, api_key="k", **{"max_retries": 0, **options})


def raw(fake: FakeProvider, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{fake.openai_base}/embeddings",
        headers={"authorization": "Bearer k"},
        json={"model": SMALL, "input": "hello", **body},
    )


def dot(a: list[float], b: list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def test_the_same_text_gives_the_same_unit_vector(fake: FakeProvider) -> None:
    reply = client(fake).embeddings.create(model=SMALL, input=["hello world", "bye now", "hello world"])
    assert reply.object == "list" and reply.model == SMALL
    assert [d.index for d in reply.data] == [0, 1, 2] and all(d.object == "embedding" for d in reply.data)
    first, other, again = (d.embedding for d in reply.data)
    assert len(first) == 1536
    assert first == again
    assert dot(first, first) == pytest.approx(1.0, abs=1e-6)
    assert abs(dot(first, other)) < 0.2  # unrelated texts are nearly orthogonal
    assert first == embedding(SMALL, "hello world")  # tests can predict a vector
    assert (reply.usage.prompt_tokens, reply.usage.total_tokens) == (6, 6)


def test_the_vector_depends_on_the_model(fake: FakeProvider) -> None:
    small = client(fake).embeddings.create(model=SMALL, input="hello").data[0].embedding
    large = client(fake).embeddings.create(model=LARGE, input="hello").data[0].embedding
    assert len(large) == 3072
    assert abs(dot(small, large[:1536])) < 0.2


def test_float_and_base64_encodings_carry_the_same_float32_values(fake: FakeProvider) -> None:
    as_float = raw(fake, encoding_format="float").json()["data"][0]["embedding"]
    packed = base64.b64decode(raw(fake, encoding_format="base64").json()["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(packed) // 4}f", packed)) == as_float
    assert raw(fake).json()["data"][0]["embedding"] == as_float  # the API default is float
    # The SDK asks for base64 when no format is given and decodes it.
    assert fake.received[-1].json.get("encoding_format") is None
    reply = client(fake).embeddings.create(model=SMALL, input="hello")
    assert fake.received[-1].json["encoding_format"] == "base64"
    assert reply.data[0].embedding == as_float


def test_dimensions_shorten_and_renormalise_the_full_vector(fake: FakeProvider) -> None:
    full = embedding(LARGE, "hello")
    short = client(fake).embeddings.create(model=LARGE, input="hello", dimensions=256).data[0].embedding
    assert len(short) == 256
    assert dot(short, short) == pytest.approx(1.0, abs=1e-6)
    norm = math.sqrt(dot(full[:256], full[:256]))
    assert short == pytest.approx([x / norm for x in full[:256]], abs=1e-6)


def test_token_arrays_are_embedded_and_counted_by_length(fake: FakeProvider) -> None:
    one = client(fake).embeddings.create(model=SMALL, input=[15339, 1917])
    many = client(fake).embeddings.create(model=SMALL, input=[[15339, 1917], [6, 7, 8]])
    assert len(one.data) == 1 and one.usage.prompt_tokens == 2
    assert len(many.data) == 2 and many.usage.prompt_tokens == 5
    assert one.data[0].embedding == many.data[0].embedding


def test_it_rejects_bad_input_in_openai_wording(fake: FakeProvider) -> None:
    invalid_input = (
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
    )
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"input": ""}, invalid_input, None),
        ({"input": []}, invalid_input, None),
        ({"input": ["ok", ""]}, invalid_input, None),
        ({"input": ["text", [1, 2]]}, invalid_input, None),
        ({"input": [1, -2]}, invalid_input, None),
        ({"input": ["x"] * 2049}, invalid_input, None),
        ({"model": "text-embedding-ada-002", "dimensions": 256}, "This model does not support specifying dimensions.", None),
        ({"dimensions": 4096}, "Invalid 'dimensions': integer above maximum value. Expected a value <= 1536, but got 4096 instead.", "dimensions"),
        ({"encoding_format": "hex"}, "Invalid value: 'hex'. Supported values are: 'float' and 'base64'.", "encoding_format"),
        ({"inputs": "typo"}, "Unrecognized request argument supplied: inputs", None),
        ({"model": None}, "you must provide a model parameter", None),
    ]  # fmt: skip
    for body, message, param in cases:
        response = raw(fake, **body)
        assert response.status_code == 400, body
        error = response.json()["error"]
        assert (error["message"], error["param"], error["type"]) == (message, param, "invalid_request_error"), body


def test_inputs_over_the_token_limits_are_rejected(fake: FakeProvider) -> None:
    too_long = raw(fake, input="word " * 8193).json()["error"]
    assert too_long["message"].startswith(
        "This model's maximum context length is 8192 tokens, however you requested 8193"
    )
    too_many = raw(fake, input=["word " * 8000] * 38).json()["error"]
    assert too_many == {
        "message": "Requested 304000 tokens, max 300000 tokens per request",
        "type": "invalid_request_error",
        "param": None,
        "code": "max_tokens_per_request",
    }


def test_missing_bearer_token_is_a_401(fake: FakeProvider) -> None:
    response = httpx.post(f"{fake.openai_base}/embeddings", json={"model": SMALL, "input": "hi"})
    assert response.status_code == 401
    with pytest.raises(openai.AuthenticationError):
        client(fake).embeddings.create(model=SMALL, input="hi", extra_headers={"Authorization": "Basic x"})


def test_faults_surface_as_the_sdk_exceptions(fake: FakeProvider) -> None:
    for fault, error in [
        (Fault.RATE_LIMIT, openai.RateLimitError),
        (Fault.SERVER_ERROR, openai.InternalServerError),
        (Fault.OVERLOADED, openai.InternalServerError),
        (Fault.CUT_STREAM, openai.APIConnectionError),
    ]:
        fake.inject(fault, path="/v1/embeddings")
        with pytest.raises(error):
            client(fake).embeddings.create(model=SMALL, input="hi")
    assert [r.fault for r in fake.received] == [
        Fault.RATE_LIMIT,
        Fault.SERVER_ERROR,
        Fault.OVERLOADED,
        Fault.CUT_STREAM,
    ]
    assert all(r.path == "/v1/embeddings" and r.json["input"] == "hi" for r in fake.received)


def test_a_timeout_fault_outlasts_the_client_timeout(fake: FakeProvider) -> None:
    fake.timeout_sleep = 2
    fake.inject(Fault.TIMEOUT, model=SMALL)
    with pytest.raises(openai.APITimeoutError):
        client(fake, timeout=0.3).embeddings.create(model=SMALL, input="hi")
