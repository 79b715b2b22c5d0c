"""A text as the guards read it: tokens, one spelling per unit and per name, numbers, negation.

`parse` reads each text once (the last 32 are kept: a lookup checks one query against up to
five candidates). Before any check sees a text, units get one spelling ("°C", "100 C" ->
celsius; "100MB" -> "100 MB"), aliases their canonical name ("US", "American" -> USA), and
"w/o" is "without"; then the numbers (digits and number words), units and the count of
negations and exclusions are read off the tokens.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical import tables
from semantic_cache.verification.lexical.tokens import DIGIT_RE, PUNCTUATION, TOKEN_RE

# "non-empty" and "nonempty" are one word, so the prefix rule below sees both the same way.
_PREFIX_HYPHEN_RE = re.compile(r"\b(non|un|de|dis|pre|post)-(?=[a-z])")
# "w/o" and "w/" are "without" and "with" (not "w/x", "w/o/x": slash-joined words).
_WITH_RE = re.compile(r"(?<![\w/])[wW]/([oO])?(?![\w/])")
# "the passive voice in English": English is the language questions are asked in, so the
# other text need not say it (but "in French" must be said by both).
_IN_ENGLISH_RE = re.compile(r"\bin english\b")
# "U.S.A." and "D.C." are "USA" and "DC", so the name and alias rules see one word.
_DOTTED_ACRONYM_RE = re.compile(r"\b[A-Z](?:\.[A-Z])+\.?")


class Text(NamedTuple):
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


# A lookup checks one query against up to five candidates (semantic_cache/lookup.py), so the
# query is parsed once, not five times. Small on purpose: prompts can be long.
@lru_cache(maxsize=32)
def parse(text: str) -> Text:
    tables.load()  # the word lists, on the first text read (a cached parse has them already)
    text = _normalise_units(text)
    if "w/" in text or "W/" in text:  # "w/o sugar" is "without sugar", "w/ sugar" "with sugar"
        text = _WITH_RE.sub(lambda m: "without" if m.group(1) else "with", text)
    if "us " in text:
        text = tables.LOWER_US_RE.sub("US", text)
    if "." in text and _has_dotted_acronym(text):
        text = _DOTTED_ACRONYM_RE.sub(lambda m: m.group().replace(".", ""), text)
    lower, normalised, tokens, word_set = _tokenise(text)
    in_english = "english" in word_set and _IN_ENGLISH_RE.search(lower) is not None
    if not word_set.isdisjoint(tables.ALIAS_TRIGGERS):
        rewritten = _rewrite_aliases(text, word_set & tables.ALIAS_TRIGGERS)
        if rewritten != text:
            text = rewritten
            lower, normalised, tokens, word_set = _tokenise(text)
    negations, cancelled = _polarity(tokens, word_set, normalised)
    return Text(text, lower, tokens, word_set, negations, cancelled, in_english)


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
    tokens = tuple(TOKEN_RE.findall(normalised))
    return lower, normalised, tokens, frozenset(tokens).difference(PUNCTUATION)


# --- unit spellings -----------------------------------------------------------------------
#
# One unit, one word, before any check reads the text: "°C", "℃" and "100 C" are "celsius",
# "100MB" is "100 MB", "24h" is "24 h" (an hour: see gw.UNITS_AFTER_NUMBER).

# One pass over the text says whether any symbol can be there (most texts: none).
# "100 C", "100C", "100 degrees F": a capital C or F right after a number is a temperature.
_TEMPERATURE_RE = re.compile(r"(\d)\s?(?:deg(?:rees?)?\s?)?([CF])\b")
# A number glued to a unit ("100MB", "5kg", "24h"), but not a decade ("the 1990s", "the 80s").
_GLUED_UNIT_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([A-Za-z]+)\b")
# After the split above, so "1990s" (glued, a decade) is no unit.


def _split_glued_unit(match: re.Match[str]) -> str:
    number, unit = match.groups()
    if (unit.lower() in tables.UNIT_BY_WORD or unit in gw.UNITS_AFTER_NUMBER) and not (
        unit == "s" and number[-1] == "0"
    ):
        return f"{number} {unit}"
    return match.group()


def _normalise_units(text: str) -> str:
    if tables.UNIT_SYMBOL_CHAR_RE.search(text):
        text = tables.UNIT_SYMBOL_RE.sub(lambda m: " " + gw.UNIT_SYMBOLS[m.group().lower()], text)
    if DIGIT_RE.search(text):
        text = _GLUED_UNIT_RE.sub(_split_glued_unit, text)
        if "C" in text or "F" in text:
            text = _TEMPERATURE_RE.sub(lambda m: f"{m.group(1)} {gw.TEMPERATURE_LETTERS[m.group(2)]}", text)
    return text


# --- aliases -------------------------------------------------------------------------------
#
# Each text is rewritten to canonical names first (gw.ALIASES): "American" and "United States"
# become "USA", "js" becomes "JavaScript", "WW2" becomes "WWII". Every check then sees the same
# word for the same thing. The scan runs only for texts holding a variant's first word.


_ALIAS_SEPARATOR_RE = re.compile(r"[\s-]+")


@lru_cache(maxsize=1024)  # keyed by the variants' first words a text holds: few combinations recur
def _alias_re(triggers: frozenset[str], case_sensitive: bool) -> re.Pattern[str]:
    patterns = [p for t in triggers for p, sensitive in tables.ALIAS_PATTERNS[t] if case_sensitive or not sensitive]
    # Longest first, so "South America" wins over "America" and "World War II" over "World War I".
    alternatives = "|".join(sorted(patterns, key=lambda p: (-len(p), p)))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w$])", re.IGNORECASE)


def _canonical_name(match: re.Match[str]) -> str:
    key = _ALIAS_SEPARATOR_RE.sub(" ", match.group().lower())
    return tables.ALIAS_CANONICAL.get(key) or tables.ALIAS_CANONICAL.get(key[:-1], match.group())


def _rewrite_aliases(text: str, triggers: frozenset[str]) -> str:
    # In a text typed in caps lock every word looks like an acronym: "US" may be "us" there.
    return _alias_re(triggers, not mostly_upper(text)).sub(_canonical_name, text)


# --- numbers -------------------------------------------------------------------------------

# A leading minus counts only where it cannot be a range or a hyphen ("3-5", "gpt-4").
_NUMBER_RE = re.compile(r"(?:(?<![\w)])-)?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:(?<![\w)])-)?\d+(?:\.\d+)?")
# "3 million" is 3000000, as "three million" is.


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
        elif token in gw.NUMBER_SCALES and not (i and tokens[i - 1].isdigit()):  # "3 million": see tables.SCALED_RE
            scale = int(gw.NUMBER_SCALES[token])
            if scale == 100:
                current = (current or 1) * 100
            else:
                total, current = total + (current or 1) * scale, 0
            last = "scale"
        elif token == "and" and last == "scale" and nxt in tables.NUMBER_WORDS:
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


def numbers(text: Text) -> frozenset[str]:
    # Only thousands separators go: "3.10" and "3.1" stay apart because versions differ.
    found: set[str] = set()
    if DIGIT_RE.search(text.raw):
        digits = text.raw
        if not text.word_set.isdisjoint(gw.NUMBER_SCALES):
            digits = tables.SCALED_RE.sub(_scaled, text.lower)
        found.update(m.group().replace(",", "") for m in _NUMBER_RE.finditer(digits))
    if not text.word_set.isdisjoint(tables.NUMBER_WORDS):
        found.update(_word_numbers(text.tokens))
    return frozenset(found)


def extract_numbers(text: str) -> frozenset[str]:
    """Canonical numbers mentioned in `text`, digits or number words ("twenty-five" is "25")."""
    return numbers(parse(text))


# --- units ---------------------------------------------------------------------------------

_SYMBOL_RE = re.compile("[$€£¥%]")
# Every spelling of a unit in lower case ("l" of "2 L" too), for the name check.


def units(text: Text) -> frozenset[str]:
    units = {tables.UNIT_BY_WORD[w] for w in text.word_set & tables.UNIT_WORDS}
    css = text.word_set & tables.CSS_WORDS
    if len(css) > 1 or css and "css" in text.word_set:  # "px to rem", "em vs rem", "rem in css"
        units.update(gw.CSS_UNITS[w] for w in css)
    if DIGIT_RE.search(text.raw):
        units.update(gw.UNITS_AFTER_NUMBER[m] for m in tables.UNIT_AFTER_NUMBER_RE.findall(text.raw))
    if _SYMBOL_RE.search(text.raw):
        units.update(unit for symbol, unit in gw.SYMBOL_UNITS.items() if symbol in text.raw)
    return frozenset(units)


def extract_units(text: str) -> frozenset[str]:
    """Canonical units of measure or currency mentioned in `text`."""
    return units(parse(text))


# --- negation and exclusion ----------------------------------------------------------------


# Each form -> all forms of its verb ("losing" -> lose, loses, lost, ...).
# Any of these (or a "n't", or "-free") sends a text through the negation scan.
# "empty" before one of these is no adjective before a noun.
# ... nor after one of these, where it is a verb ("how to empty trash").
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
    if word_set.isdisjoint(tables.POLARITY_WORDS) and "n't" not in text and "free" not in word_set:
        return 0, cancelled
    count = 0
    skip = False
    for i, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if _is_negation(token):
            if nxt in tables.PRIVATIVE_FORMS:  # a negative of a negative: "without losing" is "keeping"
                cancelled[nxt] = tables.PRIVATIVE_FORMS[nxt]
                skip = True
            else:
                count += 1
        elif token in gw.EXCLUSIONS:
            if token != "except" or ("try" not in word_set and nxt not in gw.EXCEPT_CLAUSE_WORDS):
                count += 1
        elif token in tables.EXCLUSION_HEADS:
            count += (token, nxt) in gw.EXCLUSION_PAIRS
        elif token in gw.PRIVATIVE_ADJECTIVES:
            count += nxt != "" and nxt not in tables.NOT_A_NOUN and not (i and tokens[i - 1] in _VERB_CONTEXT)
    if "free" in word_set:
        count += len(_FREE_RE.findall(text))
    return count, cancelled


def negation_parity(text: str) -> bool:
    """True if `text` reads as negated: an odd number of negations and exclusions (a negated
    privative verb, "without losing", counts as no negation)."""
    return parse(text).negations % 2 == 1


_UPPER_ASCII = bytes(range(ord("A"), ord("Z") + 1))
_LETTERS_ASCII = _UPPER_ASCII + bytes(range(ord("a"), ord("z") + 1))


def mostly_upper(text: str) -> bool:
    # Counted on the ASCII bytes, which bytes.translate does in C: this runs on every request.
    data = text.encode()
    letters = len(data) - len(data.translate(None, _LETTERS_ASCII))
    upper = len(data) - len(data.translate(None, _UPPER_ASCII))
    return letters > 0 and upper / letters >= 0.6
