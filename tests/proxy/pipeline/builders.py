"""Small builders for pipeline requests in both wire shapes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from proxy.pipeline.config import PipelineConfig
from proxy.pipeline.request import LayerCacheOptions, Message, PipelineRequest
from proxy.pipeline.run import build_steps, run_pipeline
from proxy.route_spec import RouteSpec

LONG_SYSTEM = (
    "You are the support assistant for Acme. "
    + "Answer precisely, cite the policy section you rely on, and ask when unsure. " * 120
).strip()


def openai_tool(name: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name} tool.",
            "parameters": {"type": "object", "properties": properties, "required": []},
        },
    }


def anthropic_tool(name: str, **properties: Any) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"The {name} tool.",
        "input_schema": {"type": "object", "properties": properties},
    }


def tool_call_turn(call_id: str, name: str, args: dict[str, Any]) -> Message:
    return Message(
        "assistant",
        None,
        {
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
            ]
        },
    )


def tool_result(call_id: str, text: str) -> Message:
    return Message("tool", text, {"tool_call_id": call_id})


def chat(turns: int, system: str = LONG_SYSTEM, user_text: str = "Question {n}?") -> list[Message]:
    """A system prompt, `turns` finished user/assistant exchanges and a new question."""
    messages = [Message("system", system)]
    for n in range(turns):
        messages.append(Message("user", user_text.format(n=n)))
        messages.append(Message("assistant", f"Answer {n}. " * 20))
    messages.append(Message("user", f"Question {turns}?"))
    return messages


def request(
    messages: list[Message] | tuple[Message, ...],
    *,
    wire: str = "openai",
    family: str = "openai",
    tools: tuple[dict[str, Any], ...] = (),
    params: dict[str, Any] | None = None,
    **options: Any,
) -> PipelineRequest:
    return PipelineRequest(
        wire=wire,
        dialect=wire,  # type: ignore[arg-type]
        model="test-model",
        messages=tuple(messages),
        tools=tools,
        params=params or {},
        options=LayerCacheOptions(**options),
        provider_family=family,
    )


def run(req: PipelineRequest, **config: Any) -> PipelineRequest:
    return run_pipeline(req, build_steps(PipelineConfig(**config)))


def route_named(model: str, **fields: Any) -> RouteSpec:
    """A route for the LiteLLM model string `model` (prices and limits irrelevant here)."""
    values: dict[str, Any] = {
        "id": 1,
        "name": "test-route",
        "model": model,
        "api_base": "",
        "api_key_env": "",
        "price_input": Decimal(0),
        "price_cached_input": Decimal(0),
        "price_cache_write": Decimal(0),
        "price_output": Decimal(0),
        "timeout_seconds": 5.0,
        "retries": 0,
        "min_cacheable_tokens": 1024,
        "hoist_volatile": True,
        "anthropic_cache_ttl": "5m",
        "max_session_tokens": None,
        "fallback_names": (),
    }
    values.update(fields)
    return RouteSpec(**values)
