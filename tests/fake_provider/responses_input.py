"""The OpenAI Responses request: validated the way the API validates it, as plain values.

``parse(body)`` raises ``InvalidRequest`` (a 400 ``invalid_request_error`` with
``param`` and ``code``) or returns a ``ResponsesRequest`` whose ``items`` are the
request's input as items: a string input becomes one user message, easy messages
get ``"type": "message"``. Items are otherwise kept as sent, because the prompt
cache hashes what the client sent (prompts.responses_prompt_tokens).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .openai_common import (
    InvalidRequest,
    below_minimum,
    invalid_type,
    invalid_value,
    missing,
    number_in_range,
    unknown_parameter,
)

# Every body parameter of openai-python 3.57's ResponseCreateParams (a test keeps this in step).
KNOWN_PARAMETERS = frozenset(
    {
        "access_programs",
        "background",
        "background_options",
        "context_management",
        "conversation",
        "image",
        "include",
        "input",
        "instructions",
        "max_output_tokens",
        "max_tool_calls",
        "metadata",
        "model",
        "moderation",
        "parallel_tool_calls",
        "previous_response_id",
        "prompt",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning",
        "safety_identifier",
        "service_tier",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "text",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "truncation",
        "user",
    }
)
# A Chat Completions parameter that moved; OpenAI names the new home in its 400.
MOVED_PARAMETERS = {"response_format": "text.format"}
# Parameters that change what the model sees in ways this fake does not model: a 400
# says so instead of an answer that silently ignores them.
NOT_SIMULATED = ("background", "background_options", "context_management", "conversation", "prompt")

MIN_OUTPUT_TOKENS = 16
MAX_METADATA_PAIRS = 16
MESSAGE_ROLES = ("assistant", "system", "developer", "user")
INPUT_PART_TYPES = ("input_text", "input_image", "input_file")
OUTPUT_PART_TYPES = ("output_text", "refusal")
ITEM_TYPES = ("message", "function_call", "function_call_output", "reasoning")
# Keys each item type may carry; anything else is an "Unknown parameter" as upstream.
ITEM_KEYS: dict[str, frozenset[str]] = {
    "message": frozenset({"type", "role", "content", "id", "status", "phase"}),
    "function_call": frozenset(
        {"type", "id", "call_id", "name", "arguments", "status", "namespace", "caller", "async"}
    ),
    "function_call_output": frozenset({"type", "id", "call_id", "output", "status", "name", "namespace", "caller"}),
    "reasoning": frozenset({"type", "id", "summary", "content", "encrypted_content", "status"}),
}
TOOL_CHOICE_OPTIONS = ("none", "auto", "required")
TEXT_FORMATS = ("text", "json_schema", "json_object")
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
TRUNCATION = ("auto", "disabled")
_FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")


@dataclass(frozen=True)
class ResponsesRequest:
    body: Mapping[str, Any]
    model: str
    items: tuple[Mapping[str, Any], ...]  # this request's input, as items
    function_tools: tuple[Mapping[str, Any], ...]
    stream: bool
    store: bool
    max_output_tokens: int | None
    previous_response_id: str | None


def parse(body: Any) -> ResponsesRequest:
    if not isinstance(body, dict):
        raise invalid_type("body", "an object", body)
    _check_parameters(body)
    model = body.get("model")
    if model is None:
        raise missing("model")
    if not isinstance(model, str) or not model:
        raise invalid_type("model", "a string", model)
    items = _items(body.get("input"))
    tools = _function_tools(body.get("tools"))
    _check_tool_choice(body.get("tool_choice"), tools)
    _check_scalars(body)
    _check_text(body.get("text"))
    _check_reasoning(body.get("reasoning"))
    _check_metadata(body.get("metadata"))
    previous = body.get("previous_response_id")
    if previous is not None and not isinstance(previous, str):
        raise invalid_type("previous_response_id", "a string", previous)
    store = body.get("store")
    return ResponsesRequest(
        body=body,
        model=model,
        items=items,
        function_tools=tools,
        stream=bool(body.get("stream")),
        store=True if store is None else bool(store),
        max_output_tokens=body.get("max_output_tokens"),
        previous_response_id=previous or None,
    )


def check_call_outputs(context: Sequence[Mapping[str, Any]]) -> None:
    """Every function_call_output answers a function_call that comes before it."""
    calls: set[str] = set()
    for item in context:
        if item.get("type") == "function_call":
            calls.add(str(item.get("call_id")))
        elif item.get("type") == "function_call_output" and item.get("call_id") not in calls:
            raise InvalidRequest(
                f"No tool call found for function call output with call_id {item.get('call_id')}.",
                "input",
            )


# ----------------------------------------------------------------- parameters


def _check_parameters(body: Mapping[str, Any]) -> None:
    for name in body:
        if name in MOVED_PARAMETERS:
            raise InvalidRequest(
                f"Unsupported parameter: '{name}'. In the Responses API, this parameter has moved to "
                f"'{MOVED_PARAMETERS[name]}'.",
                name,
                "unsupported_parameter",
            )
        if name not in KNOWN_PARAMETERS:
            raise unknown_parameter(name)
    for name in NOT_SIMULATED:
        if body.get(name) not in (None, False):
            raise InvalidRequest(
                f"The fake provider does not simulate '{name}'.",
                name,
                "unsupported_parameter",
            )


def _check_scalars(body: Mapping[str, Any]) -> None:
    for name in ("stream", "store", "parallel_tool_calls"):
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            raise invalid_type(name, "a boolean", value)
    for name in ("instructions", "prompt_cache_key", "safety_identifier", "user"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise invalid_type(name, "a string", value)
    limit = body.get("max_output_tokens")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise invalid_type("max_output_tokens", "an integer", limit)
        if limit < MIN_OUTPUT_TOKENS:
            raise below_minimum("max_output_tokens", MIN_OUTPUT_TOKENS, limit)
    number_in_range(body, "temperature", 0, 2)
    number_in_range(body, "top_p", 0, 1)
    truncation = body.get("truncation")
    if truncation is not None and truncation not in TRUNCATION:
        raise invalid_value("truncation", truncation, TRUNCATION)


def _check_text(text: object) -> None:
    if text is None:
        return
    if not isinstance(text, Mapping):
        raise invalid_type("text", "an object", text)
    form = text.get("format")
    if form is None:
        return
    if not isinstance(form, Mapping):
        raise invalid_type("text.format", "an object", form)
    if form.get("type") not in TEXT_FORMATS:
        raise invalid_value("text.format.type", form.get("type"), TEXT_FORMATS)
    if form["type"] == "json_schema":
        for name in ("name", "schema"):
            if name not in form:
                raise missing(f"text.format.{name}")
        if not isinstance(form["schema"], Mapping):
            raise invalid_type("text.format.schema", "an object", form["schema"])


def _check_reasoning(reasoning: object) -> None:
    if reasoning is None:
        return
    if not isinstance(reasoning, Mapping):
        raise invalid_type("reasoning", "an object", reasoning)
    effort = reasoning.get("effort")
    if effort is not None and effort not in REASONING_EFFORTS:
        raise invalid_value("reasoning.effort", effort, REASONING_EFFORTS)


def _check_metadata(metadata: object) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, Mapping):
        raise invalid_type("metadata", "an object", metadata)
    if len(metadata) > MAX_METADATA_PAIRS:
        raise InvalidRequest(
            f"Invalid 'metadata': too many properties. Expected an object with at most "
            f"{MAX_METADATA_PAIRS} properties, but got {len(metadata)} instead.",
            "metadata",
            "object_above_max_properties",
        )
    for key, value in metadata.items():
        if not isinstance(value, str):
            raise invalid_type(f"metadata.{key}", "a string", value)


# ---------------------------------------------------------------------- tools


def _function_tools(tools: object) -> tuple[Mapping[str, Any], ...]:
    """The function tools; hosted tools are accepted, counted and echoed, never called."""
    if tools is None:
        return ()
    if not isinstance(tools, list):
        raise invalid_type("tools", "an array", tools)
    functions = []
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, Mapping):
            raise invalid_type(where, "an object", tool)
        if not isinstance(tool.get("type"), str):
            raise missing(f"{where}.type")
        if tool["type"] != "function":
            continue
        # The Chat Completions shape nests these under "function"; upstream reports the name.
        name = tool.get("name")
        if name is None:
            raise missing(f"{where}.name")
        if not isinstance(name, str) or not _FUNCTION_NAME.match(name):
            raise InvalidRequest(
                f"Invalid '{where}.name': string does not match pattern. Expected a string that "
                f"matches the pattern '{_FUNCTION_NAME.pattern}'.",
                f"{where}.name",
                "invalid_value",
            )
        parameters = tool.get("parameters")
        if parameters is not None and not isinstance(parameters, Mapping):
            raise invalid_type(f"{where}.parameters", "an object", parameters)
        functions.append(tool)
    return tuple(functions)


def _check_tool_choice(choice: object, tools: Sequence[Mapping[str, Any]]) -> None:
    if choice is None or choice in TOOL_CHOICE_OPTIONS:
        return
    if isinstance(choice, str):
        raise invalid_value("tool_choice", choice, TOOL_CHOICE_OPTIONS)
    if not isinstance(choice, Mapping):
        raise invalid_type("tool_choice", "one of a string or an object", choice)
    if choice.get("type") == "function":
        name = choice.get("name")
        if name is None:
            raise missing("tool_choice.name")
        if not any(tool.get("name") == name for tool in tools):
            raise InvalidRequest(
                f"Tool choice 'function' with name '{name}' not found in 'tools' parameter.",
                "tool_choice",
            )
    elif choice.get("type") == "allowed_tools":
        if choice.get("mode") not in ("auto", "required"):
            raise invalid_value("tool_choice.mode", choice.get("mode"), ("auto", "required"))
        if not isinstance(choice.get("tools"), list):
            raise missing("tool_choice.tools")


def chosen_tool(request: ResponsesRequest) -> Mapping[str, Any] | None:
    """The function the reply calls: only on a user turn, the forced or first allowed one."""
    choice = request.body.get("tool_choice") or "auto"
    last = request.items[-1] if request.items else None
    on_user_turn = last is not None and last.get("type") == "message" and last.get("role") == "user"
    if not request.function_tools or choice == "none" or not on_user_turn:
        return None
    names: Sequence[object] = [tool.get("name") for tool in request.function_tools]
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        names = [choice.get("name")]
    elif isinstance(choice, Mapping) and choice.get("type") == "allowed_tools":
        names = [t.get("name") for t in choice.get("tools") or () if isinstance(t, Mapping)]
    return next((t for t in request.function_tools if t.get("name") in names), None)


# ---------------------------------------------------------------------- input


def _items(value: object) -> tuple[Mapping[str, Any], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return ({"type": "message", "role": "user", "content": value},)
    if not isinstance(value, list):
        raise invalid_type("input", "one of a string or array of input items", value)
    return tuple(_item(f"input[{index}]", item) for index, item in enumerate(value))


def _item(where: str, item: object) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise invalid_type(where, "an object", item)
    kind = item.get("type", "message" if "role" in item else None)
    if kind is None:
        raise missing(f"{where}.type")
    if kind not in ITEM_TYPES:
        raise invalid_value(f"{where}.type", kind, ITEM_TYPES)
    for key in item:
        if key not in ITEM_KEYS[kind]:
            raise unknown_parameter(f"{where}.{key}")
    if kind == "message":
        _check_message(where, item)
    elif kind == "function_call":
        _require_strings(where, item, ("call_id", "name", "arguments"))
    elif kind == "function_call_output":
        _require_strings(where, item, ("call_id",))
        output = item.get("output")
        if output is None:
            raise missing(f"{where}.output")
        if not isinstance(output, (str, list)):
            raise invalid_type(f"{where}.output", "one of a string or array of output content items", output)
    elif not isinstance(item.get("summary"), list):
        raise missing(f"{where}.summary")
    return {"type": kind, **item}


def _require_strings(where: str, item: Mapping[str, Any], names: Sequence[str]) -> None:
    for name in names:
        if name not in item:
            raise missing(f"{where}.{name}")
        if not isinstance(item[name], str):
            raise invalid_type(f"{where}.{name}", "a string", item[name])


def _check_message(where: str, item: Mapping[str, Any]) -> None:
    role = item.get("role")
    if role is None:
        raise missing(f"{where}.role")
    if role not in MESSAGE_ROLES:
        raise invalid_value(f"{where}.role", role, MESSAGE_ROLES)
    content = item.get("content")
    if content is None:
        raise missing(f"{where}.content")
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise invalid_type(f"{where}.content", "one of a string or array of input content items", content)
    allowed = OUTPUT_PART_TYPES if role == "assistant" else INPUT_PART_TYPES
    for index, part in enumerate(content):
        at = f"{where}.content[{index}]"
        if not isinstance(part, Mapping):
            raise invalid_type(at, "an object", part)
        if part.get("type") not in allowed:
            raise invalid_value(at, part.get("type"), allowed)
        if part["type"] in ("input_text", "output_text") and not isinstance(part.get("text"), str):
            raise missing(f"{at}.text")
