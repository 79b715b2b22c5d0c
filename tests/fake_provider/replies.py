"""Deterministic model output: what the fake "says" for a given request.

Both wire formats share these rules so that tests can predict the answer:
text is ``"Answer to: " + the first 60 characters of the last user text``; a tool
call goes to the first (or the forced) tool with arguments built from the
schema's required properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ANSWER_PREFIX = "Answer to: "
QUOTED_CHARS = 60

_EXAMPLE_BY_TYPE: dict[str, Any] = {
    "string": "example",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
    "null": None,
}


def answer_text(last_user_text: str) -> str:
    quoted = " ".join(last_user_text.split())[:QUOTED_CHARS]
    return ANSWER_PREFIX + (quoted or "(empty)")


def example_value(schema: Mapping[str, Any]) -> Any:
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return example_arguments(schema)
    return _EXAMPLE_BY_TYPE.get(str(kind), "example")


def example_arguments(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """Values for the schema's required properties, in schema order."""
    if not isinstance(schema, Mapping):
        return {}
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    return {
        name: example_value(sub if isinstance(sub, Mapping) else {})
        for name, sub in properties.items()
        if name in required
    }


def split_chunks(text: str, count: int) -> list[str]:
    """Split text into up to ``count`` non-empty pieces of near-equal length."""
    count = max(1, min(count, len(text)))
    size, extra = divmod(len(text), count)
    pieces, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        pieces.append(text[start:end])
        start = end
    return [piece for piece in pieces if piece]
