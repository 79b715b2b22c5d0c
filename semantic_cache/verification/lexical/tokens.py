"""How the lexical rules cut a text into words: the patterns and the crude stem they share."""

from __future__ import annotations

import re
from functools import lru_cache

WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words plus the punctuation and arrows that end a phrase, for the rules that look at order.
TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|->|[→.,;:!?()\"]")
# Arrows stay among the words: they are connectors, like "to".
PUNCTUATION = frozenset({".", ",", ";", ":", "!", "?", "(", ")", '"'})
# Most prompts have no digit, and this finds that out far faster than a number pattern.
DIGIT_RE = re.compile(r"\d")
# The shortest stem a prefix swap leaves ("un" + "mount").
MIN_STEM = 3


@lru_cache(maxsize=4096)  # the same words come back request after request
def stem(word: str) -> str:
    """A crude stem, only good for telling whether two texts use the same word: "logged",
    "logs" and "log" all give "log"; "strings" and "string" give "str"."""
    word = word.removesuffix("'s")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):  # plural first: "strings"
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word
