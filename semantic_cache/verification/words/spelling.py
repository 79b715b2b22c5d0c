"""Two spellings of one word: the shared key, typos, abbreviations and slips of the keyboard."""

from __future__ import annotations

from functools import lru_cache

from semantic_cache.verification.lexical.checks import word_stem
from semantic_cache.verification.lexical.names import one_edit_apart


@lru_cache(maxsize=4096)
def key(word: str) -> str:
    """What two spellings of one word share: the guards' stem, after "-ly" and "-ies"."""
    if len(word) > 5 and word.endswith("ly"):
        word = word[:-2]
    elif len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    return word_stem(word)


def spelled_alike(a: str, b: str) -> bool:
    """A typo of a word of five letters or more, or an abbreviation ("env", "dict")."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and len(long) >= 5 and one_edit_apart(short, long):
        return True
    return len(short) >= 3 and long.startswith(short)


def typo(a: str, b: str) -> bool:
    """One slip of the keyboard in a word of five letters or more ("pasword", "contaner",
    "editer", "spcae"): people rarely get the first letter wrong, and words that differ in
    one letter but mean other things mostly differ in their vectors too (see TYPO_FLOOR)."""
    return a[0] == b[0] and max(len(a), len(b)) >= 5 and min(len(a), len(b)) >= 4 and one_edit_apart(a, b)


def common_suffix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return a[len(a) - n :]
