"""The word lists the lexical stages read, from the data files in `data/`, read on first use.

The lists are data, not code: `data/guards.toml` (the guards' numbers, units, negations,
opposites, questions, names, ...) and `data/words.toml` (the content-word stage's filler,
scaffolding, generic nouns, ...). Each is a string in one of four small formats, read here:

- words: "a b c" -> {"a", "b", "c"};
- table: "a=1 b=2" -> {"a": "1", "b": "2"};
- pairs: "a b | c; d | e" -> (("a b", "c"), ("d", "e")), "#" starting a comment;
- groups: "Name: a | b c" lines -> (("Name", ("a", "b c")), ...), "#" starting a comment and
  a line starting with "|" continuing the one before (case kept);
- lines: one word set per line.

`load()` reads both files once (the first stage built, or the first check run, calls it) and
sets the attributes below; nothing is read at import. Everything is lower case unless said
otherwise; the files' comments say what each list is for.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def words(spec: str) -> frozenset[str]:
    """ "a b c" -> {"a", "b", "c"}"""
    return frozenset(spec.split())


def table(spec: str) -> dict[str, str]:
    """ "a=1 b=2" -> {"a": "1", "b": "2"}"""
    return {word: value for word, value in (item.split("=") for item in spec.split())}


def pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """ "a b | c; d | e" -> (("a b", "c"), ("d", "e")); "#" starts a comment."""
    items = re.sub(r"#[^\n]*", "", spec).split(";")
    return tuple((left.strip(), right.strip()) for left, right in (i.split("|") for i in items if i.strip()))


def groups(spec: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """ "Name: a | b c" lines -> (("Name", ("a", "b c")), ...); "#" starts a comment; a line
    starting with "|" continues the one before. Case kept."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for line in re.sub(r"#[^\n]*", "", spec).splitlines():
        line = line.strip()
        if line.startswith("|"):
            name, variants = found.pop()
            found.append((name, variants + tuple(v.strip() for v in line.split("|") if v.strip())))
        elif line:
            name, _, rest = line.partition(":")
            found.append((name.strip(), tuple(v.strip() for v in rest.split("|") if v.strip())))
    return tuple(found)


def lines(spec: str) -> tuple[frozenset[str], ...]:
    """One word set per line."""
    return tuple(words(line) for line in spec.strip().splitlines())


