"""Hoist: move per-request values out of the cached system layers.

A system prompt that says "Current time: 10:15:03" or "Request: req_8f3a..." is different
on every request, so nothing after it is ever served from a provider cache. This step
replaces such values in L0/L1 with stable placeholders (`{{time_1}}`) and states the values
in an L3 message placed after the cached prefix (see `layout.insert_l3`), e.g.

    Values of the placeholders in the instructions above:
    {{time_1}} = 10:15:03

Recognised: ISO timestamps, dates (2026-11-26, 26/11/2026, 26.11.2026, "Nov 26, 2026",
"Thursday, 26 November 2026"), clock times with seconds, a two-digit hour or am/pm (so
"16:9" and "John 3:16" are left alone), UUIDs, request-id-like tokens (`req_...`,
`msg_...`, `chatcmpl-...` with a digit in them) and hex ids of 16+ characters. Text inside
fenced code blocks is never changed: a value in an example is part of the example. The same
value always gets the same placeholder, and numbering follows first appearance, so a
prompt whose only change is its values keeps identical bytes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from proxy.pipeline.fences import has_fence, split_fenced
from proxy.pipeline.layout import insert_l3
from proxy.pipeline.request import L1_CONTEXT, MAPPING, Message, PipelineRequest

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?,?\s+)?"
_ORDINAL = r"(?:st|nd|rd|th)?"
# "pm" or "p.m.", but not the full stop after "pm." that ends a sentence.
_MERIDIEM = r"(?:[AaPp][Mm]|[AaPp]\.[Mm]\.)"

VOLATILE = re.compile(
    r"\b(?:"
    r"(?P<datetime>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?)"
    r"|(?P<date>\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
    rf"|{_WEEKDAY}{_MONTH}\.?\s+\d{{1,2}}{_ORDINAL},?\s+\d{{4}}"
    rf"|{_WEEKDAY}\d{{1,2}}{_ORDINAL}\s+{_MONTH}\.?,?\s+\d{{4}})"
    rf"|(?P<time>(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:\s?{_MERIDIEM})?"
    rf"|\d:[0-5]\d(?::[0-5]\d)?\s?{_MERIDIEM}|\d:[0-5]\d:[0-5]\d)"
    r"|(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(?P<id>(?:req|request|msg|run|sess|session|trace|span|call|chatcmpl|toolu|evt|txn|job)"
    r"[_-](?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{6,})"
    r"|(?P<hexid>(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{16,})"
    r")(?!\w)"
)

NOTE_HEADER = "Values of the placeholders in the instructions above:"

# Every volatile kind contains a digit. VOLATILE tries all its alternatives at every word
# boundary, which costs ~0.1 ms per KB, so it only runs in windows around digit runs:
# from 32 characters before the token holding the digits (room for "Wednesday, September
# ") to the first whitespace at least 48 characters after them (room for " p.m. UTC"),
# never cutting a token. `\b` sees the whole string, so a window may start mid-word.
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s")
_BEFORE = 32
_AFTER = 48
# Finding digits with str.find (ten memchr-speed scans) instead of the regex engine's
# per-character loop (~0.05 ms for a 6 KB prompt) pays while digits are few.
_FIND_DIGITS_MAX = 128


def _digit_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of digits (what `\\d+` finds), in order."""
    if text.isascii():
        positions: list[int] = []
        for digit in "0123456789":
            at = text.find(digit)
            while at != -1 and len(positions) <= _FIND_DIGITS_MAX:
                positions.append(at)
                at = text.find(digit, at + 1)
        if len(positions) <= _FIND_DIGITS_MAX:
            positions.sort()
            runs: list[tuple[int, int]] = []
            for at in positions:
                if runs and runs[-1][1] == at:
                    runs[-1] = (runs[-1][0], at + 1)
                else:
                    runs.append((at, at + 1))
            return runs
    return [run.span() for run in _DIGITS.finditer(text)]


def _token_start(text: str, pos: int) -> int:
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _windows(text: str) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for run_start, run_end in _digit_runs(text):
        if windows and run_start < windows[-1][1]:
            start = windows[-1][0]
        else:
            start = max(0, _token_start(text, run_start) - _BEFORE)
        space = _SPACE.search(text, min(len(text), run_end + _AFTER))
        end = len(text) if space is None else space.start()
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


@lru_cache(maxsize=512)
def volatile_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, kind) of each volatile value in `text`, outside fenced code.

    Memoised: the system layers are the same text request after request.
    """
    spans = []
    for code, offset, segment in _segments(text):
        if code:
            continue
        for start, end in _windows(segment):
            for match in VOLATILE.finditer(segment, start, end):
                spans.append((offset + match.start(), offset + match.end(), match.lastgroup or "value"))
    return tuple(spans)


def _segments(text: str) -> list[tuple[bool, int, str]]:
    if not has_fence(text):
        return [(False, 0, text)]
    pieces = []
    offset = 0
    for code, segment in split_fenced(text):
        pieces.append((code, offset, segment))
        offset += len(segment)
    return pieces


class _Placeholders:
    """Assigns `{{kind_n}}` names in order of first appearance."""

    def __init__(self) -> None:
        self.by_value: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def name_for(self, value: str, kind: str) -> str:
        name = self.by_value.get(value)
        if name is None:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            name = f"{kind}_{self.counts[kind]}"
            self.by_value[value] = name
        return "{{" + name + "}}"

    def text(self, text: str) -> str:
        spans = volatile_spans(text)
        if not spans:
            return text
        pieces = []
        pos = 0
        for start, end, kind in spans:
            pieces.append(text[pos:start])
            pieces.append(self.name_for(text[start:end], kind))
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)

    def content(self, content: Any) -> Any:
        if isinstance(content, str):
            return self.text(content)
        if isinstance(content, tuple):
            return tuple(
                {**p, "text": self.text(p["text"])}
                if isinstance(p, MAPPING) and p.get("type") == "text" and isinstance(p.get("text"), str)
                else p
                for p in content
            )
        return content


def apply(req: PipelineRequest) -> PipelineRequest:
    placeholders = _Placeholders()
    messages: list[Message] = []
    for message in req.messages:
        if message.layer is not None and message.layer <= L1_CONTEXT:
            content = placeholders.content(message.content)
            if content != message.content:
                message = replace(message, content=content)
        messages.append(message)
    if not placeholders.by_value:
        return req
    lines = [NOTE_HEADER] + ["{{" + name + "}} = " + value for value, name in placeholders.by_value.items()]
    hoisted = tuple(f"{name}={value}" for value, name in placeholders.by_value.items())
    req = replace(
        req,
        messages=tuple(messages),
        diagnostics=replace(req.diagnostics, hoisted=req.diagnostics.hoisted + hoisted),
    )
    return insert_l3(req, "\n".join(lines))
