"""The lookup tables the content-word stage reads, built from the word lists on first use.

Like `lexical/tables.py`: the lists are data (`data/words.toml`, and the guards' lists in
`data/guards.toml`), read by `lexicon.load()`; `load()` here builds what the stage looks words
up in (what is no content, what may be added, synonym groups by stem, common misspellings)
once per process and sets the attributes below. Nothing is read or built at import.
"""

from __future__ import annotations

import threading
from typing import Any

from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical import tables as lexical_tables
from semantic_cache.verification.words.spelling import key

# Words of the question's form ("difference", "calculate", "recommended") and of the synonym
# groups ("substitute") that people misspell: a letter dropped or two neighbours swapped, the
# first letter right, in words of six letters or more (shorter ones mostly make other words).
MIN_FORM_TYPO = 6
# Long unit words ("farenheit", "kilomters"); shorter ones give real words ("ponds", "moths").
MIN_UNIT_TYPO = 8

# Number words, which the guards compare.
NUMBER_WORDS: frozenset[str]
# Who asks and how, what the guards compare exactly (negations, numbers): never content.
NOT_CONTENT: frozenset[str]
# Generic nouns, with the guards' generic names ("on Earth").
GENERIC_NOUNS: frozenset[str]
# Words one side may add without a counterpart, and the same by first letter.
ADDABLE: frozenset[str]
ADDABLE_BY_INITIAL: dict[str, tuple[str, ...]]
PHRASE_STARTS: frozenset[str]
NAME_PHRASE_STARTS: frozenset[str]
# Stem -> the synonym groups it belongs to.
SYNONYMS: dict[str, frozenset[int]]
# Inflections of the scaffolding verbs ("tips for writing X" is "how to write X").
SCAFFOLDING_KEYS: frozenset[str]
# Misspelt question and function words ("wich", "teh"): no content words.
FILLER_TYPOS: frozenset[str]
# A misspelt form, synonym or long unit word -> the word ("recomended" -> "recommended").
FORM_WORD_TYPOS: dict[str, str]
# Prefixes that change what a word means ("overbought" / "oversold", "upgrade" / "update").
MEANING_PREFIXES: frozenset[str]

_lock = threading.Lock()
_loaded = False


def load() -> None:
    """Read the word lists and build the tables, once per process."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            lexical_tables.load()
            globals().update(_build())
            _loaded = True


def _synonym_index() -> dict[str, frozenset[int]]:
    index: dict[str, set[int]] = {}
    for group, members in enumerate(gw.SYNONYM_GROUPS):
        for word in members:
            index.setdefault(key(word), set()).add(group)
    return {stem: frozenset(groups) for stem, groups in index.items()}


def _filler_typos() -> frozenset[str]:
    """Slips in the question words ("wich", "wat", "whta"): a letter dropped or two swapped
    after the first, so the misspelt question word is no content word."""
    found: set[str] = set()
    for word in gw.FILLER:
        if not word.startswith("wh") or not word.isalpha():
            continue
        found.update(word[:i] + word[i + 1 :] for i in range(1, len(word)))
        found.update(word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1))
    return frozenset(w for w in found if len(w) >= 3) - gw.FILLER


def _form_word_typos(not_content: frozenset[str]) -> dict[str, str]:
    units = frozenset(w for spellings in gw.UNIT_GROUPS.values() for w in spellings if len(w) >= MIN_UNIT_TYPO)
    known = (
        gw.SCAFFOLDING | gw.MANNER_WORDS | gw.FILLER | gw.SOUND_ANSWER | units | frozenset().union(*gw.SYNONYM_GROUPS)
    )
    found: dict[str, str] = {}
    for word in sorted(known):
        if len(word) < MIN_FORM_TYPO or not word.isalpha():
            continue
        variants = {word[:i] + word[i + 1 :] for i in range(1, len(word))}
        variants |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
        for variant in variants - {word}:
            found.setdefault(variant, word)
    # Variants that are words of their own: "lunch" is no slip for "launch", nor "crate" for "create".
    taken = known | not_content | gw.REAL_WORDS
    return {typo: word for typo, word in found.items() if typo not in taken and key(typo) != key(word)}


def _build() -> dict[str, Any]:
    number_words = frozenset(gw.NUMBER_UNITS) | frozenset(gw.NUMBER_TENS) | frozenset(gw.NUMBER_SCALES)
    not_content = (
        gw.FILLER
        | gw.SCAFFOLDING
        | gw.FUNCTION_WORDS
        | gw.PHRASE_BREAKS
        | gw.NEGATIONS  # the guards compare negations and exclusions
        | gw.EXCLUSIONS
        | number_words  # ... and numbers
        | gw.NUMBER_ALONE.keys()
    )
    generic_nouns = gw.GENERIC_NOUNS | gw.GENERIC_NAMES
    addable = generic_nouns | gw.LIGHT_VERBS | gw.LOOKUP_VERBS | gw.SOUND_ANSWER | gw.EMPHASIS | gw.NARRATIVE
    return {
        "NUMBER_WORDS": number_words,
        "NOT_CONTENT": not_content,
        "GENERIC_NOUNS": generic_nouns,
        "ADDABLE": addable,
        "ADDABLE_BY_INITIAL": {i: tuple(w for w in addable if w[0] == i) for i in {w[0] for w in addable}},
        "PHRASE_STARTS": frozenset(phrase[0] for phrase in gw.PHRASES),
        "NAME_PHRASE_STARTS": frozenset(phrase[0] for phrase in gw.NAME_PHRASES),
        "SYNONYMS": _synonym_index(),
        "SCAFFOLDING_KEYS": frozenset(key(w) for w in gw.SCAFFOLDING if len(w) > 3),
        "FILLER_TYPOS": _filler_typos() | gw.FILLER_SLIPS,
        "FORM_WORD_TYPOS": _form_word_typos(not_content),
        "MEANING_PREFIXES": frozenset(p for pair in gw.PREFIX_PAIRS for p in pair if p) | gw.MEANING_PREFIXES,
    }
