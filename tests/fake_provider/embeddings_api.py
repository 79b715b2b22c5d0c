"""OpenAI Embeddings wire format: ``POST /v1/embeddings``.

Vectors are deterministic unit vectors: the model's full-size vector is drawn
from a generator seeded by a hash of (model, input), so the same text gives the
same vector and different texts give nearly orthogonal ones. ``dimensions``
keeps the first N components and renormalises them, as text-embedding-3 does.
Components are float32 values, so ``float`` and ``base64`` answers decode to the
same numbers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import openai_common
from .faults import Fault
from .http11 import HttpRequest, HttpResponse
from .openai_common import InvalidRequest, above_maximum, below_minimum, invalid_type, invalid_value
from .state import ProviderState, ReceivedRequest
from .tokens import count_tokens

MODEL_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
DEFAULT_DIMENSIONS = 1536
FIXED_SIZE_MODELS = frozenset({"text-embedding-ada-002"})  # no `dimensions` parameter
MAX_INPUTS = 2048
MAX_INPUT_TOKENS = 8192
MAX_REQUEST_TOKENS = 300_000
ENCODINGS = ("float", "base64")
PARAMETERS = frozenset({"model", "input", "encoding_format", "dimensions", "user"})
# OpenAI's answer to any malformed `input` (empty string, empty array, mixed types).
INVALID_INPUT = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."


@dataclass(frozen=True)
class _Input:
    key: str  # what seeds the vector
    tokens: int


def _is_token(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _token_array(values: Sequence[object]) -> _Input:
    if not values or not all(_is_token(v) for v in values):
        raise InvalidRequest(INVALID_INPUT)
    return _Input("tokens:" + ",".join(str(v) for v in values), len(values))


def _text(value: str) -> _Input:
    if not value:
        raise InvalidRequest(INVALID_INPUT)
    return _Input("text:" + value, count_tokens(value))


def _inputs(value: object) -> list[_Input]:
    """A string, an array of strings, one token array, or an array of token arrays."""
    if isinstance(value, str):
        inputs = [_text(value)]
    elif not isinstance(value, list) or not value or len(value) > MAX_INPUTS:
        raise InvalidRequest(INVALID_INPUT)
    elif all(isinstance(v, str) for v in value):
        inputs = [_text(v) for v in value]
    elif all(isinstance(v, list) for v in value):
        inputs = [_token_array(v) for v in value]
    else:
        inputs = [_token_array(value)]
    for one in inputs:
        if one.tokens > MAX_INPUT_TOKENS:
            raise InvalidRequest(
                f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you requested "
                f"{one.tokens} tokens ({one.tokens} in your prompt; 0 for the completion). "
                "Please reduce your prompt; or completion length."
            )
    total = sum(one.tokens for one in inputs)
    if total > MAX_REQUEST_TOKENS:
        raise InvalidRequest(
            f"Requested {total} tokens, max {MAX_REQUEST_TOKENS} tokens per request",
            code="max_tokens_per_request",
        )
    return inputs


def _dimensions(body: Mapping[str, Any], model: str) -> int:
    native = MODEL_DIMENSIONS.get(model, DEFAULT_DIMENSIONS)
    wanted = body.get("dimensions")
    if wanted is None:
        return native
    if model in FIXED_SIZE_MODELS:
        raise InvalidRequest("This model does not support specifying dimensions.")
    if isinstance(wanted, bool) or not isinstance(wanted, int):
        raise invalid_type("dimensions", "an integer", wanted)
    if wanted < 1:
        raise below_minimum("dimensions", 1, wanted)
    if wanted > native:
        raise above_maximum("dimensions", native, wanted)
    return wanted


@lru_cache(maxsize=4096)
def _full_vector(model: str, key: str, size: int) -> tuple[float, ...]:
    seed = int.from_bytes(hashlib.blake2b(f"{model}\x1f{key}".encode(), digest_size=8).digest(), "big")
    generator = random.Random(seed)
    return tuple(generator.gauss(0.0, 1.0) for _ in range(size))


def _vector(model: str, key: str, dimensions: int) -> list[float]:
    native = MODEL_DIMENSIONS.get(model, DEFAULT_DIMENSIONS)
    components = _full_vector(model, key, native)[:dimensions]
    norm = math.sqrt(sum(c * c for c in components))
    packed = struct.pack(f"<{len(components)}f", *(c / norm for c in components))
    return list(struct.unpack(f"<{len(components)}f", packed))


def embedding(model: str, text: str, dimensions: int | None = None) -> list[float]:
    """The unit vector (float32 values) the fake returns for ``text``, so tests can predict it."""
    return _vector(model, _text(text).key, dimensions or MODEL_DIMENSIONS.get(model, DEFAULT_DIMENSIONS))


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _parse(body: Any) -> tuple[str, list[_Input], int, str]:
    if not isinstance(body, dict):
        raise invalid_type("body", "an object", body)
    for name in body:
        if name not in PARAMETERS:
            raise InvalidRequest(f"Unrecognized request argument supplied: {name}")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("you must provide a model parameter")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ENCODINGS:
        raise invalid_value("encoding_format", encoding, ENCODINGS)
    return model, _inputs(body.get("input")), _dimensions(body, model), encoding


async def embeddings(request: HttpRequest, entry: ReceivedRequest, state: ProviderState) -> HttpResponse:
    preflight = openai_common.preflight(request)
    if isinstance(preflight, HttpResponse):
        return preflight
    _, body = preflight
    fault, failure = await openai_common.take_fault(request, entry, state, body)
    if failure is not None:
        return failure
    try:
        model, inputs, dimensions, encoding = _parse(body)
    except InvalidRequest as invalid:
        return invalid.response()
    if fault is Fault.OVERLOADED:
        return openai_common.overloaded()
    data = [
        {"object": "embedding", "index": index, "embedding": _encoded(_vector(model, one.key, dimensions), encoding)}
        for index, one in enumerate(inputs)
    ]
    tokens = sum(one.tokens for one in inputs)
    document = {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    await state.before_response()
    return HttpResponse(200, json.dumps(document).encode(), cut=fault is Fault.CUT_STREAM)
