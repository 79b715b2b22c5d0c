"""Turn request bodies into what the cache simulators and usage counters see.

OpenAI prompts become one token sequence in cache order (tools, then the
response_format / text.format schema, then messages, or instructions and input
items for Responses; PROVIDER_CACHING.md A.1). Anthropic prompts become lookback
positions in the order tools, system, messages with their ``cache_control``
breakpoints, validated as the real API does (B.1-B.3).

Serialisation keeps JSON key order on purpose: reordering schema keys or
``tool_use.input`` keys breaks a real cache, so it breaks this one too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .prefix_cache import Position, chain_digest
from .tokens import count_tokens, tokenize

MAX_BREAKPOINTS = 4
DEFAULT_ANTHROPIC_MIN_TOKENS = 1024
# Substring of the model name -> minimum cacheable prefix (B.3). First match wins;
# where sources conflict (Sonnet 4.6) the vendor docs' value is used.
ANTHROPIC_MIN_TOKENS_BY_MODEL: tuple[tuple[str, int], ...] = (
    ("haiku-4-5", 4096),
    ("opus-4-5", 4096),
    ("opus-4-6", 4096),
    ("sonnet-4-6", 2048),
    ("opus-4-7", 2048),
    ("haiku-3", 2048),
    ("3-haiku", 2048),
    ("3-5-haiku", 2048),
    ("opus-5", 512),
    ("fable-5", 512),
    ("mythos-5", 512),
)
# Images are priced by size upstream; a fixed count keeps the fake predictable.
IMAGE_TOKENS = 100


class PromptError(ValueError):
    """The request is malformed in a way the provider answers with a 400."""


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _without_cache_control(block: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "cache_control"}


# --------------------------------------------------------------------- OpenAI


def openai_content_text(content: object) -> str:
    """The text of a message ``content``: a string, null, or a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for part in content:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                pieces.append(part["text"])
            elif isinstance(part, Mapping):
                pieces.append(_dumps(_without_cache_control(part)))
        return "\n".join(pieces)
    return _dumps(content)


def openai_prompt_tokens(body: Mapping[str, Any]) -> list[str]:
    pieces: list[str] = []
    for tool in body.get("tools") or ():
        pieces.append(_dumps(tool))
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") != "text":
        pieces.append(_dumps(response_format))
    for message in body.get("messages") or ():
        if not isinstance(message, Mapping):
            continue
        pieces.append(str(message.get("role", "")))
        if message.get("name"):
            pieces.append(str(message["name"]))
        pieces.append(openai_content_text(message.get("content")))
        if message.get("tool_calls"):
            pieces.append(_dumps(message["tool_calls"]))
        if message.get("tool_call_id"):
            pieces.append(str(message["tool_call_id"]))
    return tokenize("\n".join(pieces))


def _responses_item_pieces(item: Mapping[str, Any]) -> list[str]:
    """What the model reads of one Responses item; ids and statuses are not part of it,
    so an output item sent back as input reads the same as the stored one."""
    kind = item.get("type")
    if kind == "message":
        return [str(item.get("role", "")), openai_content_text(item.get("content"))]
    if kind == "function_call":
        call = {name: item.get(name) for name in ("call_id", "name", "arguments")}
        return ["function_call", _dumps(call)]
    if kind == "function_call_output":
        return ["function_call_output", str(item.get("call_id", "")), openai_content_text(item.get("output"))]
    if kind == "reasoning":
        return ["reasoning", openai_content_text(item.get("summary"))]
    return [_dumps(item)]


def responses_prompt_tokens(body: Mapping[str, Any], context: Sequence[Mapping[str, Any]]) -> list[str]:
    """A Responses prompt in cache order: reasoning effort, tools, text format, instructions, items.

    ``context`` is every input item the model sees: a stored response's items
    (``previous_response_id``) followed by this request's input. A reasoning-effort
    change breaks an OpenAI cache (PROVIDER_CACHING.md A.1), so the effort leads.
    """
    pieces: list[str] = []
    reasoning = body.get("reasoning")
    if isinstance(reasoning, Mapping) and reasoning.get("effort"):
        pieces.append(f"reasoning_effort {reasoning['effort']}")
    for tool in body.get("tools") or ():
        pieces.append(_dumps(tool))
    text = body.get("text")
    text_format = text.get("format") if isinstance(text, Mapping) else None
    if isinstance(text_format, Mapping) and text_format.get("type") != "text":
        pieces.append(_dumps(text_format))
    if body.get("instructions"):
        pieces.extend(("developer", str(body["instructions"])))
    for item in context:
        pieces.extend(_responses_item_pieces(item))
    return tokenize("\n".join(pieces))


# ------------------------------------------------------------------ Anthropic


def anthropic_min_cache_tokens(
    model: str,
    table: Sequence[tuple[str, int]] = ANTHROPIC_MIN_TOKENS_BY_MODEL,
    default: int = DEFAULT_ANTHROPIC_MIN_TOKENS,
) -> int:
    for fragment, minimum in table:
        if fragment in model:
            return minimum
    return default


@dataclass(frozen=True)
class _Block:
    path: str  # for error messages, e.g. "messages.2.content.0"
    payload: str  # what the cache hashes
    tokens: int
    cache_control: Mapping[str, Any] | None
    run_kind: str | None  # consecutive tool_use / tool_result blocks share a position
    eligible: bool  # may carry a breakpoint (empty text and thinking may not)


