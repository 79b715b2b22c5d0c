"""Putting a rendered template in front of a request (pure: PipelineRequest in, out).

The template's L0/L1 become the leading system messages and its tools come first, so the
cached prefix is the template's, byte for byte, whatever the client sends. The client's own
leading system messages follow as L2: they still reach the model, but can never take the
place of the template's layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from proxy.errors import bad_request
from proxy.pipeline.request import Layer, Message, PipelineRequest
from proxy.pipeline.stratify import SYSTEM_ROLES
from templates_registry.render import CompiledTemplate, render_system


def _tool_name(tool: Mapping[str, object]) -> object:
    function = tool.get("function")
    return function.get("name") if isinstance(function, Mapping) else tool.get("name")


def _merged_tools(req: PipelineRequest, compiled: CompiledTemplate) -> tuple[Mapping[str, object], ...]:
    template_tools = compiled.tools_for(req.dialect)
    taken = {_tool_name(t) for t in template_tools}
    for tool in req.tools:
        if _tool_name(tool) in taken:
            raise bad_request(f"Tool {_tool_name(tool)!r} is already defined by template {compiled.label}", "tools")
    return template_tools + req.tools


def _layer_hints(
    req: PipelineRequest, compiled: CompiledTemplate, offset: int, client_system: int
) -> tuple[Mapping[int, Layer], tuple[str, ...]]:
    """Hints for the merged messages: the client's own, re-indexed past the template's
    messages and never claiming L0/L1, and L2 for the client's leading system messages
    (stratify would otherwise count them into the leading system run, i.e. L1)."""
    hints: dict[int, Layer] = {offset + i: Layer.L2_SESSION for i in range(client_system)}
    warnings: list[str] = []
    for index, layer in req.options.layer_hints.items():
        if layer <= Layer.L1_CONTEXT:
            warnings.append(
                f"layer hint {layer.name} for message {index} ignored: template {compiled.label} owns L0/L1"
            )
            continue
        hints[index + offset] = layer
    return MappingProxyType(hints), tuple(warnings)


def merge(req: PipelineRequest, compiled: CompiledTemplate, values: Mapping[str, str]) -> PipelineRequest:
    template_messages = render_system(compiled, values)
    lead = 0
    while lead < len(req.messages) and req.messages[lead].role in SYSTEM_ROLES:
        lead += 1
    client_system = tuple(replace(m, layer=Layer.L2_SESSION) for m in req.messages[:lead])
    messages: tuple[Message, ...] = template_messages + client_system + req.messages[lead:]
    hints, warnings = _layer_hints(req, compiled, len(template_messages), lead)
    options = replace(
        req.options,
        layer_hints=hints,
        enhancements=req.options.enhancements or compiled.enhancements,
    )
    diagnostics = (
        replace(req.diagnostics, warnings=req.diagnostics.warnings + warnings) if warnings else req.diagnostics
    )
    return replace(
        req,
        messages=messages,
        tools=_merged_tools(req, compiled),
        options=options,
        diagnostics=diagnostics,
        template_version=compiled.label,
    )
