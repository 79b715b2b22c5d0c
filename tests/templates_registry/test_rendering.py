"""Rendering and merging (pure): layers first, client system text after, tools, determinism."""

from __future__ import annotations

import json
from typing import Any

import pytest

from proxy.errors import GatewayError
from proxy.pipeline import stratify
from proxy.pipeline.request import Layer, LayerCacheOptions, Message, PipelineRequest
from templates_registry.merge import merge
from templates_registry.render import compile_content, resolve_values

WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def request(
    wire: str = "openai", template: str | None = "support", variables: dict[str, Any] | None = None, **kw: Any
) -> PipelineRequest:
    messages = kw.pop("messages", (Message("system", "Client rules."), Message("user", "hi")))
    options = LayerCacheOptions(template=template, template_vars=variables or {}, **kw.pop("options", {}))
    return PipelineRequest(wire=wire, dialect=wire, model="m", messages=messages, options=options, **kw)  # type: ignore[arg-type]


def compiled(**content: Any) -> Any:
    fields: dict[str, Any] = {
        "l0": [{"role": "system", "content": "L0 for {{product}} in {{language}}"}],
        "l1": [],
        "tools": [],
        "variables": {"product": None, "language": "English"},
        "enhancements": [],
    }
    fields.update(content)
    return compile_content(7, "support@3", **fields)


def test_the_template_layers_come_first_and_the_clients_system_text_moves_to_l2() -> None:
    template = compiled(l1=[{"role": "system", "content": "Context"}])
    merged = merge(request(), template, resolve_values(template, {"product": "Acme"}))
    assert [(m.role, m.content, m.layer) for m in merged.messages] == [
        ("system", "L0 for Acme in English", Layer.L0_SYSTEM),
        ("system", "Context", Layer.L1_CONTEXT),
        ("system", "Client rules.", Layer.L2_SESSION),
        ("user", "hi", None),
    ]
    assert merged.template_version == "support@3"


def as_bytes(req: PipelineRequest) -> bytes:
    return json.dumps([[m.role, m.content] for m in req.messages] + [list(req.tools)]).encode()


def test_rendering_is_byte_identical_whatever_the_order_of_the_variables() -> None:
    template = compiled(tools=[WEATHER])
    first = merge(request(), template, resolve_values(template, {"product": "Acme", "language": "French"}))
    second = merge(request(), template, resolve_values(template, {"language": "French", "product": "Acme"}))
    assert as_bytes(first) == as_bytes(second)
    assert first == second


def test_a_value_is_substituted_once_never_expanded_again() -> None:
    template = compiled()
    merged = merge(request(), template, resolve_values(template, {"product": "{{language}}"}))
    assert merged.messages[0].content == "L0 for {{language}} in English"


def test_numbers_and_booleans_render_one_way() -> None:
    template = compiled()
    assert resolve_values(template, {"product": 1.5, "language": True}) == {"product": "1.5", "language": "true"}


def test_template_tools_come_before_the_clients_in_the_callers_wire_shape() -> None:
    template = compiled(tools=[WEATHER])
    client_tool = {"name": "search", "input_schema": {"type": "object"}}
    merged = merge(request("anthropic", tools=(client_tool,)), template, {"product": "x", "language": "y"})
    assert merged.tools == (
        {
            "name": "weather",
            "description": "Weather",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
        client_tool,
    )
    assert merge(request(), template, {"product": "x", "language": "y"}).tools == (WEATHER,)


def test_a_client_tool_may_not_redefine_a_template_tool() -> None:
    template = compiled(tools=[WEATHER])
    with pytest.raises(GatewayError, match="already defined"):
        merge(request(tools=(WEATHER,)), template, {"product": "x", "language": "y"})


def test_default_enhancements_apply_only_when_the_client_names_none() -> None:
    template = compiled(enhancements=["self_critique"])
    values = {"product": "x", "language": "y"}
    assert merge(request(), template, values).options.enhancements == ("self_critique",)
    chosen = request(options={"enhancements": ("chain_of_thought",)})
    assert merge(chosen, template, values).options.enhancements == ("chain_of_thought",)


def test_client_layer_hints_shift_past_the_template_and_cannot_claim_l0() -> None:
    template = compiled()
    hinted = request(options={"layer_hints": {0: Layer.L0_SYSTEM, 1: Layer.L2_SESSION}})
    merged = merge(hinted, template, {"product": "x", "language": "y"})
    assert dict(merged.options.layer_hints) == {1: Layer.L2_SESSION, 2: Layer.L2_SESSION}
    assert "owns L0/L1" in merged.diagnostics.warnings[0]


def test_stratify_keeps_the_clients_system_text_out_of_the_template_layers() -> None:
    template = compiled(l1=[{"role": "system", "content": "Context"}])
    merged = merge(request(), template, resolve_values(template, {"product": "Acme"}))
    layers = [m.layer for m in stratify.apply(merged).messages]
    assert layers == [Layer.L0_SYSTEM, Layer.L1_CONTEXT, Layer.L2_SESSION, Layer.L4_USER]
