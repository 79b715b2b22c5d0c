"""Canonicalize: the same meaning always becomes the same bytes.

Provider prefix caches match bytes, so a client that sends its tools in a different order,
or a system prompt with CRLF line endings or trailing spaces, would otherwise miss the cache
for no reason. Every rewrite here must keep the meaning; the original LayerCache collapsed
indentation (breaking code) and parsed "1.10" into 1.1, and both are what this module is
written to avoid:

- text outside fenced code blocks: CRLF/CR -> LF, trailing spaces and tabs removed from each
  line, runs of blank lines reduced to one, blank lines at the start and whitespace at the
  end removed. Leading indentation is never touched, nor anything inside a fence.
- text that is one JSON object or array: insignificant whitespace removed; keys, key order,
  duplicate keys and number literals kept exactly (the document is re-tokenised, never
  re-encoded from parsed values).
- tool definitions: sorted by name, dict keys sorted recursively (values untouched).
- OpenAI tool-call `arguments` that parse as JSON: keys sorted, compact, number literals kept.
- Anthropic `tool_use.input`: keys sorted recursively.
- only `text` parts/blocks are rewritten: thinking blocks carry signatures and must come back
  verbatim, images and documents are opaque.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from proxy.pipeline.fences import has_fence, split_fenced
from proxy.pipeline.request import MAPPING, Message, PipelineRequest

# Texts up to this size are memoised: system prompts, tools' texts and session history
# come back on every turn, so in a running conversation nearly every text is a hit.
# 1024 entries of at most 16 KB bound the memory.
_MEMO_MAX_CHARS = 16_384
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"]+')


def _prose(segment: str) -> str:
    # String methods, not regexes: the regex engine tries a match at every character
    # (~0.1 ms for a 6 KB system prompt per pattern), str.split/rstrip/replace run in C.
    if "\r" in segment:
        segment = segment.replace("\r\n", "\n").replace("\r", "\n")
    if " \n" in segment or "\t\n" in segment or segment.endswith((" ", "\t")):
        # Trailing spaces and tabs of every line (what `[ \t]+$` with MULTILINE removes).
        segment = "\n".join([line.rstrip(" \t") for line in segment.split("\n")])
    # Runs of three or more line breaks become two; each pass shortens a run by a third.
    while "\n\n\n" in segment:
        segment = segment.replace("\n\n\n", "\n\n")
    return segment


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # A parse would keep only the last value; the caller must keep the text as sent.
        raise ValueError("duplicate key")
    return result


def minify_json_text(text: str) -> str | None:
    """The compact form of a JSON object/array document, or None if `text` is not one."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return None
    try:
        json.loads(stripped, object_pairs_hook=_reject_duplicates)
    except ValueError:
        return None
    # Valid JSON: whitespace between tokens carries no meaning, whitespace inside string
    # tokens is kept by the string alternative of the pattern.
    return "".join(_JSON_TOKEN.findall(stripped))


def _needs_work(text: str) -> bool:
    # Plain substring tests: a regex alternation costs a pass per alternative per
    # character, and most texts need nothing.
    return (
        "\r" in text
        or " \n" in text
        or "\t\n" in text
        or "\n\n\n" in text
        or text[-1:].isspace()
        or text.lstrip(" \t").startswith("\n")
    )


def canonical_text(text: str) -> str:
    if len(text) <= _MEMO_MAX_CHARS:
        return _canonical_text_memo(text)
    return _canonical_text(text)


def _canonical_text(text: str) -> str:
    minified = minify_json_text(text)
    if minified is not None:
        return minified
    if not _needs_work(text):
        return text
    if has_fence(text):
        split = split_fenced(text)
        pieces = []
        after_code = False
        for code, seg in split:
            if code:
                pieces.append(seg)
            elif after_code:
                # The fence's own line ending precedes this segment: count it when
                # limiting blank lines, then drop it again.
                pieces.append(_prose("\n" + seg)[1:])
            else:
                pieces.append(_prose(seg))
            after_code = code
        last_is_code = split[-1][0]
        out = "".join(pieces)
    else:
        stripped = text.rstrip()
        if not _needs_work(stripped):
            # Only whitespace at the end (most chat turns): all of it goes.
            return stripped if stripped else text
        last_is_code = False
        out = _prose(text)
    out = _LEADING_BLANK_LINES.sub("", out)
    if not last_is_code:
        out = out.rstrip()
    # A whitespace-only text would become an empty block, which Anthropic rejects.
    return out if out else text


_canonical_text_memo = lru_cache(maxsize=1024)(_canonical_text)


def sort_keys_deep(value: Any) -> Any:
    """Dicts with keys sorted at every depth; lists keep their order; scalars untouched."""
    # Exact-type checks first: isinstance against the Mapping ABC is slow, and wire JSON is
    # plain dicts, lists and scalars.
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is dict or isinstance(value, MAPPING):
        return {k: sort_keys_deep(value[k]) for k in sorted(value)}
    if kind is list or kind is tuple:
        return [sort_keys_deep(v) for v in value]
    return value


class _Number(str):
    """A JSON number literal kept as written (so 1.10 stays 1.10 and 1e400 stays finite)."""


