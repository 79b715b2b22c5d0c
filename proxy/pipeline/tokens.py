"""A fast token *estimate*, not a tokenizer.

The pipeline has a budget of well under a millisecond per request, so it cannot run a BPE
tokenizer (tiktoken/LiteLLM take tens of microseconds per message and need their vocabulary
files). English prose and code average about four characters per token in the GPT and Claude
vocabularies; characters outside ASCII (accents, CJK) cost more, roughly one token per two
extra UTF-8 bytes. Expect +-25% against a real tokenizer: good enough for truncation budgets
and for deciding whether a prefix clears a provider's minimum cacheable length, which is
itself a coarse threshold. Provider-reported usage remains the number of record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from proxy.pipeline.request import MAPPING, Message

# Role markers and separators the providers add around each message.
MESSAGE_OVERHEAD = 4
# Images are priced by size, which the pipeline cannot see; this is a mid-size image.
IMAGE_TOKENS = 800


def text_tokens(text: str) -> int:
    n = len(text)
    if text.isascii():
        return (n + 3) // 4
    extra = len(text.encode("utf-8")) - n
    return (n + 3) // 4 + (extra + 1) // 2


def _json_tokens(value: Any) -> int:
    return text_tokens(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_jsonable))


def _jsonable(value: Any) -> Any:
    if isinstance(value, MAPPING):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def part_tokens(part: Mapping[str, Any]) -> int:
    # Wire JSON is plain dicts; their `get` is the fast path.
    kind = part.get("type")
    if kind == "text":
        text = part.get("text")
        return text_tokens(text) if isinstance(text, str) else 0
    if kind in ("image", "image_url", "document", "file", "input_audio"):
        return IMAGE_TOKENS
    if kind == "tool_result":
        return 4 + content_tokens(part.get("content"))
    if kind == "tool_use":
        return 4 + text_tokens(str(part.get("name", ""))) + _json_tokens(part.get("input"))
    if kind in ("thinking", "redacted_thinking"):
        text = part.get("thinking") or part.get("data") or ""
        return text_tokens(text) if isinstance(text, str) else 0
    return _json_tokens(part)


def content_tokens(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return text_tokens(content)
    # Wire content is a tuple or list, checked before the Iterable ABC: an ABC check
    # costs more than counting a short text.
    if isinstance(content, (tuple, list, Iterable)):
        return sum([part_tokens(p) for p in content if isinstance(p, MAPPING)])
    return 0


def message_tokens(message: Message) -> int:
    content = message.content
    if type(content) is str and not message.fields:
        return MESSAGE_OVERHEAD + text_tokens(content)
    total = MESSAGE_OVERHEAD + content_tokens(content)
    calls = message.fields.get("tool_calls")
    if calls:
        for call in calls:
            fn = call.get("function") or {}
            total += 4 + text_tokens(str(fn.get("name", ""))) + text_tokens(str(fn.get("arguments", "")))
    return total


def tools_tokens(tools: Iterable[Mapping[str, Any]]) -> int:
    # One encoder call for all tools: per-tool calls cost more than the encoding itself.
    return _json_tokens(list(tools))
