"""The OpenAI Responses request (`POST /v1/responses`), checked field by field.

Documented fields are checked for type and range; input items and their parts by their
type; item and tool types this gateway does not translate are left for a native upstream
to judge (and refused by the chat bridge, with the item named).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxy.errors import bad_request
from proxy.wire import checks as c

ROLES = frozenset({"user", "assistant", "system", "developer"})


def _part(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.nonempty_string}, {})
    kind = value["type"]
    if kind in ("input_text", "output_text"):
        c.fields(value, where, {"text": c.string}, {})
    elif kind == "refusal":
        c.fields(value, where, {"refusal": c.string}, {})
    elif kind == "input_image":
        c.fields(value, where, {}, {"image_url": c.nonempty_string, "file_id": c.nonempty_string})
        if not value.get("image_url") and not value.get("file_id"):
            raise bad_request(f"Invalid value for {where}: an input_image needs image_url or file_id", where)


_content = c.either(c.string, c.list_of(_part), "a string or a list of content parts")


def _item(value: Any, where: str) -> None:
    c.fields(value, where, {}, {"type": c.nonempty_string})
    kind = value.get("type", "message")
    if kind == "message":
        c.fields(value, where, {"role": c.one_of(ROLES), "content": _content}, {})
    elif kind == "function_call":
        c.fields(value, where, {"call_id": c.nonempty_string, "name": c.tool_name, "arguments": c.string}, {})
    elif kind == "function_call_output":
        c.fields(value, where, {"call_id": c.nonempty_string, "output": _content}, {})
    # reasoning, item_reference and built-in tools' items: a native upstream's to judge.


_input = c.either(c.string, c.list_of(_item, min_items=1), "a string or a list of input items")


def _tool(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.nonempty_string}, {})
    if value["type"] == "function":
        c.fields(
            value, where, {"name": c.tool_name}, {"parameters": c.obj, "description": c.string, "strict": c.boolean}
        )


def _tool_choice(value: Any, where: str) -> None:
    if isinstance(value, str):
        c.one_of({"none", "auto", "required"})(value, where)
        return
    c.fields(value, where, {"type": c.nonempty_string}, {})
    if value["type"] == "function":
        c.fields(value, where, {"name": c.tool_name}, {})


def _text(value: Any, where: str) -> None:
    c.fields(value, where, {}, {"format": c.obj, "verbosity": c.string})
    fmt = value.get("format")
    if isinstance(fmt, Mapping):
        c.fields(fmt, c.join(where, "format"), {"type": c.one_of({"text", "json_object", "json_schema"})}, {})
        if fmt["type"] == "json_schema":
            c.fields(fmt, c.join(where, "format"), {"name": c.nonempty_string, "schema": c.obj}, {})


OPTIONAL_FIELDS: Mapping[str, c.Check] = {
    "instructions": c.string,
    "stream": c.boolean,
    "stream_options": c.obj,
    "tools": c.list_of(_tool),
    "tool_choice": _tool_choice,
    "parallel_tool_calls": c.boolean,
    "max_output_tokens": c.integer(1),
    "max_tool_calls": c.integer(1),
    "temperature": c.number(0, 2),
    "top_p": c.number(0, 1),
    "top_logprobs": c.integer(0, 20),
    "store": c.boolean,
    "previous_response_id": c.nonempty_string,
    "text": _text,
    "reasoning": c.obj,
    "metadata": c.obj,
    "prompt_cache_key": c.string,
    "truncation": c.one_of({"auto", "disabled"}),
    "include": c.list_of(c.string),
    "user": c.string,
    "safety_identifier": c.string,
    "service_tier": c.string,
}


def check_request(body: Mapping[str, Any]) -> None:
    c.fields(body, "", {"model": c.nonempty_string, "input": _input}, OPTIONAL_FIELDS)
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        names = {t.get("name") for t in body.get("tools") or () if t.get("type") == "function"}
        if choice["name"] not in names:
            raise bad_request(
                f"tool_choice names the function {choice['name']!r}, which is not in tools", "tool_choice"
            )