def _emit(value: Any) -> str:
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _emit(value[k]) for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_emit(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def canonical_arguments(arguments: str) -> str:
    """Tool-call arguments with sorted keys and no whitespace, or unchanged if not JSON.

    Memoised like `canonical_text`: the same calls come back in every later turn."""
    if len(arguments) <= _MEMO_MAX_CHARS:
        return _canonical_arguments_memo(arguments)
    return _canonical_arguments(arguments)


def _canonical_arguments(arguments: str) -> str:
    try:
        parsed = json.loads(
            arguments,
            parse_float=_Number,
            parse_int=_Number,
            parse_constant=_Number,
            object_pairs_hook=_reject_duplicates,
        )
    except ValueError:
        return arguments
    return _emit(parsed)


_canonical_arguments_memo = lru_cache(maxsize=1024)(_canonical_arguments)


def _canonical_part(part: Mapping[str, Any]) -> Mapping[str, Any]:
    kind = part.get("type")
    if kind == "text":
        text = part.get("text")
        if isinstance(text, str):
            new = canonical_text(text)
            if new is not text:
                return {**part, "text": new}
        return part
    if kind == "tool_use":
        tool_input = part.get("input")
        if isinstance(tool_input, MAPPING):
            return {**part, "input": sort_keys_deep(tool_input)}
        return part
    if kind == "tool_result":
        content = part.get("content")
        new_content = _canonical_content(content)
        if new_content is not content:
            return {**part, "content": new_content}
    return part


def _canonical_content(content: Any) -> Any:
    if isinstance(content, str):
        return canonical_text(content)
    if isinstance(content, (tuple, list)):
        parts = [_canonical_part(p) if isinstance(p, MAPPING) else p for p in content]
        if all(a is b for a, b in zip(parts, content, strict=True)):
            return content
        return tuple(parts) if isinstance(content, tuple) else parts
    return content


def _canonical_tool_calls(calls: Any) -> Any:
    """`calls` with canonical arguments; the same object when nothing changed."""
    new_calls = []
    changed = False
    for call in calls:
        fn = call.get("function") if isinstance(call, MAPPING) else None
        args = fn.get("arguments") if isinstance(fn, MAPPING) else None
        if isinstance(args, str):
            new_args = canonical_arguments(args)
            if new_args != args:
                call = {**call, "function": {**fn, "arguments": new_args}}  # type: ignore[dict-item]
                changed = True
        new_calls.append(call)
    return new_calls if changed else calls


def canonical_message(message: Message) -> Message:
    content = message.content
    # Plain strings (most turns) go straight to the memoised text rewrite.
    content = canonical_text(content) if type(content) is str else _canonical_content(content)
    fields = message.fields
    calls = fields.get("tool_calls") if fields else None
    if calls:
        new_calls = _canonical_tool_calls(calls)
        if new_calls is not calls:
            fields = {**fields, "tool_calls": new_calls}
    if content is message.content and fields is message.fields:
        return message
    # The constructor, not dataclasses.replace: this runs once per message per request.
    return Message(message.role, content, fields, message.layer)


def _tool_name(tool: Mapping[str, Any]) -> str:
    fn = tool.get("function")
    if isinstance(fn, MAPPING) and isinstance(fn.get("name"), str):
        return str(fn["name"])
    name = tool.get("name")
    return name if isinstance(name, str) else ""


def _sorted_tools(tools: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    # Stable sort: tools without a name (or sharing one) keep the client's relative order.
    return tuple(sort_keys_deep(t) for t in sorted(tools, key=_tool_name))


_encode_as_sent = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@lru_cache(maxsize=256)
def _canonical_tools_json(encoded: str) -> str:
    return _encode_as_sent(_sorted_tools(json.loads(encoded)))


def canonical_tools(tools: tuple[Mapping[str, Any], ...]) -> tuple[Mapping[str, Any], ...]:
    """Tools sorted by name with their keys sorted at every depth.

    Memoised by the tools' JSON as sent (one C-encoder call): an application sends the
    same dozen schemas with every request, and sorting them in Python costs ~0.1 ms. A hit
    is parsed again (in C) rather than shared, because the transport hands the dicts to
    LiteLLM, which may change them in place. Tools that are not plain JSON are sorted
    directly.
    """
    if not tools:
        return ()
    try:
        encoded = _encode_as_sent(tools)
    except (TypeError, ValueError):
        return _sorted_tools(tools)
    canonical_json = _canonical_tools_json(encoded)
    result = tuple(json.loads(canonical_json))
    if "cache_control" not in canonical_json and "prompt_cache_breakpoint" not in canonical_json:
        # Without markers this string is also the tools' fingerprint encoding, which the
        # prefix check would otherwise compute again (fingerprints.tools_json).
        _known_json[id(result)] = (result, canonical_json)
        if len(_known_json) > _KNOWN_JSON_MAX:
            _known_json.pop(next(iter(_known_json)), None)
    return result


# id(tools tuple) -> (that tuple, its canonical JSON): the tuple is held so that its id
# cannot be reused while the entry lives; a lookup also checks identity.
_known_json: dict[int, tuple[tuple[Mapping[str, Any], ...], str]] = {}
_KNOWN_JSON_MAX = 64


def canonical_tools_json(tools: tuple[Mapping[str, Any], ...]) -> str | None:
    """The compact, key-sorted JSON of `tools` if this module produced that very tuple
    (without cache markers) recently, else None. Tuples are immutable and the dicts in
    them are not changed by convention, so the string still describes them."""
    entry = _known_json.get(id(tools))
    return entry[1] if entry is not None and entry[0] is tools else None


def apply(req: PipelineRequest) -> PipelineRequest:
    return replace(
        req,
        messages=tuple([canonical_message(m) for m in req.messages]),
        tools=canonical_tools(req.tools),
    )