def phrases(spec: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """ "a b | c; d | e f" -> {("a", "b"): ("c",), ("d",): ("e", "f")}"""
    return {tuple(left.split()): tuple(right.split()) for left, right in pairs(spec)}


# --- data/guards.toml ------------------------------------------------------------------------
NUMBER_UNITS: dict[str, str]
NUMBER_TENS: dict[str, str]
NUMBER_SCALES: dict[str, str]
ORDINALS: dict[str, str]
NUMBER_ALONE: dict[str, str]
UNIT_GROUPS: dict[str, tuple[str, ...]]
CSS_UNITS: dict[str, str]
UNITS_AFTER_NUMBER: dict[str, str]
UNIT_SYMBOLS: dict[str, str]
TEMPERATURE_LETTERS: dict[str, str]
SYMBOL_UNITS: dict[str, str]
NEGATIONS: frozenset[str]
EXCLUSIONS: frozenset[str]
EXCLUSION_PAIRS: frozenset[tuple[str, str]]
EXCEPT_CLAUSE_WORDS: frozenset[str]
PRIVATIVE_VERBS: dict[str, str]
PRIVATIVE_ADJECTIVES: frozenset[str]
OPPOSITES: tuple[tuple[str, str], ...]
DE_VERBS: frozenset[str]
IN_ADJECTIVES: frozenset[str]
IRREGULAR_FORMS: dict[str, str]
PREFIX_PAIRS: tuple[tuple[str, str], ...]
NOT_PREFIXED: frozenset[str]
PARTICLE_PAIRS: tuple[tuple[str, str], ...]
PARTICLE_VERBS: frozenset[str]
CONNECTORS: dict[str, str]
PHRASE_BREAKS: frozenset[str]
FUNCTION_WORDS: frozenset[str]
UNIVERSAL_QUANTIFIERS: frozenset[str]
SINGLE_QUANTIFIERS: frozenset[str]
SINGULAR_ARTICLES: frozenset[str]
QUESTION_WORDS: dict[str, str]
QUESTION_VERBS: frozenset[str]
QUESTION_LEAD_INS: frozenset[str]
QUESTION_LEAD_IN_LIMIT: int
QUESTION_NOUNS: dict[str, str]
QUESTION_NOUN_COMPOUNDS: frozenset[str]
HOW_QUESTIONS: dict[str, str]
SYNONYM_GROUPS: tuple[frozenset[str], ...]
KNOWN_NAMES: frozenset[str]
GENERIC_NAMES: frozenset[str]
ALIASES: tuple[tuple[str, tuple[str, ...]], ...]
COUNTRY_NOUNS: frozenset[str]
IMPLIED_BY: tuple[tuple[str, tuple[str, ...]], ...]
SHORT_NAMES: tuple[tuple[str, tuple[str, ...]], ...]
NAMED_BY: tuple[tuple[str, tuple[str, ...]], ...]
FILE_EXTENSIONS: frozenset[str]
ATTRIBUTE_NOUNS: frozenset[str]
ATTRIBUTE_QUALIFIERS: frozenset[str]

# --- data/words.toml -------------------------------------------------------------------------
FILLER: frozenset[str]
SCAFFOLDING: frozenset[str]
MANNER_WORDS: frozenset[str]
MANNER_NOUNS: frozenset[str]
QUANTITY_NOUNS: frozenset[str]
LOOKUP_VERBS: frozenset[str]
LIGHT_VERBS: frozenset[str]
GENERIC_NOUNS: frozenset[str]
SOUND_ANSWER: frozenset[str]
EMPHASIS: frozenset[str]
NARRATIVE: frozenset[str]
TOPIC_WORDS: frozenset[str]
CAUSE_NOUNS: frozenset[str]
REASON_NOUNS: frozenset[str]
REASON_LINKS: frozenset[str]
HOW_MEASURES: dict[str, str]
MEASURE_NOUNS: dict[str, str]
TEMPERATURE_POINTS: frozenset[str]
MEASURE_VERBS: frozenset[str]
PEOPLE: frozenset[str]
WHO_NOUNS: frozenset[str]
TIME_UNITS: frozenset[str]
DURATION_WORDS: frozenset[str]
DURATION_VERBS: frozenset[str]
BEST_TIMES: frozenset[str]
SEND_VERBS: frozenset[str]
REQUEST_NOUNS: frozenset[str]
REAL_WORDS: frozenset[str]
PHRASES: dict[tuple[str, ...], tuple[str, ...]]
NAME_PHRASES: dict[tuple[str, ...], tuple[str, ...]]
FILLER_SLIPS: frozenset[str]
MEANING_PREFIXES: frozenset[str]

_GUARDS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(
        [
            "number_units",
            "number_tens",
            "number_scales",
            "ordinals",
            "number_alone",
            "css_units",
            "units_after_number",
            "unit_symbols",
            "temperature_letters",
            "symbol_units",
            "privative_verbs",
            "irregular_forms",
            "connectors",
            "question_words",
            "question_nouns",
            "how_questions",
        ],
        table,
    ),
    **dict.fromkeys(
        [
            "negations",
            "exclusions",
            "except_clause_words",
            "privative_adjectives",
            "de_verbs",
            "in_adjectives",
            "not_prefixed",
            "particle_verbs",
            "phrase_breaks",
            "function_words",
            "universal_quantifiers",
            "single_quantifiers",
            "singular_articles",
            "question_verbs",
            "question_lead_ins",
            "question_noun_compounds",
            "known_names",
            "generic_names",
            "country_nouns",
            "file_extensions",
            "attribute_nouns",
            "attribute_qualifiers",
        ],
        words,
    ),
    **dict.fromkeys(["opposites", "prefix_pairs", "particle_pairs"], pairs),
    **dict.fromkeys(["aliases", "short_names", "named_by"], groups),
    "unit_groups": lambda spec: dict(groups(spec)),
    "exclusion_pairs": lambda spec: frozenset(pairs(spec)),
    "synonym_groups": lines,
    "question_lead_in_limit": int,
}
_WORDS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(["how_measures", "measure_nouns"], table),
    **dict.fromkeys(["phrases", "name_phrases"], phrases),
}
_HTTP_STATUS_CODES = " | ".join(str(code) for code in range(100, 600))
_lock = threading.Lock()
_loaded = False


def _read(path: Path, readers: dict[str, Callable[[Any], Any]], default: Callable[[Any], Any]) -> dict[str, Any]:
    with path.open("rb") as file:
        document = tomllib.load(file)
    return {key.upper(): readers.get(key, default)(value) for key, value in document.items()}


def _read_all() -> dict[str, Any]:
    guards = _read(DATA_DIR / "guards.toml", {**_GUARDS, "shell_commands": str, "implied_by": str}, words)
    shell = guards.pop("SHELL_COMMANDS")
    guards["IMPLIED_BY"] = groups(
        guards["IMPLIED_BY"].format(shell_commands=shell, http_status_codes=_HTTP_STATUS_CODES)
    )
    return {**guards, **_read(DATA_DIR / "words.toml", _WORDS, words)}


def load() -> None:
    """Read the data files, once per process; later calls return at once."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            tables = _read_all()
            missing = {name for name in __annotations__ if not name.startswith("_")} - set(tables)
            if missing:
                raise RuntimeError(f"word lists missing from {DATA_DIR}: {sorted(missing)}")
            globals().update(tables)
            _loaded = True
