"""Fingerprints: sha256 of the canonical bytes of each layer, and of the cached prefix.

The gateway stores a session's previous fingerprints (Redis) and compares them with the
current request's to report which layer changed, e.g. "L0_SYSTEM changed" when a client's
system prompt embeds something volatile the hoist step did not recognise.

The bytes are JSON with sorted keys and no whitespace, over the role, content and other
wire fields of each message (and the tools, which belong to L1). Cache markers
(`cache_control`, `prompt_cache_breakpoint`) are left out: where a marker sits does not
change what the prefix says, and clients move theirs every turn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from proxy.pipeline.request import Layer, Message, PipelineRequest

MARKER_KEYS = frozenset({"cache_control", "prompt_cache_breakpoint"})


def _unmarked(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _unmarked(v) for k, v in value.items() if k not in MARKER_KEYS}
    if isinstance(value, (list, tuple)):
        return [_unmarked(v) for v in value]
    return value


def message_view(message: Message) -> dict[str, Any]:
    view: dict[str, Any] = _unmarked(message.fields)
    view["role"] = message.role
    view["content"] = _unmarked(message.content)
    return view


def canonical_bytes(
    messages: Iterable[Message], tools: Iterable[Mapping[str, Any]] = ()
) -> bytes:
    document = {
        "tools": [_unmarked(t) for t in tools],
        "messages": [message_view(m) for m in messages],
    }
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def fingerprint(
    messages: Iterable[Message], tools: Iterable[Mapping[str, Any]] = ()
) -> str:
    return hashlib.sha256(canonical_bytes(messages, tools)).hexdigest()


def layer_fingerprints(req: PipelineRequest) -> dict[str, str]:
    """Layer name (`L0_SYSTEM` ... `L4_USER`) -> sha256 hex of that layer's content.

    Tools count as L1. A layer with nothing in it still gets a fingerprint (of the empty
    layer), so "a layer appeared" shows up as a change. Messages the stratify step has not
    seen (layer None) are left out.
    """
    by_layer: dict[Layer, list[Message]] = {layer: [] for layer in Layer}
    for message in req.messages:
        if message.layer is not None:
            by_layer[message.layer].append(message)
    return {
        layer.name: fingerprint(
            by_layer[layer], req.tools if layer == Layer.L1_CONTEXT else ()
        )
        for layer in Layer
    }


def first_changed_layer(
    previous: Mapping[str, str], current: Mapping[str, str]
) -> str | None:
    """The most stable layer whose fingerprint differs, or None if none does.

    Provider caches are prefixes, so the first change is the one that cost the cache.
    L2 differs on every turn of a growing conversation; that is expected, not a fault.
    """
    for layer in Layer:
        if previous.get(layer.name) != current.get(layer.name):
            return layer.name
    return None
