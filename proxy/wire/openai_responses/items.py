"""Responses API input items <-> the pipeline's messages (the OpenAI chat dialect), and
back, losslessly for a native upstream.

- `instructions` becomes a leading system message tagged `INSTRUCTIONS`;
- message items become messages; their parts become chat parts (`input_text` /
  `output_text` -> `text`, `input_image` -> `image_url`, `input_file` -> `file`), and what
  chat has no field for (the part's original type, an item's id, status, phase) rides in
  `ITEM` / `PART` keys that only the native rendering reads;
- consecutive `function_call` items become one assistant message with `tool_calls` (chat
  wants a turn's calls together, before their results), `function_call_output` items
  become `tool` messages;
- any other item (reasoning, item references, built-in tools' calls) is carried whole: the
  native rendering sends it as it came, the chat bridge drops reasoning (no other provider
  can read it) and refuses the rest with a 400 naming it.

Function tools move between the flat Responses shape and chat's nested one the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from proxy.errors import bad_request
from proxy.pipeline.request import Message

INSTRUCTIONS = "lc_instructions"
# On a message: the Responses item's own fields (type, id, status, phase, or a whole opaque
# item); on a part: the original part's fields chat has no place for.
ITEM = "lc_item"
PART = "lc_part"
PRIVATE = frozenset({INSTRUCTIONS, ITEM})

_TEXT_TYPES = ("input_text", "output_text")


def _part_to_chat(part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind in _TEXT_TYPES:
        extra = {k: v for k, v in part.items() if k not in ("type", "text", "prompt_cache_breakpoint")}
        chat: dict[str, Any] = {"type": "text", "text": part["text"]}
        if part.get("prompt_cache_breakpoint") is not None:
            chat["prompt_cache_breakpoint"] = part["prompt_cache_breakpoint"]
        chat[PART] = {"type": kind, **extra}
        return chat
    if kind == "input_image" and part.get("image_url"):
        image: dict[str, Any] = {"url": part["image_url"]}
        if part.get("detail"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image, PART: dict(part)}
    if kind == "input_file":
        file = {k: part[k] for k in ("file_id", "file_data", "filename") if part.get(k)}
        return {"type": "file", "file": file, PART: dict(part)}
    return {"type": "lc_opaque", PART: dict(part)}


def _part_to_native(part: Mapping[str, Any], role: str) -> dict[str, Any]:
    original = part.get(PART)
    kind = part.get("type")
    if kind == "text":
        native_type = original.get("type") if isinstance(original, Mapping) else None
        native_type = native_type or ("output_text" if role == "assistant" else "input_text")
        native = {**(original or {}), "type": native_type, "text": part["text"]}
        if native_type == "output_text":
            native.setdefault("annotations", [])
        if part.get("prompt_cache_breakpoint") is not None:
            native["prompt_cache_breakpoint"] = part["prompt_cache_breakpoint"]
        return native
    if isinstance(original, Mapping):
        return dict(original)
    return dict(part)


def _content_to_chat(content: Any) -> str | tuple[Mapping[str, Any], ...]:
    if isinstance(content, str):
        return content
    return tuple(_part_to_chat(part) for part in content)


def _item_extras(item: Mapping[str, Any], used: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in used}


def to_messages(instructions: str | None, items: Any) -> tuple[Message, ...]:
    messages: list[Message] = []
    if instructions:
        messages.append(Message("system", instructions, MappingProxyType({INSTRUCTIONS: True})))
    if isinstance(items, str):
        messages.append(Message("user", items))
        return tuple(messages)
    calls: list[Mapping[str, Any]] = []

    def flush_calls() -> None:
        if not calls:
            return
        tool_calls = [
            {"id": c["call_id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in calls
        ]
        extras = [_item_extras(c, ("call_id", "name", "arguments")) for c in calls]
        messages.append(Message("assistant", None, MappingProxyType({"tool_calls": tool_calls, ITEM: extras})))
        calls.clear()

    for item in items:
        kind = item.get("type", "message")
        if kind == "function_call":
            calls.append(item)
            continue
        flush_calls()
        if kind == "message":
            extras = _item_extras(item, ("role", "content"))
            messages.append(Message(item["role"], _content_to_chat(item["content"]), MappingProxyType({ITEM: extras})))
        elif kind == "function_call_output":
            output = item["output"]
            content = output if isinstance(output, str) else _content_to_chat(output)
            fields = {"tool_call_id": item["call_id"], ITEM: _item_extras(item, ("call_id", "output"))}
            messages.append(Message("tool", content, MappingProxyType(fields)))
        else:
            messages.append(Message("assistant", None, MappingProxyType({ITEM: dict(item)})))
    flush_calls()
    return tuple(messages)


def _is_opaque(message: Message) -> bool:
    return message.content is None and "tool_calls" not in message.fields and ITEM in message.fields


def to_native(messages: Sequence[Message]) -> tuple[str | None, list[dict[str, Any]]]:
    """(instructions, input items) for a native Responses upstream."""
    instructions: str | None = None
    items: list[dict[str, Any]] = []
    for message in messages:
        fields = message.fields
        if fields.get(INSTRUCTIONS) and isinstance(message.content, str) and instructions is None:
            instructions = message.content
            continue
        extras = fields.get(ITEM)
        if _is_opaque(message) and isinstance(extras, Mapping):
            items.append(dict(extras))
            continue
        if message.role == "assistant" and fields.get("tool_calls"):
            per_call = extras if isinstance(extras, list) else [{} for _ in fields["tool_calls"]]
            for call, extra in zip(fields["tool_calls"], per_call, strict=False):
                function = call["function"]
                items.append(
                    {
                        **(extra or {"type": "function_call"}),
                        "call_id": call["id"],
                        "name": function["name"],
                        "arguments": function["arguments"],
                    }
                )
            continue
        if message.role == "tool":
            output: Any = message.content
            if isinstance(output, tuple):
                output = [_part_to_native(p, "user") for p in output]
            base = extras if isinstance(extras, Mapping) else {"type": "function_call_output"}
            items.append({**base, "call_id": fields["tool_call_id"], "output": output})
            continue
        content: Any = message.content
        if isinstance(content, tuple):
            content = [_part_to_native(p, message.role) for p in content]
        base = dict(extras) if isinstance(extras, Mapping) else {}
        base.update({"role": message.role, "content": content})
        items.append(base)
    return instructions, items


def _chat_part(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    if part.get("type") == "lc_opaque":
        original = part.get(PART) or {}
        raise bad_request(f"Content of type {original.get('type')!r} cannot be sent to this route", where)
    return {k: v for k, v in part.items() if k != PART}


def to_chat_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """The messages as a chat-completions `messages` list (for routes without Responses)."""
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        where = f"input.{index}"
        if _is_opaque(message):
            item = message.fields[ITEM]
            if item.get("type") == "reasoning":
                continue  # only the provider that wrote it can read it
            raise bad_request(f"Input items of type {item.get('type')!r} cannot be sent to this route", where)
        rendered: dict[str, Any] = {"role": message.role}
        content = message.content
        if isinstance(content, tuple):
            rendered["content"] = [_chat_part(p, where) for p in content]
        else:
            rendered["content"] = content
        rendered.update({k: v for k, v in message.fields.items() if k not in PRIVATE})
        out.append(rendered)
    return out


# --- tools -------------------------------------------------------------------------------


def tool_to_chat(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    """A flat Responses function tool in chat's shape; other tools as they are."""
    if tool.get("type") != "function":
        return tool
    function = {k: v for k, v in tool.items() if k != "type"}
    return {"type": "function", "function": function}


def tool_to_native(tool: Mapping[str, Any]) -> dict[str, Any]:
    function = tool.get("function")
    if tool.get("type") == "function" and isinstance(function, Mapping):
        return {**{k: v for k, v in tool.items() if k != "function"}, **function}
    return dict(tool)


def tools_for_chat(tools: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    for index, tool in enumerate(tools):
        if tool.get("type") != "function":
            raise bad_request(f"Tools of type {tool.get('type')!r} cannot be used on this route", f"tools.{index}")
    return [{"type": "function", "function": {k: v for k, v in t["function"].items() if v is not None}} for t in tools]
