"""False-hit guards: cheap lexical checks run after the vector similarity threshold.

Embeddings place "what is 15% of 80" and "what is 15% of 90" (or "capital of France" and
"capital of Spain", "zoom in" and "zoom out", "Celsius to Fahrenheit" and "Fahrenheit to
Celsius", "who invented the telephone" and "when was the telephone invented") very close
together, because they share almost every token. Serving one's cached answer for the other is
the costly mistake of a semantic cache, so a candidate hit must also pass these checks. They
are deliberately one-sided: when unsure, they say "different", which only costs a cache miss.

Everything here is a pure function of the two strings. `guards_agree` is on the request path:
each text is tokenised once and every table is built at import. The word tables themselves
live in semantic_cache/guard_words.py; this module holds the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from semantic_cache import guard_words as gw

# Chosen with tests/benchmarks/bench_semantic_threshold.py on the labelled pairs in
# semantic_cache/eval_data/ for sentence-transformers/all-MiniLM-L6-v2; the table and the
# reasoning are in docs/semantic-threshold.md. Re-measure for another model.
DEFAULT_SIMILARITY_THRESHOLD = 0.80

# Shorter turns ("hi", "thanks", "ok do it") carry too little meaning for a nearest
# neighbour to be trusted: they go to the exact-match cache only.
MIN_ELIGIBLE_CHARS = 10
MIN_ELIGIBLE_WORDS = 3


@dataclass(frozen=True)
class GuardResult:
    """Whether two texts may share a cached answer, and if not, why (for diagnostics)."""

    agree: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.agree


_AGREE = GuardResult(True)

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words plus the punctuation and arrows that end a phrase, for the rules that look at order.
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|->|[→.,;:!?()\"]")
# Arrows stay among the words: they are connectors, like "to".
_PUNCTUATION = frozenset({".", ",", ";", ":", "!", "?", "(", ")", '"'})
# "non-empty" and "nonempty" are one word, so the prefix rule below sees both the same way.
_PREFIX_HYPHEN_RE = re.compile(r"\b(non|un|de|dis|pre|post)-(?=[a-z])")
# "w/o" and "w/" are "without" and "with" (not "w/x", "w/o/x": slash-joined words).
_WITH_RE = re.compile(r"(?<![\w/])[wW]/([oO])?(?![\w/])")
# "the passive voice in English": English is the language questions are asked in, so the
# other text need not say it (but "in French" must be said by both).
_IN_ENGLISH_RE = re.compile(r"\bin english\b")
# "U.S.A." and "D.C." are "USA" and "DC", so the name and alias rules see one word.
_DOTTED_ACRONYM_RE = re.compile(r"\b[A-Z](?:\.[A-Z])+\.?")


class _Text(NamedTuple):
    """One side of a comparison, tokenised once for all the checks (a tuple: cheap to build)."""

    raw: str  # after aliases were rewritten to their canonical names
    lower: str
    tokens: tuple[str, ...]  # lower-case words ("’" read as "'") and phrase-ending punctuation, in order
    word_set: frozenset[str]  # the words alone
    negations: int  # negations and exclusions, not counting those a privative verb cancelled
    # Privative verbs right after a negation ("without losing") -> what the two mean ("keep").
    cancelled: dict[str, str]
    # Says "in English" (the language asked about, read as "England" by the aliases).
    in_english: bool


# "us citizen", "us passport": typed in lower case, "us" before such a noun is the country,
# never the pronoun ("tell us", "for us" are followed by other words).
_LOWER_US_RE = re.compile(r"(?<![\w.])us(?= (?:" + "|".join(sorted(gw.COUNTRY_NOUNS)) + r")\b)")


# A lookup checks one query against up to five candidates (semantic_cache/lookup.py), so the
# query is parsed once, not five times. Small on purpose: prompts can be long.
@lru_cache(maxsize=32)
def _parse(text: str) -> _Text:
    text = _normalise_units(text)
    if "w/" in text or "W/" in text:  # "w/o sugar" is "without sugar", "w/ sugar" "with sugar"
        text = _WITH_RE.sub(lambda m: "without" if m.group(1) else "with", text)
    if "us " in text:
        text = _LOWER_US_RE.sub("US", text)
    if "." in text and _has_dotted_acronym(text):
        text = _DOTTED_ACRONYM_RE.sub(lambda m: m.group().replace(".", ""), text)
    lower, normalised, tokens, word_set = _tokenise(text)
    in_english = "english" in word_set and _IN_ENGLISH_RE.search(lower) is not None
    if not word_set.isdisjoint(_ALIAS_TRIGGERS):
        rewritten = _rewrite_aliases(text, word_set & _ALIAS_TRIGGERS)
        if rewritten != text:
            text = rewritten
            lower, normalised, tokens, word_set = _tokenise(text)
    negations, cancelled = _polarity(tokens, word_set, normalised)
    return _Text(text, lower, tokens, word_set, negations, cancelled, in_english)


def _has_dotted_acronym(text: str) -> bool:
    # Most texts have one full stop, at the end: look at the letters around each one.
    at = text.find(".", 1)
    while 0 < at < len(text) - 1:
        if text[at - 1].isupper() and text[at + 1].isupper():
            return True
        at = text.find(".", at + 1)
    return False


def _tokenise(text: str) -> tuple[str, str, tuple[str, ...], frozenset[str]]:
    lower = text.lower()
    normalised = lower.replace("\u2019", "'")
    if "-" in normalised:
        normalised = _PREFIX_HYPHEN_RE.sub(r"\1", normalised)
    tokens = tuple(_TOKEN_RE.findall(normalised))
    return lower, normalised, tokens, frozenset(tokens).difference(_PUNCTUATION)


# --- unit spellings -----------------------------------------------------------------------
#
# One unit, one word, before any check reads the text: "°C", "℃" and "100 C" are "celsius",
# "100MB" is "100 MB", "24h" is "24 h" (an hour: see gw.UNITS_AFTER_NUMBER).

_UNIT_BY_WORD = {word: unit for unit, words in gw.UNIT_GROUPS.items() for word in words}
_UNIT_WORDS = frozenset(_UNIT_BY_WORD)
_CSS_WORDS = frozenset(gw.CSS_UNITS)
_UNIT_SYMBOL_RE = re.compile(
    "|".join(re.escape(symbol) for symbol in sorted(gw.UNIT_SYMBOLS, key=len, reverse=True)) + r"(?![a-z])",
    re.IGNORECASE,
)
# One pass over the text says whether any symbol can be there (most texts: none).
_UNIT_SYMBOL_CHAR_RE = re.compile("[" + "".join(sorted({symbol[0] for symbol in gw.UNIT_SYMBOLS})) + "]")
# "100 C", "100C", "100 degrees F": a capital C or F right after a number is a temperature.
_TEMPERATURE_RE = re.compile(r"(\d)\s?(?:deg(?:rees?)?\s?)?([CF])\b")
# A number glued to a unit ("100MB", "5kg", "24h"), but not a decade ("the 1990s", "the 80s").
_GLUED_UNIT_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([A-Za-z]+)\b")
# After the split above, so "1990s" (glued, a decade) is no unit.
_UNIT_AFTER_NUMBER_RE = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s(" + "|".join(sorted(gw.UNITS_AFTER_NUMBER, key=len, reverse=True)) + r")\b"
)


def _split_glued_unit(match: re.Match[str]) -> str:
    number, unit = match.groups()
    if (unit.lower() in _UNIT_BY_WORD or unit in gw.UNITS_AFTER_NUMBER) and not (unit == "s" and number[-1] == "0"):
        return f"{number} {unit}"
    return match.group()


def _normalise_units(text: str) -> str:
    if _UNIT_SYMBOL_CHAR_RE.search(text):
        text = _UNIT_SYMBOL_RE.sub(lambda m: " " + gw.UNIT_SYMBOLS[m.group().lower()], text)
    if _DIGIT_RE.search(text):
        text = _GLUED_UNIT_RE.sub(_split_glued_unit, text)
        if "C" in text or "F" in text:
            text = _TEMPERATURE_RE.sub(lambda m: f"{m.group(1)} {gw.TEMPERATURE_LETTERS[m.group(2)]}", text)
    return text


# --- aliases -------------------------------------------------------------------------------
#
# Each text is rewritten to canonical names first (gw.ALIASES): "American" and "United States"
# become "USA", "js" becomes "JavaScript", "WW2" becomes "WWII". Every check then sees the same
# word for the same thing. The scan runs only for texts holding a variant's first word.


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
            first = _WORD_RE.findall(spelling.lower())[0]
            # A one-word variant may come in the plural ("Americans"), which is another word.
            for trigger in (first,) if case_sensitive or " " in spelling else (first, first + "s"):
                by_trigger.setdefault(trigger, []).append((pattern, case_sensitive))
    return canonical, {trigger: tuple(found) for trigger, found in by_trigger.items()}


_ALIAS_CANONICAL, _ALIAS_PATTERNS = _alias_tables()
_ALIAS_TRIGGERS = frozenset(_ALIAS_PATTERNS)
_ALIAS_SEPARATOR_RE = re.compile(r"[\s-]+")


@lru_cache(maxsize=1024)  # keyed by the variants' first words a text holds: few combinations recur
def _alias_re(triggers: frozenset[str], case_sensitive: bool) -> re.Pattern[str]:
    patterns = [p for t in triggers for p, sensitive in _ALIAS_PATTERNS[t] if case_sensitive or not sensitive]
    # Longest first, so "South America" wins over "America" and "World War II" over "World War I".
    alternatives = "|".join(sorted(patterns, key=lambda p: (-len(p), p)))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w$])", re.IGNORECASE)


def _canonical_name(match: re.Match[str]) -> str:
    key = _ALIAS_SEPARATOR_RE.sub(" ", match.group().lower())
    return _ALIAS_CANONICAL.get(key) or _ALIAS_CANONICAL.get(key[:-1], match.group())


def _rewrite_aliases(text: str, triggers: frozenset[str]) -> str:
    # In a text typed in caps lock every word looks like an acronym: "US" may be "us" there.
    return _alias_re(triggers, not _mostly_upper(text)).sub(_canonical_name, text)


# --- numbers -------------------------------------------------------------------------------

# A leading minus counts only where it cannot be a range or a hyphen ("3-5", "gpt-4").
_NUMBER_RE = re.compile(r"(?:(?<![\w)])-)?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:(?<![\w)])-)?\d+(?:\.\d+)?")
# Most prompts have no digit, and this finds that out far faster than _NUMBER_RE.
_DIGIT_RE = re.compile(r"\d")
# "3 million" is 3000000, as "three million" is.
_SCALED_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s+(" + "|".join(gw.NUMBER_SCALES) + r")\b")
_NUMBER_WORDS = frozenset(
    gw.NUMBER_UNITS.keys() | gw.NUMBER_TENS.keys() | gw.NUMBER_SCALES.keys() | gw.NUMBER_ALONE.keys()
)


def _format_number(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _scaled(match: re.Match[str]) -> str:
    return _format_number(Decimal(match.group(1).replace(",", "")) * int(gw.NUMBER_SCALES[match.group(2)]))


def _word_numbers(tokens: tuple[str, ...]) -> set[str]:
    """Numbers written in words, compounds read as one: "twenty-five" -> "25", "two hundred
    and five" -> "205", "a million" -> "1000000"; "five six" are two numbers."""
    found: set[str] = set()
    total = current = 0
    last = ""  # kind of the previous number word; "" outside a number
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in gw.NUMBER_UNITS and (token != "one" or last or nxt in gw.NUMBER_SCALES):
            # A unit after a unit, or a teen after a tens word, starts another number.
            if last == "unit" or (last == "tens" and int(gw.NUMBER_UNITS[token]) >= 10):
                found.add(str(total + current))
                total = current = 0
            current += int(gw.NUMBER_UNITS[token])
            last = "unit"
        elif token in gw.NUMBER_TENS:
            if last in ("unit", "tens"):
                found.add(str(total + current))
                total = current = 0
            current += int(gw.NUMBER_TENS[token])
            last = "tens"
        elif token in gw.NUMBER_SCALES and not (i and tokens[i - 1].isdigit()):  # "3 million": see _SCALED_RE
            scale = int(gw.NUMBER_SCALES[token])
            if scale == 100:
                current = (current or 1) * 100
            else:
                total, current = total + (current or 1) * scale, 0
            last = "scale"
        elif token == "and" and last == "scale" and nxt in _NUMBER_WORDS:
            continue  # "two hundred and five"
        else:
            if last:
                found.add(str(total + current))
                total = current = 0
                last = ""
            if token in gw.NUMBER_ALONE:
                found.add(gw.NUMBER_ALONE[token])
    if last:
        found.add(str(total + current))
    return found


