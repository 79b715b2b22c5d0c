"""OpenAI Chat Completions body <-> PipelineRequest (the one place this translation lives)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from proxy.pipeline.request import LayerCacheOptions, Message, PipelineRequest

_STRUCTURAL = ("model", "messages", "tools", "stream")


def _message(raw: Mapping[str, Any]) -> Message:
    content = raw.get("content")
    if isinstance(content, list):
        content = tuple(content)
    fields = {k: v for k, v in raw.items() if k not in ("role", "content")}
    return Message(role=raw["role"], content=content, fields=MappingProxyType(fields))


def to_pipeline(body: Mapping[str, Any], options: LayerCacheOptions, provider_family: str) -> PipelineRequest:
    params = {k: v for k, v in body.items() if k not in _STRUCTURAL}
    return PipelineRequest(
        wire="openai",
        model=body["model"],
        messages=tuple(_message(m) for m in body["messages"]),
        tools=tuple(body.get("tools") or ()),
        params=MappingProxyType(params),
        stream=bool(body.get("stream")),
        options=options,
        provider_family=provider_family,
    )


def _render_message(message: Message) -> dict[str, Any]:
    content = list(message.content) if isinstance(message.content, tuple) else message.content
    rendered: dict[str, Any] = {"role": message.role, "content": content}
    rendered.update(message.fields)
    return rendered


def to_wire(req: PipelineRequest, upstream_model: str) -> dict[str, Any]:
    """The request body for an OpenAI-compatible upstream."""
    body: dict[str, Any] = {"model": upstream_model, "messages": [_render_message(m) for m in req.messages]}
    if req.tools:
        body["tools"] = list(req.tools)
    body.update(req.params)
    if req.stream:
        body["stream"] = True
    return body
