"""The Anthropic Messages request, checked field by field (see proxy/wire/checks.py).

Documented fields are checked for type and range, content blocks and tools by their type;
anything else passes through to the provider untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxy.errors import bad_request
from proxy.wire import checks as c


def _source(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.nonempty_string}, {})
    kind = value["type"]
    if kind == "base64":
        c.fields(value, where, {"media_type": c.nonempty_string, "data": c.nonempty_string}, {})
    elif kind == "url":
        c.fields(value, where, {"url": c.nonempty_string}, {})
    elif kind == "text":
        c.fields(value, where, {"data": c.string}, {})


def _cache_control(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.one_of({"ephemeral"})}, {"ttl": c.one_of({"5m", "1h"})})


def _block(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.nonempty_string}, {"cache_control": _cache_control})
    kind = value["type"]
    if kind == "text":
        c.fields(value, where, {"text": c.string}, {})
    elif kind in ("image", "document"):
        c.fields(value, where, {"source": _source}, {})
    elif kind == "tool_use":
        c.fields(value, where, {"id": c.nonempty_string, "name": c.nonempty_string, "input": c.obj}, {})
    elif kind == "tool_result":
        c.fields(value, where, {"tool_use_id": c.nonempty_string}, {"content": _content, "is_error": c.boolean})
    elif kind == "thinking":
        c.fields(value, where, {"thinking": c.string}, {"signature": c.string})
    elif kind == "redacted_thinking":
        c.fields(value, where, {"data": c.string}, {})
    # Other block types (server tools' results, citations, ...) are the provider's to judge.


def _content(value: Any, where: str) -> None:
    c.either(c.string, c.list_of(_block), "a string or a list of content blocks")(value, where)


def _message(value: Any, where: str) -> None:
    c.fields(value, where, {"role": c.one_of({"user", "assistant"}), "content": _content}, {})


def _tool(value: Any, where: str) -> None:
    if value is not None and isinstance(value, Mapping) and value.get("type") not in (None, "custom"):
        # Server tools (web_search_20250305, bash_20250124, ...) carry their own fields.
        c.fields(value, where, {"type": c.nonempty_string, "name": c.nonempty_string}, {})
        return
    c.fields(
        value,
        where,
        {"name": c.tool_name, "input_schema": c.obj},
        {"description": c.string, "cache_control": _cache_control},
    )


def _tool_choice(value: Any, where: str) -> None:
    c.fields(
        value,
        where,
        {"type": c.one_of({"auto", "any", "tool", "none"})},
        {"disable_parallel_tool_use": c.boolean},
    )
    if value["type"] == "tool":
        c.fields(value, where, {"name": c.tool_name}, {})


def _system(value: Any, where: str) -> None:
    c.either(c.string, c.list_of(_block), "a string or a list of text blocks")(value, where)


def _thinking(value: Any, where: str) -> None:
    c.fields(value, where, {"type": c.one_of({"enabled", "disabled", "adaptive"})}, {"budget_tokens": c.integer(0)})


OPTIONAL_FIELDS: Mapping[str, c.Check] = {
    "system": _system,
    "stream": c.boolean,
    "tools": c.list_of(_tool),
    "tool_choice": _tool_choice,
    "stop_sequences": c.list_of(c.string),
    "temperature": c.number(0, 1),
    "top_p": c.number(0, 1),
    "top_k": c.integer(0),
    "metadata": c.obj,
    "thinking": _thinking,
    "cache_control": _cache_control,
    "service_tier": c.string,
}


def check_request(body: Mapping[str, Any]) -> None:
    c.fields(
        body,
        "",
        {
            "model": c.nonempty_string,
            "max_tokens": c.integer(0),
            "messages": c.list_of(_message, min_items=1),
        },
        OPTIONAL_FIELDS,
    )
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("type") == "tool":
        names = {t.get("name") for t in body.get("tools") or ()}
        if choice["name"] not in names:
            raise bad_request(f"tool_choice names the tool {choice['name']!r}, which is not in tools", "tool_choice")


def check_count_tokens(body: Mapping[str, Any]) -> None:
    """`POST /v1/messages/count_tokens`: a messages request without max_tokens."""
    c.fields(body, "", {"model": c.nonempty_string, "messages": c.list_of(_message, min_items=1)}, OPTIONAL_FIELDS)
