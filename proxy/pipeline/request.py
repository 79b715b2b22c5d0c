"""The value every pipeline step takes and returns.

A wire request (OpenAI or Anthropic) is translated into a `PipelineRequest` once, in
its `WireFormat` (proxy/wire/), and rendered back once. Steps never see Django or HTTP; each one is a pure
`apply(req) -> req` that builds a new value with `dataclasses.replace`.

Content stays in the shape of the caller's wire format (OpenAI content parts and Anthropic
content blocks share the `{"type": "text", "text": ...}` shape), so a same-format upstream
receives exactly what the client meant, byte for byte, minus what the pipeline changed on
purpose. Nested dicts are treated as immutable by convention: a step that changes one
builds a new dict.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

# How content is shaped: OpenAI chat messages (content parts, `tool_calls`, role "tool") or
# Anthropic messages (content blocks, `tool_use` / `tool_result`). Every wire protocol maps
# its requests onto one of the two, so pipeline steps branch on the dialect, never on which
# protocol the client spoke (the Responses API, say, is carried in the OpenAI dialect).
Dialect = Literal["openai", "anthropic"]

EMPTY: Mapping[str, Any] = MappingProxyType({})

# What a JSON object in a request can be: a plain dict from the wire, or a read-only
# mapping. For isinstance checks on the hot path: `dict | Mapping` builds a union object on
# every call, which costs four times the check itself.
MAPPING = (dict, Mapping)


def _empty() -> Mapping[Any, Any]:
    # dataclasses refuse an unhashable default such as a mappingproxy; a factory returning
    # the one shared read-only EMPTY keeps "no fields" free of allocations.
    return EMPTY


class Layer(enum.IntEnum):
    """Prompt layers, in the order a provider sees them (most stable first)."""

    L0_SYSTEM = 0
    L1_CONTEXT = 1
    L2_SESSION = 2
    L3_ENHANCEMENT = 3
    L4_USER = 4


# The members as module constants, for the hot paths: on Python 3.11 `Layer.L2_SESSION` is
# a descriptor call (~150 ns, ten times the comparison it feeds), and steps compare layers
# once per message.
L0_SYSTEM, L1_CONTEXT, L2_SESSION, L3_ENHANCEMENT, L4_USER = Layer
SYSTEM_LAYERS = (L0_SYSTEM, L1_CONTEXT)


# Slots: a request builds a Message per turn in several steps, and a slotted frozen
# dataclass is constructed in half the time.
@dataclass(frozen=True, slots=True)
class Message:
    """One conversation turn (system prompts included, whatever the wire format).

    `content` is a string, a tuple of content parts/blocks (dicts in the caller's wire
    shape), or None (an OpenAI assistant turn that only calls tools). `fields` holds every
    other key of the wire message (`tool_calls`, `tool_call_id`, `name`, `cache_control`,
    ...) so nothing the client sent is dropped. For Anthropic, the top-level `system` is
    carried as messages with role "system" at the front.
    """

    role: str
    content: str | tuple[Mapping[str, Any], ...] | None
    fields: Mapping[str, Any] = field(default_factory=_empty)
    layer: Layer | None = None


@dataclass(frozen=True)
class LayerCacheOptions:
    """The validated `lc_*` request fields (wire-format independent)."""

    template: str | None = None
    template_vars: Mapping[str, Any] = field(default_factory=_empty)
    enhancements: tuple[str, ...] = ()
    layer_hints: Mapping[int, Layer] = field(default_factory=_empty)
    max_session_tokens: int | None = None
    session_id: str | None = None
    cache_ttl: int | None = None
    cache_scope: str | None = None
    skip_semantic_cache: bool = False
    bypass_cache: bool = False
    # LiteLLM's `cache` body field: {"no-cache", "no-store", "ttl", "s-maxage", "namespace"}.
    cache_no_cache: bool = False
    cache_no_store: bool = False
    cache_max_age: int | None = None
    cache_namespace: str | None = None
    # The caller's team; salts the OpenAI `prompt_cache_key` so teams never share routing.
    team_id: str | None = None


@dataclass(frozen=True)
class Diagnostics:
    """What the pipeline did, reported back in response headers."""

    prefix_tokens: int = 0
    prefix_hash: str = ""
    markers_placed: int = 0
    hoisted: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    changed_layer: str | None = None
    # Session-history messages the truncation step dropped.
    dropped_messages: int = 0
    # Fingerprint and estimated tokens of tools + L0 + L1 alone: the part worth a Gemini
    # CachedContent, and what the OpenAI `prompt_cache_key` is derived from.
    context_hash: str = ""
    context_tokens: int = 0
    enhancements_applied: tuple[str, ...] = ()


@dataclass(frozen=True)
class PipelineRequest:
    # The client's protocol ("openai", "anthropic", "openai_responses", ...): part of every
    # response-cache key, so an answer is only ever served in the protocol it was stored in.
    wire: str
    model: str
    messages: tuple[Message, ...]
    # Tool definitions in the caller's wire shape.
    tools: tuple[Mapping[str, Any], ...] = ()
    # Every other client parameter, passed through untouched (temperature, stop, seed, ...).
    params: Mapping[str, Any] = field(default_factory=_empty)
    stream: bool = False
    options: LayerCacheOptions = field(default_factory=LayerCacheOptions)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    # Provider family of the route ("openai", "anthropic", "gemini", "deepseek", "other"),
    # chosen by the gateway; the cache-marker step picks its strategy from it.
    provider_family: str = "openai"
    dialect: Dialect = "openai"
    # "name@version" of the prompt template that supplied L0/L1, or "" for none. Part of every
    # response-cache key and fingerprint, so a new version never serves old answers.
    template_version: str = ""
