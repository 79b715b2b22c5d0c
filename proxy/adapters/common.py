"""What both wire adapters do the same way: one message in, one message out, and the tail
of an upstream body (tools, pass-through parameters, stream flag)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from proxy.pipeline.request import Message, PipelineRequest


def message_from_wire(raw: Mapping[str, Any]) -> Message:
    content = raw.get("content")
    if isinstance(content, list):
        content = tuple(content)
    fields = {k: v for k, v in raw.items() if k not in ("role", "content")}
    return Message(role=raw["role"], content=content, fields=MappingProxyType(fields))


def message_to_wire(message: Message) -> dict[str, Any]:
    content = list(message.content) if isinstance(message.content, tuple) else message.content
    rendered: dict[str, Any] = {"role": message.role, "content": content}
    rendered.update(message.fields)
    return rendered


def finish_body(body: dict[str, Any], req: PipelineRequest) -> dict[str, Any]:
    if req.tools:
        body["tools"] = list(req.tools)
    body.update(req.params)
    if req.stream:
        body["stream"] = True
    return body