def _numbers(text: _Text) -> frozenset[str]:
    # Only thousands separators go: "3.10" and "3.1" stay apart because versions differ.
    found: set[str] = set()
    if _DIGIT_RE.search(text.raw):
        digits = text.raw
        if not text.word_set.isdisjoint(gw.NUMBER_SCALES):
            digits = _SCALED_RE.sub(_scaled, text.lower)
        found.update(m.group().replace(",", "") for m in _NUMBER_RE.finditer(digits))
    if not text.word_set.isdisjoint(_NUMBER_WORDS):
        found.update(_word_numbers(text.tokens))
    return frozenset(found)


def extract_numbers(text: str) -> frozenset[str]:
    """Canonical numbers mentioned in `text`, digits or number words ("twenty-five" is "25")."""
    return _numbers(_parse(text))


# --- units ---------------------------------------------------------------------------------

_SYMBOL_RE = re.compile("[$€£¥%]")
# Every spelling of a unit in lower case ("l" of "2 L" too), for the name check.
_UNIT_SPELLINGS = {**{k.lower(): v for k, v in gw.UNITS_AFTER_NUMBER.items()}, **_UNIT_BY_WORD}


def _units(text: _Text) -> frozenset[str]:
    units = {_UNIT_BY_WORD[w] for w in text.word_set & _UNIT_WORDS}
    css = text.word_set & _CSS_WORDS
    if len(css) > 1 or css and "css" in text.word_set:  # "px to rem", "em vs rem", "rem in css"
        units.update(gw.CSS_UNITS[w] for w in css)
    if _DIGIT_RE.search(text.raw):
        units.update(gw.UNITS_AFTER_NUMBER[m] for m in _UNIT_AFTER_NUMBER_RE.findall(text.raw))
    if _SYMBOL_RE.search(text.raw):
        units.update(unit for symbol, unit in gw.SYMBOL_UNITS.items() if symbol in text.raw)
    return frozenset(units)