def _block_tokens(block: Mapping[str, Any]) -> int:
    kind = block.get("type")
    if kind == "text":
        return count_tokens(str(block.get("text", "")))
    if kind == "tool_use":
        return count_tokens(str(block.get("name", ""))) + count_tokens(_dumps(block.get("input")))
    if kind == "tool_result":
        return count_tokens(openai_content_text(block.get("content")))
    if kind in ("thinking", "redacted_thinking"):
        return count_tokens(str(block.get("thinking", block.get("data", ""))))
    if kind == "image":
        return IMAGE_TOKENS
    return count_tokens(_dumps(_without_cache_control(block)))


def _content_block(path: str, block: Mapping[str, Any], run: bool, role: str = "") -> _Block:
    kind = block.get("type")
    empty_text = kind == "text" and not block.get("text")
    cache_control = block.get("cache_control")
    if cache_control is not None and empty_text:
        raise PromptError(f"{path}.text: cache_control cannot be set for empty text blocks")
    return _Block(
        path=path,
        payload=role + _dumps(_without_cache_control(block)),
        tokens=_block_tokens(block),
        cache_control=cache_control if isinstance(cache_control, Mapping) else None,
        run_kind=str(kind) if run and kind in ("tool_use", "tool_result") else None,
        eligible=not empty_text and kind not in ("thinking", "redacted_thinking"),
    )


def _anthropic_blocks(body: Mapping[str, Any]) -> Iterator[tuple[str, _Block]]:
    """(segment, block) pairs in cache order."""
    for i, tool in enumerate(body.get("tools") or ()):
        if not isinstance(tool, Mapping):
            raise PromptError(f"tools.{i}: Input should be an object")
        text = _dumps(_without_cache_control(tool))
        control = tool.get("cache_control")
        yield (
            "tools",
            _Block(
                f"tools.{i}",
                text,
                count_tokens(text),
                control if isinstance(control, Mapping) else None,
                None,
                True,
            ),
        )
    system = body.get("system")
    if isinstance(system, str) and system:
        yield (
            "system",
            _content_block("system", {"type": "text", "text": system}, False),
        )
    elif isinstance(system, list):
        for i, block in enumerate(system):
            if not isinstance(block, Mapping):
                raise PromptError(f"system.{i}: Input should be an object")
            yield "system", _content_block(f"system.{i}", block, False)
    for m, message in enumerate(body.get("messages") or ()):
        role = str(message.get("role", ""))
        content = message.get("content")
        if isinstance(content, str):
            text_block = {"type": "text", "text": content}
            yield (
                "messages",
                _content_block(f"messages.{m}.content", text_block, False, role),
            )
            continue
        for c, part in enumerate(content or ()):
            if not isinstance(part, Mapping):
                raise PromptError(f"messages.{m}.content.{c}: Input should be an object")
            yield (
                "messages",
                _content_block(f"messages.{m}.content.{c}", part, True, role),
            )


def _ttl(control: Mapping[str, Any]) -> str:
    return "1h" if control.get("ttl") == "1h" else "5m"


def anthropic_positions(body: Mapping[str, Any]) -> list[Position]:
    """Lookback positions of a Messages request, with its breakpoints applied.

    Raises PromptError for the 400s the real API gives: more than four
    ``cache_control`` blocks (counting the automatic one), a conflicting automatic
    breakpoint, or a 1h breakpoint after a 5m one.
    """
    digest = b""
    tokens = 0
    positions: list[Position] = []
    eligible: list[bool] = []
    previous_run: str | None = None
    segment_seen: set[str] = set()
    explicit = 0
    for segment, block in _anthropic_blocks(body):
        if segment == "messages" and segment not in segment_seen:
            # tool_choice and thinking settings invalidate the messages level (B.6).
            digest = chain_digest(digest, _dumps([body.get("tool_choice"), body.get("thinking")]))
        segment_seen.add(segment)
        digest = chain_digest(digest, block.payload)
        tokens += block.tokens
        ttl = _ttl(block.cache_control) if block.cache_control is not None else None
        explicit += ttl is not None
        if block.run_kind is not None and block.run_kind == previous_run and positions:
            last = positions[-1]
            positions[-1] = Position(digest, tokens, ttl or last.ttl)
        else:
            positions.append(Position(digest, tokens, ttl))
            eligible.append(block.eligible)
        previous_run = block.run_kind
    count = explicit + _apply_automatic(body.get("cache_control"), positions, eligible, explicit)
    if count > MAX_BREAKPOINTS:
        raise PromptError(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {count}.")
    _check_ttl_order(positions)
    return positions


def _apply_automatic(control: object, positions: list[Position], eligible: list[bool], explicit: int) -> int:
    """Place the top-level ``cache_control`` breakpoint; returns the slots it uses."""
    if not isinstance(control, Mapping):
        return 0
    ttl = _ttl(control)
    for index in range(len(positions) - 1, -1, -1):
        if not eligible[index]:
            continue
        current = positions[index]
        if current.ttl == ttl:
            return 0
        if current.ttl is not None:
            raise PromptError(
                f"cache_control: the last cacheable block already has cache_control with "
                f"ttl '{current.ttl}', which conflicts with the top-level ttl '{ttl}'."
            )
        positions[index] = Position(current.digest, current.end_tokens, ttl)
        return 1
    return 0


def _check_ttl_order(positions: Sequence[Position]) -> None:
    seen_short = False
    for position in positions:
        if position.ttl == "5m":
            seen_short = True
        elif position.ttl == "1h" and seen_short:
            raise PromptError("cache_control: a block with ttl='1h' must not come after a block with ttl='5m'.")
