"""The lookup tables the guards' rules read, built from the word lists on first use.

The word lists are data (`semantic_cache/verification/data/guards.toml`, read by
`lexicon.load()`); the rules need them as lookup structures: word -> unit, word -> the sides
of opposite pairs it is on, alias spellings -> one canonical name, compiled patterns. `load()`
builds them once per process, after the word lists, and sets the attributes below; nothing
is read or built at import. The rules call `load()` at their entry points
(`checks.guards_agree` and the readers), which costs one test of a flag once it has run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical.tokens import MIN_STEM, PUNCTUATION, WORD_RE

LOWER_US_RE: re.Pattern[str]
UNIT_BY_WORD: dict[str, str]
UNIT_WORDS: frozenset[str]
CSS_WORDS: frozenset[str]
UNIT_SYMBOL_RE: re.Pattern[str]
UNIT_SYMBOL_CHAR_RE: re.Pattern[str]
UNIT_AFTER_NUMBER_RE: re.Pattern[str]
ALIAS_CANONICAL: dict[str, str]
ALIAS_PATTERNS: dict[str, tuple[tuple[str, bool], ...]]
ALIAS_TRIGGERS: frozenset[str]
SCALED_RE: re.Pattern[str]
NUMBER_WORDS: frozenset[str]
UNIT_SPELLINGS: dict[str, str]
PRIVATIVE_FORMS: dict[str, str]
PRIVATIVE_FAMILY: dict[str, frozenset[str]]
EXCLUSION_HEADS: frozenset[str]
POLARITY_WORDS: frozenset[str]
NOT_A_NOUN: frozenset[str]
ALL_OPPOSITES: tuple[tuple[str, str], ...]
SIDES_BY_WORD: dict[str, tuple[tuple[int, int], ...]]
AFFIRMS: dict[str, frozenset[str]]
SWAPS: dict[str, tuple[str, ...]]
PREFIXES_BY_INITIAL: dict[str, tuple[str, ...]]
MIN_PREFIXED: int
NOT_PREFIXED: tuple[str, ...]
PARTICLE_SIDES: dict[str, tuple[int, int]]
PARTICLE_WORDS: frozenset[str]
CONNECTOR_WORDS: frozenset[str]
PARTICLE_VERB_FORMS: frozenset[str]
SHORT_NAMES: dict[str, tuple[str, ...]]
FILE_NAME_RE: re.Pattern[str]
IMPLIED_WORDS: dict[str, frozenset[str]]
IMPLIED_OTHERS: dict[str, tuple[str, ...]]
NOT_A_MODIFIER: frozenset[str]
SCOPE_WORDS: frozenset[str]
NOT_QUANTIFIED: frozenset[str]
NOT_A_QUOTED_WORD: frozenset[str]

_lock = threading.Lock()
_loaded = False


def load() -> None:
    """Read the word lists and build the tables, once per process."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            gw.load()
            globals().update(_build())
            _loaded = True


def _verb_forms(verb: str) -> set[str]:
    """`verb` and its regular inflections ("stop" -> stops, stopped, stopping).

    It over-generates on purpose ("open" also gives "openned"): a form nobody writes costs
    nothing, while a missing real one lets a near miss through.
    """
    forms = {verb, *gw.IRREGULAR_FORMS.get(verb, "").split(",")} - {""}
    consonant_y = verb.endswith("y") and verb[-2:-1] not in ("a", "e", "i", "o", "u")
    if verb.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(verb + "es")
    elif consonant_y:
        forms.update((verb[:-1] + "ies", verb[:-1] + "ied"))
    else:
        forms.add(verb + "s")
    if verb.endswith("ie"):
        forms.update((verb + "d", verb[:-2] + "ying"))
    elif verb.endswith("e"):
        forms.update((verb + "d", verb[:-1] + "ing", verb + "ing"))  # closing, agreeing
    else:
        forms.update((verb + "ed", verb + "ing"))
        if verb[-1] not in "aeiouwxy":  # stopped, zipping
            forms.update((verb + verb[-1] + "ed", verb + verb[-1] + "ing"))
    return forms


def _alias_tables() -> tuple[dict[str, str], dict[str, tuple[tuple[str, bool], ...]]]:
    canonical: dict[str, str] = {}
    by_trigger: dict[str, list[tuple[str, bool]]] = {}
    for name, variants in gw.ALIASES:
        for variant in variants:
            case_sensitive = variant.startswith("=")
            spelling = variant.lstrip("=")
            canonical[" ".join(spelling.lower().split())] = name
            body = r"[\s-]+".join(re.escape(part) for part in spelling.split())
            # Case-sensitive variants are acronyms ("US", not the pronoun): no plural either.
            pattern = f"(?-i:{body})" if case_sensitive else f"{body}s?"
            first = WORD_RE.findall(spelling.lower())[0]
            # A one-word variant may come in the plural ("Americans"), which is another word.
            for trigger in (first,) if case_sensitive or " " in spelling else (first, first + "s"):
                by_trigger.setdefault(trigger, []).append((pattern, case_sensitive))
    return canonical, {trigger: tuple(found) for trigger, found in by_trigger.items()}