def extract_units(text: str) -> frozenset[str]:
    """Canonical units of measure or currency mentioned in `text`."""
    return _units(_parse(text))


# --- negation and exclusion ----------------------------------------------------------------


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


_PRIVATIVE_FORMS = {form: positive for verb, positive in gw.PRIVATIVE_VERBS.items() for form in _verb_forms(verb)}
# Each form -> all forms of its verb ("losing" -> lose, loses, lost, ...).
_PRIVATIVE_FAMILY = {form: frozenset(forms) for forms in map(_verb_forms, gw.PRIVATIVE_VERBS) for form in forms}
_EXCLUSION_HEADS = frozenset(head for head, _ in gw.EXCLUSION_PAIRS)
# Any of these (or a "n't", or "-free") sends a text through the negation scan.
_POLARITY_WORDS = gw.NEGATIONS | gw.EXCLUSIONS | _EXCLUSION_HEADS | gw.PRIVATIVE_ADJECTIVES
# "empty" before one of these is no adjective before a noun.
_NOT_A_NOUN = _PUNCTUATION | gw.FUNCTION_WORDS | gw.PHRASE_BREAKS
# ... nor after one of these, where it is a verb ("how to empty trash").
_VERB_CONTEXT = gw.words("to i you we they please can could should would will")
_FREE_RE = re.compile(r"[a-z0-9]-free\b")  # "gluten-free"


def _is_negation(token: str) -> bool:
    return token in gw.NEGATIONS or ("'" in token and (token.endswith("n't") or token.replace("'", "") in gw.NEGATIONS))


def _polarity(tokens: tuple[str, ...], word_set: frozenset[str], text: str) -> tuple[int, dict[str, str]]:
    """The count of negations, exclusions ("except"), privative adjectives before a noun
    ("an empty stomach") and "-free" compounds, and the privative verbs right after a
    negation, which are left out of the count ("without losing" -> {"losing": "keep"})."""
    cancelled: dict[str, str] = {}
    if word_set.isdisjoint(_POLARITY_WORDS) and "n't" not in text and "free" not in word_set:
        return 0, cancelled
    count = 0
    skip = False
    for i, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if _is_negation(token):
            if nxt in _PRIVATIVE_FORMS:  # a negative of a negative: "without losing" is "keeping"
                cancelled[nxt] = _PRIVATIVE_FORMS[nxt]
                skip = True
            else:
                count += 1
        elif token in gw.EXCLUSIONS:
            if token != "except" or ("try" not in word_set and nxt not in gw.EXCEPT_CLAUSE_WORDS):
                count += 1
        elif token in _EXCLUSION_HEADS:
            count += (token, nxt) in gw.EXCLUSION_PAIRS
        elif token in gw.PRIVATIVE_ADJECTIVES:
            count += nxt != "" and nxt not in _NOT_A_NOUN and not (i and tokens[i - 1] in _VERB_CONTEXT)
    if "free" in word_set:
        count += len(_FREE_RE.findall(text))
    return count, cancelled


def negation_parity(text: str) -> bool:
    """True if `text` reads as negated: an odd number of negations and exclusions (a negated
    privative verb, "without losing", counts as no negation)."""
    return _parse(text).negations % 2 == 1


# --- opposites: word lists -----------------------------------------------------------------
#
# A near miss often differs by one word that flips the meaning ("enable"/"disable", "zoom
# in"/"zoom out", "raise"/"lower"). Each rule below looks only at what differs between the
# two texts: a word (or particle, or ordered pair) found in both says nothing about a
# difference, and synonyms on the same side agree.


def _negative_prefix(adjective: str) -> str:
    return "im" if adjective[0] in "bmp" else "il" if adjective[0] == "l" else "ir" if adjective[0] == "r" else "in"


_ALL_OPPOSITES = (
    gw.OPPOSITES
    + tuple((f"{verb}+", f"de{verb}+") for verb in sorted(gw.DE_VERBS))
    + tuple((adj, _negative_prefix(adj) + adj) for adj in sorted(gw.IN_ADJECTIVES))
)


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


_SIDES_BY_WORD = _index_opposites(_ALL_OPPOSITES)


def _same_side_words(word: str) -> frozenset[str]:
    """`word`, its forms, and every word on its side of an opposite pair ("keep": "retained")."""
    sides = set(_SIDES_BY_WORD.get(word, ()))
    return frozenset(_verb_forms(word)) | {w for w, memberships in _SIDES_BY_WORD.items() if sides & set(memberships)}


# What a negated privative verb means, with its synonyms: "without losing" is said again by
# "keep", "keeping", "retain", "preserve".
_AFFIRMS = {positive: _same_side_words(positive) for positive in gw.PRIVATIVE_VERBS.values()}


def _pair_sides(words: Iterable[str]) -> dict[int, dict[int, list[str]]]:
    """pair -> side -> the words of `words` on that side."""
    sides: dict[int, dict[int, list[str]]] = {}
    for word in words:
        for pair, side in _SIDES_BY_WORD.get(word, ()):
            sides.setdefault(pair, {}).setdefault(side, []).append(word)
    return sides


def _listed_opposite(only_a: Iterable[str], only_b: Iterable[str]) -> tuple[str, str] | None:
    """Words of the two texts on opposite sides of a pair in gw.OPPOSITES, if any."""
    sides_a, sides_b = _pair_sides(only_a), _pair_sides(only_b)
    for pair in sorted(sides_a.keys() & sides_b.keys()):
        # Each text must be on a side the other does not touch; merely different sides are
        # not enough: "unzip" vs "extract the zip file" share a side, and "zip" is a noun there.
        if sides_a[pair].keys().isdisjoint(sides_b[pair].keys()):
            # Disjoint, with two sides: each text is on exactly one.
            (used_a,), (used_b,) = sides_a[pair].values(), sides_b[pair].values()
            return "/".join(used_a), "/".join(used_b)
    return None


# --- opposites: prefixes -------------------------------------------------------------------


