"""Rendering a template version, deterministically to the byte.

A version is compiled once (content split into literal text and `{{name}}` slots, tools
prepared in both wire shapes) and rendered per request by joining strings: no Jinja, no
dict iteration that could reorder anything, no whitespace touched. Values are substituted
in one pass, so a value containing `{{x}}` is sent as that text, never expanded again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from proxy.pipeline.request import Dialect, Layer, Message
from templates_registry.spec import PLACEHOLDER, Scalar

if TYPE_CHECKING:
    from templates_registry.models import PromptTemplateVersion

# Literal text and slot names alternate: ("Hello ", "user", "!") renders "Hello <user>!".
Pieces = tuple[str, ...]


class VariablesError(ValueError):
    """lc_template_vars that do not fit the version's declared variables."""


@dataclass(frozen=True)
class CompiledTemplate:
    version_id: int
    label: str  # "name@version": what req.template_version carries into every cache key
    system: tuple[tuple[Layer, Pieces], ...]
    variables: Mapping[str, Scalar | None]
    enhancements: tuple[str, ...]
    openai_tools: tuple[Mapping[str, Any], ...]
    anthropic_tools: tuple[Mapping[str, Any], ...]

    def tools_for(self, dialect: Dialect) -> tuple[Mapping[str, Any], ...]:
        return self.anthropic_tools if dialect == "anthropic" else self.openai_tools


def anthropic_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """An OpenAI function tool in Anthropic's `{name, description, input_schema}` shape."""
    function = tool["function"]
    converted: dict[str, Any] = {"name": function["name"]}
    if function.get("description"):
        converted["description"] = function["description"]
    converted["input_schema"] = function.get("parameters") or {"type": "object", "properties": {}}
    return converted


def compile_content(
    version_id: int,
    label: str,
    l0: list[Mapping[str, str]],
    l1: list[Mapping[str, str]],
    tools: list[Mapping[str, Any]],
    variables: Mapping[str, Scalar | None],
    enhancements: list[str],
) -> CompiledTemplate:
    system = tuple(
        (layer, tuple(PLACEHOLDER.split(message["content"])))
        for layer, messages in ((Layer.L0_SYSTEM, l0), (Layer.L1_CONTEXT, l1))
        for message in messages
    )
    return CompiledTemplate(
        version_id=version_id,
        label=label,
        system=system,
        variables=MappingProxyType(dict(variables)),
        enhancements=tuple(enhancements),
        # Plain dicts: they go to json.dumps as they are. Shared between requests, and like
        # every nested dict in a PipelineRequest, never mutated (steps build new ones).
        openai_tools=tuple(copy.deepcopy(dict(t)) for t in tools),
        anthropic_tools=tuple(copy.deepcopy(anthropic_tool(t)) for t in tools),
    )


def compile_version(version: PromptTemplateVersion) -> CompiledTemplate:
    return compile_content(
        version.pk, version.label, version.l0, version.l1, version.tools, version.variables, version.enhancements
    )


def _text_of(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    # bool before int: True is an int. json gives one spelling per number on every platform.
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raise VariablesError(f"lc_template_vars.{name} must be a string, number or boolean")


def resolve_values(compiled: CompiledTemplate, given: Mapping[str, Any]) -> dict[str, str]:
    """Declared defaults overlaid with the request's values, as text; VariablesError if unfit."""
    unknown = sorted(set(given) - set(compiled.variables))
    if unknown:
        declared = ", ".join(sorted(compiled.variables)) or "none"
        raise VariablesError(f"Template {compiled.label} does not declare variable(s) {unknown}; declared: {declared}")
    missing = sorted(n for n, default in compiled.variables.items() if default is None and n not in given)
    if missing:
        raise VariablesError(f"Template {compiled.label} requires variable(s) {missing} in lc_template_vars")
    values = {name: _text_of(name, default) for name, default in compiled.variables.items() if default is not None}
    values.update({name: _text_of(name, value) for name, value in given.items()})
    return values


def render_system(compiled: CompiledTemplate, values: Mapping[str, str]) -> tuple[Message, ...]:
    """The template's L0/L1 as leading system messages, layers set."""
    rendered = []
    for layer, pieces in compiled.system:
        # Odd positions are slot names; every slot was declared when the version was saved.
        text = "".join(values[p] if i % 2 else p for i, p in enumerate(pieces))
        rendered.append(Message(role="system", content=text, layer=layer))
    return tuple(rendered)
