"""Fingerprints: sha256 of the canonical bytes of each layer, and of the cached prefix.

The gateway stores a session's previous fingerprints (Redis) and compares them with the
current request's to report which layer changed, e.g. "L0_SYSTEM changed" when a client's
system prompt embeds something volatile the hoist step did not recognise.

The bytes are JSON with sorted keys and no whitespace,
`{"messages":[<message>,...],"tools":[<tool>,...]}`, where a message is its wire fields
plus `role` and `content`. Cache markers (`cache_control`, `prompt_cache_breakpoint`) are
left out: where a marker sits does not change what the prefix says, and clients move
theirs every turn. Markers only live on tools (and their `function`), on messages, on
content blocks, and on blocks nested in a tool result, so only those levels are filtered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from proxy.pipeline.canonicalize import canonical_tools_json
from proxy.pipeline.request import MAPPING, Layer, Message, PipelineRequest

MARKER_KEYS = frozenset({"cache_control", "prompt_cache_breakpoint"})

_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=lambda v: dict(v)).encode


def _unmarked(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    if MARKER_KEYS.isdisjoint(obj):
        return obj
    return {k: v for k, v in obj.items() if k not in MARKER_KEYS}


def _unmarked_block(block: Any) -> Any:
    if not isinstance(block, MAPPING):
        return block
    block = _unmarked(block)
    nested = block.get("content")
    if isinstance(nested, list | tuple):
        block = {**block, "content": [_unmarked_block(b) for b in nested]}
    return block


def _unmarked_tool(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    tool = _unmarked(tool)
    fn = tool.get("function")
    if isinstance(fn, MAPPING) and not MARKER_KEYS.isdisjoint(fn):
        tool = {**tool, "function": _unmarked(fn)}
    return tool


def _view(message: Message) -> dict[str, Any]:
    view = dict(_unmarked(message.fields))
    view["role"] = message.role
    content = message.content
    if isinstance(content, tuple):
        view["content"] = [_unmarked_block(b) for b in content]
    else:
        view["content"] = content
    return view


# The pieces below let the prefix check hash two prefixes of one request (context and
# whole prefix) while encoding each message once, in one encoder call per piece: the
# encoder's per-call setup costs more than a short message's encoding.


# The string encoder `_encode` uses (ensure_ascii=False), for the fast paths below.
_encode_str = json.encoder.encode_basestring


def _message_json(message: Message) -> str:
    """`_encode(_view(message))`, spelled out for the common shapes.

    A plain text turn (a string, or one Anthropic text block) with no other fields is most
    of every conversation; building its view dict and sorting its keys costs more than
    encoding its text.
    """
    if not message.fields:
        content = message.content
        if type(content) is str:
            return '{"content":' + _encode_str(content) + ',"role":' + _encode_str(message.role) + "}"
        if type(content) is tuple and len(content) == 1:
            block = content[0]
            if type(block) is dict and len(block) == 2 and block.get("type") == "text":
                text = block.get("text")
                if type(text) is str:
                    return (
                        '{"content":[{"text":'
                        + _encode_str(text)
                        + ',"type":"text"}],"role":'
                        + _encode_str(message.role)
                        + "}"
                    )
    return _encode(_view(message))


def messages_json(messages: Iterable[Message]) -> str:
    """The canonical JSON array of `messages`."""
    return "[" + ",".join([_message_json(m) for m in messages]) + "]"


def tools_json(tools: Iterable[Mapping[str, Any]]) -> str:
    """The canonical JSON array of `tools`."""
    known = canonical_tools_json(tools) if type(tools) is tuple else None
    if known is not None:
        return known
    return _encode([_unmarked_tool(t) for t in tools])


def concat_arrays(first: str, second: str) -> str:
    """Two encoded JSON arrays as one (what encoding the concatenated lists gives)."""
    if first == "[]":
        return second
    if second == "[]":
        return first
    return first[:-1] + "," + second[1:]


def document_bytes(messages_array: str, tools_array: str) -> bytes:
    return ('{"messages":' + messages_array + ',"tools":' + tools_array + "}").encode("utf-8")


def canonical_bytes(messages: Iterable[Message], tools: Iterable[Mapping[str, Any]] = ()) -> bytes:
    return document_bytes(messages_json(messages), tools_json(tools))


def fingerprint(messages: Iterable[Message], tools: Iterable[Mapping[str, Any]] = ()) -> str:
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
    return {layer.name: fingerprint(by_layer[layer], req.tools if layer == Layer.L1_CONTEXT else ()) for layer in Layer}


def first_changed_layer(previous: Mapping[str, str], current: Mapping[str, str]) -> str | None:
    """The most stable layer whose fingerprint differs, or None if none does.

    Provider caches are prefixes, so the first change is the one that cost the cache.
    L2 differs on every turn of a growing conversation; that is expected, not a fault.
    """
    for layer in Layer:
        if previous.get(layer.name) != current.get(layer.name):
            return layer.name
    return None
