"""A cheap, deterministic stand-in for a real tokenizer.

A token is a run of word characters or a single non-space punctuation character
(regex ``\\w+|[^\\w\\s]``), so ``"Hello, world!"`` is 4 tokens. Real BPE tokenizers
split long words further, but the cache rules only need counts that are stable,
additive over concatenation of whitespace-separated text, and easy for a test to
predict: ``"word " * 2000`` is exactly 2000 tokens.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    return sum(1 for _ in _TOKEN.finditer(text))


def truncate_to_tokens(text: str, limit: int) -> str:
    """The shortest prefix of ``text`` that holds its first ``limit`` tokens."""
    if limit <= 0:
        return ""
    for index, match in enumerate(_TOKEN.finditer(text), start=1):
        if index == limit:
            return text[: match.end()]
    return text
