"""Find fenced code blocks so that text rewriting steps can leave them alone.

Whitespace inside code is meaning (Python indentation, Makefile tabs, heredocs, diff
context lines), so canonicalization and hoisting only ever touch the prose between fences.
The rule follows CommonMark: an opening fence is a line indented by at most three spaces
that starts with three or more backticks or tildes; it is closed by a line of the same
character at least as long, with nothing else but whitespace; an unclosed fence runs to the
end of the text.
"""

from __future__ import annotations

import re

# `(?<![^\r\n])` is "at the start of the text or of a line", for any of the three line
# endings: fences are located before line endings are normalised, so CRLF code stays CRLF.
_FENCE_OPEN = re.compile(r"(?<![^\r\n]) {0,3}(`{3,}|~{3,})")
_LINE_END = re.compile(r"\r\n|\r|\n")


def has_fence(text: str) -> bool:
    return "```" in text or "~~~" in text


def _end_of_line(text: str, pos: int) -> int:
    match = _LINE_END.search(text, pos)
    return len(text) if match is None else match.end()


def split_fenced(text: str) -> list[tuple[bool, str]]:
    """Split `text` into (is_code, segment) pieces that concatenate back to `text`.

    A code segment runs from the start of its opening fence line through the end of its
    closing fence line (line ending included), so prose segments begin and end at line
    boundaries.
    """
    if not has_fence(text):
        return [(False, text)]
    pieces: list[tuple[bool, str]] = []
    emitted = 0
    search_from = 0
    while True:
        match = _FENCE_OPEN.search(text, search_from)
        if match is None:
            break
        fence = match.group(1)
        line_end = _end_of_line(text, match.end())
        # Backtick fences may not have backticks in their info string (CommonMark 4.5):
        # such a line is inline code, not a fence.
        if fence[0] == "`" and "`" in text[match.end() : line_end]:
            search_from = line_end
            continue
        close = re.compile(
            r"(?<![^\r\n]) {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}"
            r"[ \t]*(?:\r\n|\r|\n|\Z)"
        ).search(text, line_end)
        end = len(text) if close is None else close.end()
        if match.start() > emitted:
            pieces.append((False, text[emitted : match.start()]))
        pieces.append((True, text[match.start() : end]))
        emitted = search_from = end
        if close is None:
            break
    if emitted < len(text):
        pieces.append((False, text[emitted:]))
    return pieces
