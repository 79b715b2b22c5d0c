"""The OpenAI Chat Completions request, checked field by field.

Every field the API documents is checked for its type and range; fields it does not name
pass through to the provider untouched (providers add parameters faster than any schema).
Content parts, tool definitions and `tool_choice` are checked too, so a malformed one is a
400 here rather than an upstream refusal that could look like an outage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxy.errors import bad_request
from proxy.wire import checks as c

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def _image_url(value: Any, where: str) -> None:
    if isinstance(value, str):
        c.nonempty_string(value, where)
        return
    c.fields(value, where, {"url": c.nonempty_string}, {"detail": c.one_of({"auto", "low", "high"})})


def _part(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.nonempty_string}, {})
    kind = value["type"]
    if kind == "text":
        c.fields(value, where, {"text": c.string}, {})
    elif kind == "image_url":
        c.fields(value, where, {"image_url": _image_url}, {})
    elif kind == "input_audio":
        c.fields(value, where, {"input_audio": c.obj}, {})
    elif kind == "file":
        c.fields(value, where, {"file": c.obj}, {})
    elif kind == "refusal":
        c.fields(value, where, {"refusal": c.string}, {})
    # Other part types are the provider's to judge.


_content = c.either(c.string, c.list_of(_part), "a string or a list of content parts")


def _function_call(value: Any, where: str) -> None:
    c.fields(value, where, {"name": c.nonempty_string, "arguments": c.string}, {})


def _tool_call(value: Any, where: str) -> None:
    c.fields(value, where, {"id": c.nonempty_string, "function": _function_call}, {"type": c.nonempty_string})


def _message(value: Any, where: str) -> None:
    c.fields(
        value,
        where,
        {"role": c.one_of(ROLES)},
        {
            "content": _content,
            "name": c.string,
            "tool_calls": c.list_of(_tool_call),
            "tool_call_id": c.nonempty_string,
        },
    )
    role = value["role"]
    if value.get("content") is None and role not in ("assistant", "function"):
        place = c.join(where, "content")
        raise bad_request(f"Missing required field: {place} (content is required for a {role} message)", place)
    speaks_otherwise = value.get("tool_calls") or value.get("function_call") or value.get("audio")
    if value.get("content") is None and role == "assistant" and not speaks_otherwise:
        place = c.join(where, "content")
        raise bad_request(f"Missing required field: {place} (an assistant message needs content or tool_calls)", place)
    if role == "tool" and not value.get("tool_call_id"):
        place = c.join(where, "tool_call_id")
        raise bad_request(f"Missing required field: {place} (tool messages answer a tool call)", place)


def _function_def(value: Any, where: str) -> None:
    c.fields(
        value,
        where,
        {"name": c.tool_name},
        {"description": c.string, "parameters": c.obj, "strict": c.boolean},
    )


def _tool(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.nonempty_string}, {})
    if value["type"] == "function":
        c.fields(value, where, {"function": _function_def}, {})


def _tool_choice(value: Any, where: str) -> None:
    if isinstance(value, str):
        c.one_of({"none", "auto", "required"})(value, where)
        return
    c.fields(value, where, {"type": c.nonempty_string}, {})
    if value["type"] == "function":
        c.fields(value, where, {"function": lambda v, w: c.fields(v, w, {"name": c.tool_name}, {})}, {})


def _stop(value: Any, where: str) -> None:
    c.either(c.string, c.list_of(c.string, max_items=4), "a string or a list of up to 4 strings")(value, where)


def _stream_options(value: Any, where: str) -> None:
    c.fields(value, where, {}, {"include_usage": c.boolean, "include_obfuscation": c.boolean})


def _response_format(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.one_of({"text", "json_object", "json_schema"})}, {"json_schema": c.obj})


OPTIONAL_FIELDS: Mapping[str, c.Check] = {
    "stream": c.boolean,
    "stream_options": _stream_options,
    "tools": c.list_of(_tool),
    "tool_choice": _tool_choice,
    "parallel_tool_calls": c.boolean,
    "response_format": _response_format,
    "temperature": c.number(0, 2),
    "top_p": c.number(0, 1),
    "n": c.integer(1, 128),
    "max_tokens": c.integer(1),
    "max_completion_tokens": c.integer(1),
    "stop": _stop,
    "seed": c.integer(),
    "user": c.string,
    "logprobs": c.boolean,
    "top_logprobs": c.integer(0, 20),
    "presence_penalty": c.number(-2, 2),
    "frequency_penalty": c.number(-2, 2),
    "logit_bias": c.obj,
    "reasoning_effort": c.string,
    "prompt_cache_key": c.string,
    "metadata": c.obj,
    "modalities": c.list_of(c.string),
}


def check_request(body: Mapping[str, Any]) -> None:
    c.fields(
        body,
        "",
        {"model": c.nonempty_string, "messages": c.list_of(_message, min_items=1)},
        OPTIONAL_FIELDS,
    )
    _check_tool_choice_names_a_tool(body)


def _check_tool_choice_names_a_tool(body: Mapping[str, Any]) -> None:
    choice = body.get("tool_choice")
    if not isinstance(choice, Mapping) or choice.get("type") != "function":
        if choice == "required" and not body.get("tools"):
            raise bad_request("tool_choice 'required' needs at least one tool in tools", "tool_choice")
        return
    name = choice["function"]["name"]
    names = {t.get("function", {}).get("name") for t in body.get("tools") or () if t.get("type") == "function"}
    if name not in names:
        raise bad_request(f"tool_choice names the function {name!r}, which is not in tools", "tool_choice")
