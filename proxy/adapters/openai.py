"""OpenAI Chat Completions body <-> PipelineRequest (the one place this translation lives)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from proxy.adapters.common import finish_body, message_from_wire, message_to_wire
from proxy.pipeline.request import LayerCacheOptions, PipelineRequest

_STRUCTURAL = ("model", "messages", "tools", "stream")


def to_pipeline(body: Mapping[str, Any], options: LayerCacheOptions, provider_family: str) -> PipelineRequest:
    params = {k: v for k, v in body.items() if k not in _STRUCTURAL}
    return PipelineRequest(
        wire="openai",
        model=body["model"],
        messages=tuple(message_from_wire(m) for m in body["messages"]),
        tools=tuple(body.get("tools") or ()),
        params=MappingProxyType(params),
        stream=bool(body.get("stream")),
        options=options,
        provider_family=provider_family,
    )


def to_wire(req: PipelineRequest, upstream_model: str) -> dict[str, Any]:
    """The request body for an OpenAI-compatible upstream."""
    return finish_body({"model": upstream_model, "messages": [message_to_wire(m) for m in req.messages]}, req)