def _negative_prefix(adjective: str) -> str:
    return "im" if adjective[0] in "bmp" else "il" if adjective[0] == "l" else "ir" if adjective[0] == "r" else "in"


def _index_opposites(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[tuple[int, int], ...]]:
    """word -> every (pair, side) it belongs to."""
    index: dict[str, list[tuple[int, int]]] = {}
    for pair_index, pair in enumerate(pairs):
        for side, spec in enumerate(pair):
            for word in spec.split():
                forms = _verb_forms(word[:-1]) if word.endswith("+") else {word}
                for form in forms:
                    index.setdefault(form, []).append((pair_index, side))
    return {word: tuple(dict.fromkeys(found)) for word, found in index.items()}


def _same_side_words(word: str, _SIDES_BY_WORD: dict[str, tuple[tuple[int, int], ...]]) -> frozenset[str]:
    """`word`, its forms, and every word on its side of an opposite pair ("keep": "retained")."""
    sides = set(_SIDES_BY_WORD.get(word, ()))
    return frozenset(_verb_forms(word)) | {w for w, memberships in _SIDES_BY_WORD.items() if sides & set(memberships)}


def _swaps(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """prefix -> the prefixes that make its opposite. "" (no prefix) is not a key: an
    unprefixed word is found from its prefixed partner ("unmount" looks for "mount")."""
    swaps: dict[str, tuple[str, ...]] = {}
    for left, right in pairs:
        for prefix, opposite in ((left, right), (right, left)):
            if prefix:
                swaps[prefix] = (*swaps.get(prefix, ()), opposite)
    return swaps


def _build() -> dict[str, Any]:
    _PUNCTUATION, _WORD_RE, _MIN_STEM = PUNCTUATION, WORD_RE, MIN_STEM
    _LOWER_US_RE = re.compile(r"(?<![\w.])us(?= (?:" + "|".join(sorted(gw.COUNTRY_NOUNS)) + r")\b)")
    _UNIT_BY_WORD = {word: unit for unit, words in gw.UNIT_GROUPS.items() for word in words}
    _UNIT_WORDS = frozenset(_UNIT_BY_WORD)
    _CSS_WORDS = frozenset(gw.CSS_UNITS)
    _UNIT_SYMBOL_RE = re.compile(
        "|".join(re.escape(symbol) for symbol in sorted(gw.UNIT_SYMBOLS, key=len, reverse=True)) + r"(?![a-z])",
        re.IGNORECASE,
    )
    _UNIT_SYMBOL_CHAR_RE = re.compile("[" + "".join(sorted({symbol[0] for symbol in gw.UNIT_SYMBOLS})) + "]")
    _UNIT_AFTER_NUMBER_RE = re.compile(
        r"(?<![\w.])\d+(?:\.\d+)?\s(" + "|".join(sorted(gw.UNITS_AFTER_NUMBER, key=len, reverse=True)) + r")\b"
    )
    _ALIAS_CANONICAL, _ALIAS_PATTERNS = _alias_tables()
    _ALIAS_TRIGGERS = frozenset(_ALIAS_PATTERNS)
    _SCALED_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s+(" + "|".join(gw.NUMBER_SCALES) + r")\b")
    _NUMBER_WORDS = frozenset(
        gw.NUMBER_UNITS.keys() | gw.NUMBER_TENS.keys() | gw.NUMBER_SCALES.keys() | gw.NUMBER_ALONE.keys()
    )
    _UNIT_SPELLINGS = {**{k.lower(): v for k, v in gw.UNITS_AFTER_NUMBER.items()}, **_UNIT_BY_WORD}
    _PRIVATIVE_FORMS = {form: positive for verb, positive in gw.PRIVATIVE_VERBS.items() for form in _verb_forms(verb)}
    _PRIVATIVE_FAMILY = {form: frozenset(forms) for forms in map(_verb_forms, gw.PRIVATIVE_VERBS) for form in forms}
    _EXCLUSION_HEADS = frozenset(head for head, _ in gw.EXCLUSION_PAIRS)
    _POLARITY_WORDS = gw.NEGATIONS | gw.EXCLUSIONS | _EXCLUSION_HEADS | gw.PRIVATIVE_ADJECTIVES
    _NOT_A_NOUN = _PUNCTUATION | gw.FUNCTION_WORDS | gw.PHRASE_BREAKS
    _ALL_OPPOSITES = (
        gw.OPPOSITES
        + tuple((f"{verb}+", f"de{verb}+") for verb in sorted(gw.DE_VERBS))
        + tuple((adj, _negative_prefix(adj) + adj) for adj in sorted(gw.IN_ADJECTIVES))
    )
    _SIDES_BY_WORD = _index_opposites(_ALL_OPPOSITES)
    _AFFIRMS = {positive: _same_side_words(positive, _SIDES_BY_WORD) for positive in gw.PRIVATIVE_VERBS.values()}
    _SWAPS = _swaps(gw.PREFIX_PAIRS)
    _PREFIXES_BY_INITIAL = {
        initial: tuple(p for p in sorted(_SWAPS) if p[0] == initial) for initial in {p[0] for p in _SWAPS}
    }
    _MIN_PREFIXED = min(map(len, _SWAPS)) + _MIN_STEM
    _NOT_PREFIXED = tuple(sorted(gw.NOT_PREFIXED))
    _PARTICLE_SIDES = {
        word: (pair, side)
        for pair, sides in enumerate(gw.PARTICLE_PAIRS)
        for side, spec in enumerate(sides)
        for word in spec.split()
    }
    _PARTICLE_WORDS = frozenset(_PARTICLE_SIDES)
    _CONNECTOR_WORDS = frozenset(gw.CONNECTORS)
    _PARTICLE_VERB_FORMS = frozenset(form for verb in gw.PARTICLE_VERBS for form in _verb_forms(verb))
    _SHORT_NAMES = {name: variants for name, variants in (*gw.SHORT_NAMES, *gw.NAMED_BY)}
    _FILE_NAME_RE = re.compile(r"([a-z0-9][\w-]*)\.(" + "|".join(sorted(gw.FILE_EXTENSIONS)) + ")")
    _IMPLIED_WORDS = {name: frozenset(m for m in members if _WORD_RE.fullmatch(m)) for name, members in gw.IMPLIED_BY}
    _IMPLIED_OTHERS = {name: tuple(m for m in members if not _WORD_RE.fullmatch(m)) for name, members in gw.IMPLIED_BY}
    _NOT_A_MODIFIER = _PUNCTUATION | gw.FUNCTION_WORDS | gw.PHRASE_BREAKS | gw.ATTRIBUTE_QUALIFIERS
    _SCOPE_WORDS = gw.UNIVERSAL_QUANTIFIERS | gw.SINGLE_QUANTIFIERS | gw.SINGULAR_ARTICLES
    _NOT_QUANTIFIED = _PUNCTUATION | gw.FUNCTION_WORDS | gw.PHRASE_BREAKS
    _NOT_A_QUOTED_WORD = gw.FUNCTION_WORDS | {"what", "which", "when", "where", "who", "why", "how", "your", "their"}
    return {
        "LOWER_US_RE": _LOWER_US_RE,
        "UNIT_BY_WORD": _UNIT_BY_WORD,
        "UNIT_WORDS": _UNIT_WORDS,
        "CSS_WORDS": _CSS_WORDS,
        "UNIT_SYMBOL_RE": _UNIT_SYMBOL_RE,
        "UNIT_SYMBOL_CHAR_RE": _UNIT_SYMBOL_CHAR_RE,
        "UNIT_AFTER_NUMBER_RE": _UNIT_AFTER_NUMBER_RE,
        "ALIAS_CANONICAL": _ALIAS_CANONICAL,
        "ALIAS_PATTERNS": _ALIAS_PATTERNS,
        "ALIAS_TRIGGERS": _ALIAS_TRIGGERS,
        "SCALED_RE": _SCALED_RE,
        "NUMBER_WORDS": _NUMBER_WORDS,
        "UNIT_SPELLINGS": _UNIT_SPELLINGS,
        "PRIVATIVE_FORMS": _PRIVATIVE_FORMS,
        "PRIVATIVE_FAMILY": _PRIVATIVE_FAMILY,
        "EXCLUSION_HEADS": _EXCLUSION_HEADS,
        "POLARITY_WORDS": _POLARITY_WORDS,
        "NOT_A_NOUN": _NOT_A_NOUN,
        "ALL_OPPOSITES": _ALL_OPPOSITES,
        "SIDES_BY_WORD": _SIDES_BY_WORD,
        "AFFIRMS": _AFFIRMS,
        "SWAPS": _SWAPS,
        "PREFIXES_BY_INITIAL": _PREFIXES_BY_INITIAL,
        "MIN_PREFIXED": _MIN_PREFIXED,
        "NOT_PREFIXED": _NOT_PREFIXED,
        "PARTICLE_SIDES": _PARTICLE_SIDES,
        "PARTICLE_WORDS": _PARTICLE_WORDS,
        "CONNECTOR_WORDS": _CONNECTOR_WORDS,
        "PARTICLE_VERB_FORMS": _PARTICLE_VERB_FORMS,
        "SHORT_NAMES": _SHORT_NAMES,
        "FILE_NAME_RE": _FILE_NAME_RE,
        "IMPLIED_WORDS": _IMPLIED_WORDS,
        "IMPLIED_OTHERS": _IMPLIED_OTHERS,
        "NOT_A_MODIFIER": _NOT_A_MODIFIER,
        "SCOPE_WORDS": _SCOPE_WORDS,
        "NOT_QUANTIFIED": _NOT_QUANTIFIED,
        "NOT_A_QUOTED_WORD": _NOT_A_QUOTED_WORD,
    }
