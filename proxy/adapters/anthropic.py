"""Anthropic Messages body <-> PipelineRequest (the one place this translation lives).

The top-level `system` becomes leading Message(role="system") entries so the pipeline sees
one ordered list of turns; rendering gathers every system message back into `system`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from proxy.adapters.common import finish_body, message_from_wire, message_to_wire
from proxy.pipeline.request import LayerCacheOptions, Message, PipelineRequest

_STRUCTURAL = ("model", "messages", "system", "tools", "stream")


def to_pipeline(body: Mapping[str, Any], options: LayerCacheOptions, provider_family: str) -> PipelineRequest:
    system = body.get("system")
    leading: tuple[Message, ...] = ()
    if isinstance(system, str) and system:
        leading = (Message(role="system", content=system),)
    elif isinstance(system, list) and system:
        leading = (Message(role="system", content=tuple(system)),)
    params = {k: v for k, v in body.items() if k not in _STRUCTURAL}
    return PipelineRequest(
        wire="anthropic",
        model=body["model"],
        messages=leading + tuple(message_from_wire(m) for m in body["messages"]),
        tools=tuple(body.get("tools") or ()),
        params=MappingProxyType(params),
        stream=bool(body.get("stream")),
        options=options,
        provider_family=provider_family,
    )


def _system_blocks(messages: list[Message]) -> str | list[Any]:
    if len(messages) == 1 and isinstance(messages[0].content, str):
        return messages[0].content
    blocks: list[Any] = []
    for message in messages:
        if isinstance(message.content, str):
            blocks.append({"type": "text", "text": message.content})
        elif message.content:
            blocks.extend(message.content)
    return blocks


def to_wire(req: PipelineRequest, upstream_model: str) -> dict[str, Any]:
    """The request body for an Anthropic upstream."""
    system = [m for m in req.messages if m.role == "system"]
    turns = [m for m in req.messages if m.role != "system"]
    body: dict[str, Any] = {"model": upstream_model}
    if system:
        body["system"] = _system_blocks(system)
    body["messages"] = [message_to_wire(m) for m in turns]
    return finish_body(body, req)
