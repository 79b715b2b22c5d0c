"""Canonical cache keys: what makes two requests the same question.

Both keys are computed from the request as the provider would receive it (after the layer
pipeline: canonical bytes, template layers, enhancements), never from the raw client body,
so byte-level noise the pipeline removes does not split entries, and anything the pipeline
added that changes the answer (a template version, few-shot examples) separates them.

- The **exact key** covers everything that can change the answer: route, wire format, every
  message of every layer, tools, every generation parameter (all of `params` except the
  handful known not to affect the text, listed in `NON_SEMANTIC_PARAMS`), enhancements,
  template version and the client's cache namespace.
- The **context fingerprint** is the same minus the current turn's user text: route, L0/L1,
  tools, a digest of the L2 history, L3, template version, generation parameters. A semantic
  match is searched only among entries with an equal fingerprint, so "continue" in one
  conversation never matches "continue" in another, and nothing matches across models.
- The **query text** is the current turn's user text, the only thing embedded.

Cache markers are left out (they move every turn and do not change the answer), via
`proxy.pipeline.fingerprints.fingerprint`, the pipeline's own canonical
form (each message is reduced to its fingerprint here).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from proxy.pipeline.fingerprints import fingerprint
from proxy.pipeline.request import Layer, Message, PipelineRequest
from proxy.pipeline.stratify import default_layers, is_plain_user, is_tool_result

# Bump when the canonical form changes, so old entries simply stop matching.
KEY_VERSION = "lc-cache-1"

# Parameters that say how to deliver or bill the answer, not what it says. Everything else
# in `params` (including ones this list has never heard of) is part of the key: an unknown
# parameter costs hits, never correctness.
NON_SEMANTIC_PARAMS = frozenset(
    {
        "stream",
        "stream_options",
        "user",
        "metadata",
        "store",
        "service_tier",
        "prompt_cache_key",
        "prompt_cache_retention",
        "cache_control",
        "safety_identifier",
    }
)


@dataclass(frozen=True)
class RequestKeys:
    exact_key: str
    context_fingerprint: str
    # The current turn's user text; "" when the turn has none (tool results, images only).
    query_text: str
    # Why the request may not use the semantic cache at all ("" when it may).
    semantic_ineligible: str


def _digest(document: Any) -> str:
    raw = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _unmarked_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in NON_SEMANTIC_PARAMS}


def layers_of(messages: Sequence[Message]) -> list[Layer]:
    """Each message's layer: the pipeline's where it ran, the stratify default otherwise."""
    defaults = default_layers(tuple(messages))
    return [m.layer if m.layer is not None else defaults[i] for i, m in enumerate(messages)]


def _user_text(message: Message) -> str | None:
    """The text of a plain user turn; None if it carries anything that is not text."""
    if isinstance(message.content, str):
        return message.content
    if message.content is None:
        return None
    texts = []
    for part in message.content:
        if not isinstance(part, Mapping) or part.get("type") != "text" or not isinstance(part.get("text"), str):
            return None  # images, documents, audio: their meaning is not in the text
        texts.append(part["text"])
    return "\n".join(texts)


def _current_turn(messages: Sequence[Message], layers: Sequence[Layer]) -> tuple[str, list[dict[str, Any]], str]:
    """(query text, the turn's non-query messages, why it is ineligible or "")."""
    texts: list[str] = []
    others: list[dict[str, Any]] = []
    reason = ""
    for position, (message, layer) in enumerate(zip(messages, layers, strict=True)):
        if layer != Layer.L4_USER:
            continue
        if is_tool_result(message):
            reason = reason or "tool result turn"
        if is_plain_user(message):
            text = _user_text(message)
            if text is None:
                reason = reason or "non-text content"
                others.append({"at": position, "message": fingerprint((message,))})
            else:
                texts.append(text)
                # Where the user text sat matters, not what it said: a placeholder keeps the
                # turn's shape in the fingerprint.
                others.append({"at": position, "role": "user", "query": len(texts) - 1})
        else:
            others.append({"at": position, "message": fingerprint((message,))})
    if not texts:
        reason = reason or "no user text"
    return "\n".join(texts), others, reason


def request_keys(req: PipelineRequest, route_name: str, namespace: str = "") -> RequestKeys:
    layers = layers_of(req.messages)
    params = _unmarked_params(req.params)
    common = {
        "v": KEY_VERSION,
        "wire": req.wire,
        "route": route_name,
        "params": params,
        "enhancements": list(req.options.enhancements),
        "template_version": req.template_version,
        "namespace": namespace,
    }
    exact_key = _digest({**common, "messages_and_tools": fingerprint(req.messages, req.tools)})
    by_layer: dict[Layer, list[Message]] = {layer: [] for layer in Layer}
    for message, layer in zip(req.messages, layers, strict=True):
        if layer != Layer.L4_USER:
            by_layer[layer].append(message)
    query_text, turn_rest, reason = _current_turn(req.messages, layers)
    context = _digest(
        {
            **common,
            "L0": fingerprint(by_layer[Layer.L0_SYSTEM]),
            "L1": fingerprint(by_layer[Layer.L1_CONTEXT], req.tools),
            "L2": fingerprint(by_layer[Layer.L2_SESSION]),
            "L3": fingerprint(by_layer[Layer.L3_ENHANCEMENT]),
            "L4_rest": turn_rest,
        }
    )
    return RequestKeys(exact_key, context, query_text, reason)
