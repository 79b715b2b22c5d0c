"""Named things: capitalised words, acronyms, quoted strings, identifiers and known names.

A name of one text must be said by the other: as written, by a short form once the full name
is given ("node" for Node.js), a file by "<stem> file", misspelt by one slip, or implied by a
name both share ("AWS" by "S3"). `entities_agree` is the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical import tables
from semantic_cache.verification.lexical.reading import Text, mostly_upper, parse, units
from semantic_cache.verification.lexical.result import AGREE, GuardResult
from semantic_cache.verification.lexical.tokens import WORD_RE, stem

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


def _entities(text: Text) -> frozenset[str]:
    found = _capitalised_names(text.raw)
    # In a text typed in caps lock every word looks like an acronym.
    acronyms = _ACRONYM_RE.findall(text.raw)
    if acronyms and not mostly_upper(text.raw):
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
    return _entities(parse(text))


@lru_cache(maxsize=4096)  # names recur across requests; building the pattern costs more than the search
def _mention_re(entity: str) -> re.Pattern[str]:
    # Whole-word match, so "java" is not found inside "javascript"; a plural "s" is allowed
    # so "API" is found in "APIs".
    return re.compile(r"(?<![\w])" + re.escape(entity) + r"s?(?![\w])")


def _mentions(text_lower: str, entity: str) -> bool:
    # The substring test skips the regex for most misses.
    return entity in text_lower and _mention_re(entity).search(text_lower) is not None


# "requirements.txt" is said by "the requirements file" too.


def _said(other_lower: str, entity: str) -> bool:
    """Whether the other text says `entity`: as written, by a short form once the name is
    given ("node" for "Node.js"), or a file by "<stem> file"."""
    if _mentions(other_lower, entity):
        return True
    if entity in tables.SHORT_NAMES:
        return any(_mentions(other_lower, short) for short in tables.SHORT_NAMES[entity])
    if "." in entity and "file" in other_lower:
        found = tables.FILE_NAME_RE.fullmatch(entity)
        return found is not None and f"{found.group(1)} file" in other_lower
    return False


def _missing(entities: Iterable[str], other_lower: str) -> list[str]:
    return sorted(e for e in entities if not _said(other_lower, e))


# --- names implied by a shared name ----------------------------------------------------------

# Plain members are lower-case words, looked up in both word sets at once; the others
# ("requirements.txt", "elastic beanstalk", "=Lambda") are searched for.


@lru_cache(maxsize=256)
def _exact_re(member: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(member) + r"s?(?![\w])")


def _shares_member(name: str, a: Text, b: Text) -> bool:
    if not tables.IMPLIED_WORDS[name].isdisjoint(a.word_set & b.word_set):
        return True
    for member in tables.IMPLIED_OTHERS[name]:
        if member.startswith("="):  # as written: a "lambda" in Python is no AWS "Lambda"
            pattern = _exact_re(member[1:])
            if pattern.search(a.raw) and pattern.search(b.raw):
                return True
        elif _said(a.lower, member) and _said(b.lower, member):
            return True
    return False


def _not_implied(missing: list[str], a: Text, b: Text) -> list[str]:
    """`missing` without the names a name both texts share implies ("AWS" for "S3"), and
    without units both texts name, however spelled ("MB" / "megabytes", "L" / "litres")."""
    if any(e in tables.UNIT_SPELLINGS for e in missing):
        shared_units = units(a) & units(b)
        missing = [e for e in missing if tables.UNIT_SPELLINGS.get(e) not in shared_units]
    return [e for e in missing if e not in tables.IMPLIED_WORDS or not _shares_member(e, a, b)]


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
_NOTATION_RE = re.compile(r"\bbig[\s-]o\b")


def _misspelt_in(entity: str, text: Text, names: frozenset[str]) -> bool:
    """Whether `text` writes `entity` with one slip ("pyhton", "farenheit"), or splits it
    ("pivto table" for "PivotTable"), in words that are no names of its own."""
    if len(entity) < _MIN_TYPO_NAME or not entity.isalpha():
        return False
    words = [t for t in text.tokens if t[0] == entity[0] and t not in names]
    words += [x + y for x, y in zip(text.tokens, text.tokens[1:], strict=False) if x[0] == entity[0]]
    return any(one_edit_apart(entity, w) for w in words if w != entity)


def _unnamed(missing: list[str], text: Text, other: Text, other_names: frozenset[str]) -> list[str]:
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
            words = [w for w in WORD_RE.findall(entity) if len(w) > 3 and w not in tables.NOT_A_QUOTED_WORD]
            if len(words) >= 2 and {stem(w) for w in words} <= {stem(o) for o in other.word_set}:
                continue
        kept.append(entity)
    return kept


def entities_agree(a: Text, b: Text) -> GuardResult:
    names_a, names_b = _entities(a), _entities(b)
    only_a = _missing(names_a, b.lower)
    only_b = _missing(names_b, a.lower)
    if only_a or only_b:
        only_a, only_b = _not_implied(only_a, a, b), _not_implied(only_b, a, b)
    if only_a or only_b:
        only_a, only_b = _unnamed(only_a, a, b, names_b), _unnamed(only_b, b, a, names_a)
    if only_a or only_b:
        return GuardResult(False, f"entities differ: {only_a} vs {only_b}")
    return AGREE