def _swaps(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """prefix -> the prefixes that make its opposite. "" (no prefix) is not a key: an
    unprefixed word is found from its prefixed partner ("unmount" looks for "mount")."""
    swaps: dict[str, tuple[str, ...]] = {}
    for left, right in pairs:
        for prefix, opposite in ((left, right), (right, left)):
            if prefix:
                swaps[prefix] = (*swaps.get(prefix, ()), opposite)
    return swaps


_SWAPS = _swaps(gw.PREFIX_PAIRS)
# Looked up by a word's first letter, so each word is tried against one to three prefixes.
_PREFIXES_BY_INITIAL = {
    initial: tuple(p for p in sorted(_SWAPS) if p[0] == initial) for initial in {p[0] for p in _SWAPS}
}
_MIN_STEM = 3
_MIN_PREFIXED = min(map(len, _SWAPS)) + _MIN_STEM
_NOT_PREFIXED = tuple(sorted(gw.NOT_PREFIXED))


def _prefix_opposite(only_a: list[str], only_b: list[str]) -> tuple[str, str] | None:
    """A word of one text whose prefix swap ("un" + "mount") is a word of the other, if any."""
    for words, others, flip in ((only_a, frozenset(only_b), False), (only_b, frozenset(only_a), True)):
        for word in words:
            prefixes = _PREFIXES_BY_INITIAL.get(word[0])
            # Short words ("in", "do", "use") cannot hold a prefix and a stem.
            if prefixes is None or len(word) < _MIN_PREFIXED or word.startswith(_NOT_PREFIXED):
                continue
            for prefix in prefixes:
                stem = word[len(prefix) :]
                if not word.startswith(prefix) or len(stem) < _MIN_STEM:
                    continue
                for swap in _SWAPS[prefix]:
                    other = swap + stem
                    if other not in others or other.startswith(_NOT_PREFIXED):
                        continue
                    # Words the list knows were judged there, synonyms included ("unzip" vs
                    # "extract the zip file").
                    if not (word in _SIDES_BY_WORD and other in _SIDES_BY_WORD):
                        return (other, word) if flip else (word, other)
    return None


# --- opposites: particles, and direction ---------------------------------------------------

_PARTICLE_SIDES = {
    word: (pair, side)
    for pair, sides in enumerate(gw.PARTICLE_PAIRS)
    for side, spec in enumerate(sides)
    for word in spec.split()
}
_PARTICLE_WORDS = frozenset(_PARTICLE_SIDES)
_CONNECTOR_WORDS = frozenset(gw.CONNECTORS)
# How far (in words) a particle may sit from its word, or an operand from its connector.
_SCAN_TOKENS = 4


@lru_cache(maxsize=4096)  # the same words come back request after request
def _stem(word: str) -> str:
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


def _neighbours(tokens: tuple[str, ...], at: int, step: int) -> list[str]:
    """Content words next to tokens[at] (before it for step -1, after for +1), within its phrase."""
    found = []
    for i in range(at + step, at + step * (_SCAN_TOKENS + 1), step):
        if not 0 <= i < len(tokens) or tokens[i] in gw.PHRASE_BREAKS:
            break
        if tokens[i] not in gw.FUNCTION_WORDS and not tokens[i].endswith("n't"):
            found.append(tokens[i])
    return found


def _operand(word: str) -> str:
    return _UNIT_BY_WORD.get(word) or _stem(word)


def _particles(text: _Text, pairs: set[int]) -> dict[tuple[int, str, int], str]:
    """(particle pair, stem of its word, side) -> the word as written, for each particle of
    `pairs` and each word before it that it may belong to."""
    found: dict[tuple[int, str, int], str] = {}
    for at, token in enumerate(text.tokens):
        hit = _PARTICLE_SIDES.get(token)
        if hit is not None and hit[0] in pairs:
            for head in _neighbours(text.tokens, at, -1):
                found.setdefault((hit[0], _stem(head), hit[1]), head)
    return found


def _particle_opposite(a: _Text, b: _Text) -> tuple[str, str] | None:
    """The same word with opposite particles in the two texts ("zoom in" / "zoom out"), if any."""
    # Scanned only for a pair with both sides in sight ("in" here, "out" there): usually none.
    present = {_PARTICLE_SIDES[w] for w in (a.word_set | b.word_set) & _PARTICLE_WORDS}
    pairs = {pair for pair, side in present if side == 1 and (pair, 0) in present}
    if not pairs:
        return None
    particles_a, particles_b = _particles(a, pairs), _particles(b, pairs)
    sides_a = _sides_by_head(particles_a.keys() - particles_b.keys())
    sides_b = _sides_by_head(particles_b.keys() - particles_a.keys())
    for pair, head in sorted(sides_a.keys() & sides_b.keys()):
        if sides_a[pair, head].isdisjoint(sides_b[pair, head]):
            (side_a,), (side_b,) = sides_a[pair, head], sides_b[pair, head]
            word_a, word_b = particles_a[pair, head, side_a], particles_b[pair, head, side_b]
            return (
                f"{word_a} {gw.PARTICLE_PAIRS[pair][side_a].split()[0]}",
                f"{word_b} {gw.PARTICLE_PAIRS[pair][side_b].split()[0]}",
            )
    return None


def _sides_by_head(particles: Iterable[tuple[int, str, int]]) -> dict[tuple[int, str], set[int]]:
    sides: dict[tuple[int, str], set[int]] = {}
    for pair, head, side in particles:
        sides.setdefault((pair, head), set()).add(side)
    return sides


_PARTICLE_VERB_FORMS = frozenset(form for verb in gw.PARTICLE_VERBS for form in _verb_forms(verb))


def _phrasal_verbs(text: _Text) -> frozenset[str]:
    """ "turn_off" for "turn off the light" or "turn the light off", and so on."""
    if text.word_set.isdisjoint(_PARTICLE_VERB_FORMS):
        return frozenset()
    found: set[str] = set()
    for at, token in enumerate(text.tokens):
        if token in _PARTICLE_SIDES:
            found.update(
                f"{verb}_{token}" for verb in map(_stem, _neighbours(text.tokens, at, -1)) if verb in gw.PARTICLE_VERBS
            )
    return frozenset(found)


def _opposite_words(text: _Text) -> frozenset[str]:
    """The words the opposite rules compare: a privative verb a negation cancelled counts as
    its positive ("without losing" as "keep"), and "turn off" as "turn_off"."""
    words = text.word_set
    if text.cancelled:
        words = (words - text.cancelled.keys()) | frozenset(text.cancelled.values())
    return words | _phrasal_verbs(text)


def _directions(text: _Text) -> dict[tuple[str, str], tuple[str, str]]:
    """Ordered (from, to) pairs of words around direction connectors, normalised -> as written."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for at, token in enumerate(text.tokens):
        kind = gw.CONNECTORS.get(token)
        if kind is None:
            continue
        before, after = _neighbours(text.tokens, at, -1), _neighbours(text.tokens, at, 1)
        if kind == "units":
            before = [w for w in before if w in _UNIT_BY_WORD]
            after = [w for w in after if w in _UNIT_BY_WORD]
        elif kind == "backward":
            before, after = after, before
        for x in before:
            for y in after:
                key = (_operand(x), _operand(y))
                if key[0] != key[1]:
                    found.setdefault(key, (x, y))
    return found


# --- kinds of question ---------------------------------------------------------------------

_CLAUSE_BREAKS = frozenset({".", ",", ";", ":", "!", "?", "(", ")", '"'})
_ANYWHERE_QUESTION_WORDS = frozenset({"how", "what", "which"})


def _question_kinds(text: _Text) -> frozenset[str]:
    """The kinds of question the text clearly asks: "who", "when", "where", "why", "amount"."""
    kinds: set[str] = set()
    tokens, word_set = text.tokens, text.word_set
    # "how many", "how tall", "how come", "what year", "which country": anywhere. Each word is
    # looked for with tuple.index, which most texts answer at C speed.
    for word in word_set & _ANYWHERE_QUESTION_WORDS:
        at = -1
        while (at := _index(tokens, word, at + 1)) >= 0:
            nxt, after = _token(tokens, at + 1), _token(tokens, at + 2)
            if word == "how":
                kind = "when" if nxt == "long" and after == "ago" else gw.HOW_QUESTIONS.get(nxt)
            elif after in gw.QUESTION_NOUN_COMPOUNDS:  # "what time complexity"
                kind = None
            else:
                kind = gw.QUESTION_NOUNS.get(nxt)
            if kind is not None and f"{word} {nxt}-" in text.lower:  # "how long-term", "what time-series"
                kind = None
            if kind is not None:
                kinds.add(kind)
    # "who", "when", "where", "why": only where a clause starts, after lead-ins ("can you
    # tell me"); elsewhere they are mostly relative or time clauses ("users who ...").
    if not word_set.isdisjoint(gw.QUESTION_WORDS):
        starts = [0, *[i + 1 for i, token in enumerate(tokens) if token in _CLAUSE_BREAKS]]
        for start in starts:
            for at in range(start, min(start + gw.QUESTION_LEAD_IN_LIMIT + 1, len(tokens))):
                token = tokens[at]
                kind = gw.QUESTION_WORDS.get(token)
                if kind is not None:
                    # "When was ...?" asks; "When I run it, ..." is a time clause.
                    if kind not in ("when", "where") or "'" in token or _token(tokens, at + 1) in gw.QUESTION_VERBS:
                        kinds.add(kind)
                    break
                if token not in gw.QUESTION_LEAD_INS:
                    break
    return frozenset(kinds)


def _index(tokens: tuple[str, ...], word: str, start: int) -> int:
    try:
        return tokens.index(word, start)
    except ValueError:
        return -1


def _token(tokens: tuple[str, ...], at: int) -> str:
    return tokens[at] if at < len(tokens) else ""


# --- named entities ------------------------------------------------------------------------

# The words of a text cannot tell "c++" and "c#" from "c"; this can.
_SYMBOL_NAME_RE = re.compile(r"(?<![\w+#])(c\+\+|c#)(?![\w+#])")

_QUOTED_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|`([^`]+)`|(?<!\w)'([^']+)'(?!\w)")
# Identifiers in code: each pattern runs only if a substring test (or one short regex) says it
# can match, since most prompts hold no code at all.
_FLAG_RE = re.compile(r"(?<!\S)--?[A-Za-z][\w-]*")  # CLI flags, not "big-O"
_MAYBE_DOTTED_RE = re.compile(r"\w(?:\.|::|->)[A-Za-z_]")
_DOTTED_RE = re.compile(r"\b[A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w*)+(?:\(\))?")  # dotted / paths
_CALL_RE = re.compile(r"\b[A-Za-z]\w*\(\)")
_SNAKE_RE = re.compile(r"\b\w*[a-z0-9]_\w+\b|\b_\w+\b")  # snake_case, _private
_MAYBE_CAMEL_RE = re.compile(r"[a-z][A-Z]")
_CAMEL_RE = re.compile(r"\b[a-z]+[A-Z]\w*\b")
# A plural "s" is dropped so "APIs" and "API" are the same name.
_ACRONYM_RE = re.compile(r"\b([A-Z][A-Z0-9]+)s?\b")
# The first word of each sentence (first alternative: not captured, it is just a first word),
# or a capitalised word that does not continue another word ("useEffect", "non-English").
_NAME_TOKEN_RE = re.compile(r"(?:^|[.!?:;\n])[^A-Za-z.!?:;\n]*[A-Za-z][\w-]*|(?<![A-Za-z-])([A-Z][\w-]*)")
# ("NaN" is a value, written like an acronym: "NaN values" are the missing ones.)
_NOT_NAMES = frozenset({"I", "OK", "Ok", "e.g", "i.e", "E.g", "I.e", "NaN"})
_UPPER_ASCII = bytes(range(ord("A"), ord("Z") + 1))
_LETTERS_ASCII = _UPPER_ASCII + bytes(range(ord("a"), ord("z") + 1))


def _mostly_upper(text: str) -> bool:
    # Counted on the ASCII bytes, which bytes.translate does in C: this runs on every request.
    data = text.encode()
    letters = len(data) - len(data.translate(None, _LETTERS_ASCII))
    upper = len(data) - len(data.translate(None, _UPPER_ASCII))
    return letters > 0 and upper / letters >= 0.6


def _capitalised_names(text: str) -> set[str]:
    """Capitalised words and acronyms, except the first word of a sentence (just a first word)."""
    names: set[str] = set()
    for token in _NAME_TOKEN_RE.findall(text):
        if token and token not in _NOT_NAMES:
            # Only a second capital or digit can make an acronym ("APIs" -> "API").
            acronym = _ACRONYM_RE.fullmatch(token) if token[1:2].isupper() or token[1:2].isdigit() else None
            names.add(acronym.group(1) if acronym else token)
    return names


def _may_quote(text: str) -> bool:
    """Whether `text` has a quote mark that can open a quotation (not the apostrophe in "what's")."""
    if '"' in text or "“" in text or "`" in text:
        return True
    at = text.find("'")
    while at >= 0:
        if at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_"):
            return True
        at = text.find("'", at + 1)
    return False


def _code_names(text: str) -> set[str]:
    found: set[str] = set()
    if "-" in text:
        found.update(_FLAG_RE.findall(text))
    if ("." in text or ":" in text or ">" in text) and _MAYBE_DOTTED_RE.search(text):
        found.update(_DOTTED_RE.findall(text))
    if "()" in text:
        found.update(_CALL_RE.findall(text))
    if "_" in text:
        found.update(_SNAKE_RE.findall(text))
    if _MAYBE_CAMEL_RE.search(text):
        found.update(_CAMEL_RE.findall(text))
    return found


def _entities(text: _Text) -> frozenset[str]:
    found = _capitalised_names(text.raw)
    # In a text typed in caps lock every word looks like an acronym.
    acronyms = _ACRONYM_RE.findall(text.raw)
    if acronyms and not _mostly_upper(text.raw):
        found.update(acronyms)
    if _may_quote(text.raw):
        for match in _QUOTED_RE.finditer(text.raw):
            found.add(next(group for group in match.groups() if group is not None).strip())
    found |= _code_names(text.raw)
    names = gw.KNOWN_NAMES.intersection(text.word_set)
    if "'s" in text.lower:  # "python's"
        names |= gw.KNOWN_NAMES.intersection(w[:-2] for w in text.word_set if w.endswith("'s"))
    # The words are ASCII runs, so "ünïcödé" yields a "c": keep only names that stand alone.
    found.update(name for name in names if _mentions(text.lower, name))
    if "+" in text.lower or "#" in text.lower:
        found.update(_SYMBOL_NAME_RE.findall(text.lower))
    lowered = {e.lower() for e in found if e.strip() and e not in _NOT_NAMES}
    return frozenset(lowered - gw.GENERIC_NAMES)


def extract_entities(text: str) -> frozenset[str]:
    """Lower-cased names, acronyms, quoted strings and identifiers in `text`.

    Other names of one thing are read as one ("US", "United States", "American": "usa").
    A capitalised word at the start of a sentence is not taken as a name (it is just the
    first word); if it is a name, the other text usually mentions it where it is. Generic
    words such as "Earth" or "World" are no names.
    """
    return _entities(_parse(text))


@lru_cache(maxsize=4096)  # names recur across requests; building the pattern costs more than the search
def _mention_re(entity: str) -> re.Pattern[str]:
    # Whole-word match, so "java" is not found inside "javascript"; a plural "s" is allowed
    # so "API" is found in "APIs".
    return re.compile(r"(?<![\w])" + re.escape(entity) + r"s?(?![\w])")


def _mentions(text_lower: str, entity: str) -> bool:
    # The substring test skips the regex for most misses.
    return entity in text_lower and _mention_re(entity).search(text_lower) is not None


_SHORT_NAMES = {name: variants for name, variants in (*gw.SHORT_NAMES, *gw.NAMED_BY)}
# "requirements.txt" is said by "the requirements file" too.
_FILE_NAME_RE = re.compile(r"([a-z0-9][\w-]*)\.(" + "|".join(sorted(gw.FILE_EXTENSIONS)) + ")")


def _said(other_lower: str, entity: str) -> bool:
    """Whether the other text says `entity`: as written, by a short form once the name is
    given ("node" for "Node.js"), or a file by "<stem> file"."""
    if _mentions(other_lower, entity):
        return True
    if entity in _SHORT_NAMES:
        return any(_mentions(other_lower, short) for short in _SHORT_NAMES[entity])
    if "." in entity and "file" in other_lower:
        found = _FILE_NAME_RE.fullmatch(entity)
        return found is not None and f"{found.group(1)} file" in other_lower
    return False


def _missing(entities: Iterable[str], other_lower: str) -> list[str]:
    return sorted(e for e in entities if not _said(other_lower, e))


# --- names implied by a shared name ----------------------------------------------------------

# Plain members are lower-case words, looked up in both word sets at once; the others
# ("requirements.txt", "elastic beanstalk", "=Lambda") are searched for.
_IMPLIED_WORDS = {name: frozenset(m for m in members if _WORD_RE.fullmatch(m)) for name, members in gw.IMPLIED_BY}
_IMPLIED_OTHERS = {name: tuple(m for m in members if not _WORD_RE.fullmatch(m)) for name, members in gw.IMPLIED_BY}


@lru_cache(maxsize=256)
def _exact_re(member: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(member) + r"s?(?![\w])")


def _shares_member(name: str, a: _Text, b: _Text) -> bool:
    if not _IMPLIED_WORDS[name].isdisjoint(a.word_set & b.word_set):
        return True
    for member in _IMPLIED_OTHERS[name]:
        if member.startswith("="):  # as written: a "lambda" in Python is no AWS "Lambda"
            pattern = _exact_re(member[1:])
            if pattern.search(a.raw) and pattern.search(b.raw):
                return True
        elif _said(a.lower, member) and _said(b.lower, member):
            return True
    return False


def _not_implied(missing: list[str], a: _Text, b: _Text) -> list[str]:
    """`missing` without the names a name both texts share implies ("AWS" for "S3"), and
    without units both texts name, however spelled ("MB" / "megabytes", "L" / "litres")."""
    if any(e in _UNIT_SPELLINGS for e in missing):
        shared_units = _units(a) & _units(b)
        missing = [e for e in missing if _UNIT_SPELLINGS.get(e) not in shared_units]
    return [e for e in missing if e not in _IMPLIED_WORDS or not _shares_member(e, a, b)]


# --- the checks ----------------------------------------------------------------------------


def _said_without_digits(number: str, text: _Text, other: _Text) -> bool:
    """ "1 banana" is said by "a banana", "2nd" by "second": a number the other text says in
    words that are no numbers to the number rule."""
    ordinal = gw.ORDINALS.get(number)
    if ordinal is not None and re.search(rf"(?<![\w.]){number}(?:st|nd|rd|th)\b", text.lower):
        return ordinal in other.word_set
    if number == "1":
        for at, token in enumerate(text.tokens[:-1]):
            if token == "1":
                noun = text.tokens[at + 1]
                if any(f"{article} {noun}" in other.lower for article in ("a", "an", "one")):
                    return True
    return False


def _numbers_agree(a: _Text, b: _Text) -> GuardResult:
    na, nb = _numbers(a), _numbers(b)
    if na != nb:
        only_a = [n for n in na - nb if not _said_without_digits(n, a, b)]
        only_b = [n for n in nb - na if not _said_without_digits(n, b, a)]
        if not only_a and not only_b:
            return _AGREE
        return GuardResult(False, f"numbers differ: {sorted(na)} vs {sorted(nb)}")
    return _AGREE


def _units_agree(a: _Text, b: _Text) -> GuardResult:
    ua, ub = _units(a), _units(b)
    # Only a conflict counts: "a cup of tea" vs "brew tea", or "what year" vs "when", name
    # a unit on one side only without asking something different.
    if ua and ub and ua != ub:
        return GuardResult(False, f"units differ: {sorted(ua)} vs {sorted(ub)}")
    return _AGREE


def _negations(text: _Text, other: _Text) -> int:
    """`text`'s negations, where a negated privative verb counts as a positive ("without
    losing" as "keeping") only if `other` says that positive ("but keep", "preserving"):
    otherwise "undo a commit without losing changes" would match a bare "undo a commit"."""
    if not text.cancelled:
        return text.negations
    # A word both texts use says nothing: "pass the exam without failing the lab" is not
    # "pass the exam".
    said = (other.word_set - text.word_set).union(other.cancelled.values())
    plain = other.word_set - other.cancelled.keys()
    return text.negations + sum(
        1
        for form, positive in text.cancelled.items()
        # The other text says the positive, and does not use the negative verb plainly.
        if said.isdisjoint(_AFFIRMS[positive]) or not plain.isdisjoint(_PRIVATIVE_FAMILY[form])
    )


def _negations_agree(a: _Text, b: _Text) -> GuardResult:
    pa, pb = _negations(a, b) % 2, _negations(b, a) % 2
    if pa != pb:
        return GuardResult(False, f"negation differs: {'a' if pa else 'b'} is negated or limited")
    return _AGREE


_ASKING_AUX = frozenset({"do", "does", "can", "could", "should", "would", "to"})
_ASKING_SUBJECTS = frozenset({"i", "you", "we", "one", "someone", "people"})


def _main_verb(text: _Text) -> str:
    """What the question asks to do: the word after "how do I", "how can you", "how to",
    "ways to", or the first word of an instruction ("Show hidden files"). "" if none."""
    tokens = text.tokens
    at = _index(tokens, "how", 0)
    if at < 0:
        at = _index(tokens, "ways", 0)
        if at < 0:
            at = _index(tokens, "way", 0)
    if at < 0:
        return tokens[0] if tokens else ""
    at += 1
    if _token(tokens, at) not in _ASKING_AUX:
        return ""
    if tokens[at] != "to":
        at += 1
        if _token(tokens, at) not in _ASKING_SUBJECTS:
            return ""
    return _token(tokens, at + 1)


def _main_verb_opposite(a: _Text, b: _Text) -> tuple[str, str] | None:
    """The two main verbs, if they are opposites: "thicken a sauce that's too thin" vs "thin
    a sauce that's too thick" hold the same pair of words in swapped roles, and "show hidden
    files" vs "hide files" hold both sides of show / hide ("hidden" is a form of "hide")."""
    verb_a, verb_b = _main_verb(a), _main_verb(b)
    if verb_a == verb_b or verb_a not in _SIDES_BY_WORD or verb_b not in _SIDES_BY_WORD:
        return None
    sides_a, sides_b = set(_SIDES_BY_WORD[verb_a]), set(_SIDES_BY_WORD[verb_b])
    for pair, side in sides_a:
        if (pair, 1 - side) in sides_b and (pair, 1 - side) not in sides_a and (pair, side) not in sides_b:
            return verb_a, verb_b
    return None


def _opposites_agree(a: _Text, b: _Text) -> GuardResult:
    words_a, words_b = _opposite_words(a), _opposite_words(b)
    only_a, only_b = sorted(words_a - words_b), sorted(words_b - words_a)
    found = _listed_opposite(only_a, only_b) or _prefix_opposite(only_a, only_b) or _particle_opposite(a, b)
    found = found or _main_verb_opposite(a, b)
    if found is not None:
        return GuardResult(False, f"opposites differ: {found[0]} vs {found[1]}")
    return _AGREE


def _directions_agree(a: _Text, b: _Text) -> GuardResult:
    if a.word_set.isdisjoint(_CONNECTOR_WORDS) or b.word_set.isdisjoint(_CONNECTOR_WORDS):
        return _AGREE
    da, db = _directions(a), _directions(b)
    for x, y in sorted(da.keys() - db.keys()):
        if (y, x) in db and (y, x) not in da:
            (from_a, to_a), (from_b, to_b) = da[x, y], db[y, x]
            return GuardResult(False, f"direction differs: {from_a} to {to_a} vs {from_b} to {to_b}")
    return _AGREE


def _questions_agree(a: _Text, b: _Text) -> GuardResult:
    # Only when both texts clearly ask a kind of question, and no kind is shared.
    qa = _question_kinds(a)
    if qa:
        qb = _question_kinds(b)
        if qb and qa.isdisjoint(qb):
            return GuardResult(False, f"question differs: {'/'.join(sorted(qa))} vs {'/'.join(sorted(qb))}")
    return _AGREE


def _attribute_modifiers(text: _Text) -> dict[str, str]:
    """Attribute noun -> the content word right before it ("income limit": limit -> income)."""
    found: dict[str, str] = {}
    tokens = text.tokens
    for word in text.word_set & gw.ATTRIBUTE_NOUNS:
        at = tokens.index(word)
        before = tokens[at - 1] if at else ""
        if before and before not in _NOT_A_MODIFIER and not before.isdigit():
            found[_stem(word)] = before
    return found


_NOT_A_MODIFIER = _PUNCTUATION | gw.FUNCTION_WORDS | gw.PHRASE_BREAKS | gw.ATTRIBUTE_QUALIFIERS


def _attributes_agree(a: _Text, b: _Text) -> GuardResult:
    # "the income limit" vs "the contribution limit": the same noun, measured of another thing,
    # once neither text has the other's word anywhere ("limit on income" still agrees).
    if a.word_set.isdisjoint(gw.ATTRIBUTE_NOUNS) or b.word_set.isdisjoint(gw.ATTRIBUTE_NOUNS):
        return _AGREE
    ma, mb = _attribute_modifiers(a), _attribute_modifiers(b)
    stems_a, stems_b = {_stem(w) for w in a.word_set}, {_stem(w) for w in b.word_set}
    for noun in sorted(ma.keys() & mb.keys()):
        x, y = ma[noun], mb[noun]
        if _stem(x) not in stems_b and _stem(y) not in stems_a:
            return GuardResult(False, f"attributes differ: {x} {noun} vs {y} {noun}")
    return _AGREE


# --- scope, number binding, order -----------------------------------------------------------

_SCOPE_WORDS = gw.UNIVERSAL_QUANTIFIERS | gw.SINGLE_QUANTIFIERS | gw.SINGULAR_ARTICLES
_NOT_QUANTIFIED = _PUNCTUATION | gw.FUNCTION_WORDS | gw.PHRASE_BREAKS
# "which one", "the one", "every one": a pronoun, not a count.
_NOT_ONE_THING = frozenset({"which", "the", "any", "every", "each"})


def _universal_nouns(text: _Text) -> list[str]:
    """Whether `text` is universal ("all tables", "every row"), as the plural nouns its
    universal quantifiers reach (a word "" where it quantifies no plural: "delete everything")."""
    found: list[str] = []
    tokens = text.tokens
    for at, token in enumerate(tokens):
        if token not in gw.UNIVERSAL_QUANTIFIERS or (token == "all" and at and tokens[at - 1] == "at"):
            continue
        found.append("")
        found.extend(w for w in _neighbours(tokens, at, 1) if len(w) > 3 and w.endswith("s"))
    return found


def _single(text: _Text, plurals: list[str]) -> str:
    """The word that limits `text` to one thing ("one", "single", "first", or "a" before the
    singular of one of `plurals`), or ""."""
    tokens = text.tokens
    singulars = {p[:-1] for p in plurals if p} | {p[:-2] for p in plurals if p.endswith("es")}
    for at, token in enumerate(tokens):
        nxt = _token(tokens, at + 1)
        if (
            token in gw.SINGLE_QUANTIFIERS
            and nxt
            and nxt not in _NOT_QUANTIFIED
            and not nxt.isdigit()
            and not (token == "one" and at and tokens[at - 1] in _NOT_ONE_THING)
        ):
            return token
        if token in gw.SINGULAR_ARTICLES and singulars and not singulars.isdisjoint(_neighbours(tokens, at, 1)[:3]):
            return token
    return ""


def _scope_agree(a: _Text, b: _Text) -> GuardResult:
    # One text about all things of a kind, the other limited to one of them.
    if a.word_set.isdisjoint(_SCOPE_WORDS) or b.word_set.isdisjoint(_SCOPE_WORDS):
        return _AGREE
    ua, ub = _universal_nouns(a), _universal_nouns(b)
    if bool(ua) == bool(ub):
        return _AGREE
    universal, other = (ua, b) if ua else (ub, a)
    limit = _single(other, universal)
    if limit:
        quantifier = "all" if ua else limit, limit if ua else "all"
        return GuardResult(False, f"scope differs: {quantifier[0]} vs {quantifier[1]}")
    return _AGREE


def _number_bindings(text: _Text) -> dict[str, str]:
    """Number -> the word right after it ("5 ml in teaspoons": 5 -> ml), as an operand."""
    tokens = text.tokens
    return {
        token: _operand(tokens[at + 1])
        for at, token in enumerate(tokens[:-1])
        if token[0].isdigit() and tokens[at + 1].isalpha() and tokens[at + 1] not in _NOT_QUANTIFIED
    }


def _bindings_agree(a: _Text, b: _Text) -> GuardResult:
    # "5 ml in teaspoons" vs "5 teaspoons in ml": the same number and words, the number
    # attached to another of the words.
    if not (_DIGIT_RE.search(a.raw) and _DIGIT_RE.search(b.raw)):
        return _AGREE
    ba, bb = _number_bindings(a), _number_bindings(b)
    for number in sorted(ba.keys() & bb.keys()):
        x, y = ba[number], bb[number]
        if x != y and x in {_operand(w) for w in b.word_set} and y in {_operand(w) for w in a.word_set}:
            return GuardResult(False, f"numbers bound differently: {number} {x} vs {number} {y}")
    return _AGREE


_SLASHED_RE = re.compile(r"(?<![\w/])[A-Za-z]+(?:/[A-Za-z]+)+(?![\w/])")


def _orders_agree(a: _Text, b: _Text) -> GuardResult:
    # "MM/DD/YYYY" vs "DD/MM/YYYY": the same parts in another order.
    if "/" not in a.raw or "/" not in b.raw:
        return _AGREE
    seq_a = {tuple(m.lower().split("/")) for m in _SLASHED_RE.findall(a.raw)}
    seq_b = {tuple(m.lower().split("/")) for m in _SLASHED_RE.findall(b.raw)}
    for x in sorted(seq_a - seq_b):
        for y in sorted(seq_b - seq_a):
            if sorted(x) == sorted(y):
                return GuardResult(False, f"order differs: {'/'.join(x)} vs {'/'.join(y)}")
    return _AGREE


def one_edit_apart(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours ("revrese" / "reverse")."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# A name misspelt: one slip in a name of five letters or more, with the first letter right.
_MIN_TYPO_NAME = 5
# "rust" the word is no Rust the language where the other text says "rusting", "rusty".
_WORD_FORM_SUFFIXES = ("ing", "ed", "y", "s")
# Notation, not a name: "big O", "big-O".
_NOT_A_QUOTED_WORD = gw.FUNCTION_WORDS | {"what", "which", "when", "where", "who", "why", "how", "your", "their"}
_NOTATION_RE = re.compile(r"\bbig[\s-]o\b")


def _misspelt_in(entity: str, text: _Text, names: frozenset[str]) -> bool:
    """Whether `text` writes `entity` with one slip ("pyhton", "farenheit"), or splits it
    ("pivto table" for "PivotTable"), in words that are no names of its own."""
    if len(entity) < _MIN_TYPO_NAME or not entity.isalpha():
        return False
    words = [t for t in text.tokens if t[0] == entity[0] and t not in names]
    words += [x + y for x, y in zip(text.tokens, text.tokens[1:], strict=False) if x[0] == entity[0]]
    return any(one_edit_apart(entity, w) for w in words if w != entity)


def _unnamed(missing: list[str], text: _Text, other: _Text, other_names: frozenset[str]) -> list[str]:
    """`missing` without the names the other text says in another way: misspelt, as a
    common word in another form ("rust" / "rusting": the lower-case word, not the
    language), or, for a quoted phrase, by all of its words ("'what is your greatest
    weakness'" / "greatest weakness question"), and without "o" of "big O"."""
    kept = []
    for entity in missing:
        if _misspelt_in(entity, other, other_names):
            continue
        # Typed in lower case, a known name may be a word: "rust" / "rusting".
        if (
            entity in gw.KNOWN_NAMES
            and entity in text.raw
            and any(entity + suffix in other.word_set for suffix in _WORD_FORM_SUFFIXES)
        ):
            continue
        if entity == "o" and _NOTATION_RE.search(text.lower):
            continue
        if entity == "england" and text.in_english:
            continue
        if " " in entity and entity in text.lower:
            words = [w for w in _WORD_RE.findall(entity) if len(w) > 3 and w not in _NOT_A_QUOTED_WORD]
            if len(words) >= 2 and {_stem(w) for w in words} <= {_stem(o) for o in other.word_set}:
                continue
        kept.append(entity)
    return kept


def _entities_agree(a: _Text, b: _Text) -> GuardResult:
    names_a, names_b = _entities(a), _entities(b)
    only_a = _missing(names_a, b.lower)
    only_b = _missing(names_b, a.lower)
    if only_a or only_b:
        only_a, only_b = _not_implied(only_a, a, b), _not_implied(only_b, a, b)
    if only_a or only_b:
        only_a, only_b = _unnamed(only_a, a, b, names_b), _unnamed(only_b, b, a, names_a)
    if only_a or only_b:
        return GuardResult(False, f"entities differ: {only_a} vs {only_b}")
    return _AGREE


# Cheapest and most often decisive first; the first disagreement is the reason given.
_CHECKS = (
    _numbers_agree,
    _units_agree,
    _negations_agree,
    _opposites_agree,
    _directions_agree,
    _bindings_agree,
    _orders_agree,
    _scope_agree,
    _questions_agree,
    _attributes_agree,
    _entities_agree,
)


def guards_agree(a: str, b: str) -> GuardResult:
    """Whether `a` and `b` may share a cached answer as far as the lexical guards can tell.

    Call this only for pairs that already passed the similarity threshold; it does not look
    at meaning, only at details embeddings blur: numbers, units (one spelling per unit:
    "100MB" = "100 megabytes", "°C" = "Celsius"), negation and exclusion, opposite words and
    particles, reversed directions ("X to Y" vs "Y to X"), a number bound to another word
    ("5 ml in tsp" vs "5 tsp in ml"), parts in another order ("MM/DD" vs "DD/MM"), scope
    ("all tables" vs "a table", "every" vs "one" / "first" / "only"), the kind of question (who / when /
    where / why / how many), the attribute asked for ("income limit" vs "contribution
    limit"), and named things (a name that a shared name implies, "AWS" for "S3", is no
    difference).
    """
    ta, tb = _parse(a), _parse(b)
    for check in _CHECKS:
        result = check(ta, tb)
        if not result:
            return result
    return _AGREE


class Reading(NamedTuple):
    """A text as the guards read it, for checks that must see the same words."""

    tokens: tuple[str, ...]  # lower case, aliases rewritten ("js" -> "javascript"), phrase punctuation kept
    units: frozenset[str]  # canonical units ("°F" and "fahrenheit" -> "fahrenheit")


def read(text: str) -> Reading:
    """`text` tokenised as every guard sees it (cached with the guards' own parse)."""
    parsed = _parse(text)
    return Reading(parsed.tokens, _units(parsed))


def cancelled_privatives(text: str) -> dict[str, str]:
    """Privative verbs a negation cancels in `text`, and what the two mean: "without losing
    the changes" -> {"losing": "keep"}."""
    return _parse(text).cancelled


def word_stem(word: str) -> str:
    """The guards' crude stem: "logged", "logs" and "log" all give "log"."""
    return _stem(word)


def unit_of(word: str) -> str | None:
    """The canonical unit a lower-case word names ("kilograms" -> "kg"), if any."""
    return _UNIT_BY_WORD.get(word)


def is_eligible_for_semantic(text: str) -> bool:
    """Whether a prompt is long enough for a semantic (nearest-neighbour) lookup at all."""
    stripped = text.strip()
    return len(stripped) >= MIN_ELIGIBLE_CHARS and len(_WORD_RE.findall(stripped.lower())) >= MIN_ELIGIBLE_WORDS
