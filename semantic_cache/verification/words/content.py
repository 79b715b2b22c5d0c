"""What the content-word stage compares: a question reduced to its content words.

Each text is read as the guards read it (aliases, unit spellings), and reduced to the words
that say what is asked: filler, scaffolding, politeness and what the guards compare exactly
(numbers, units, negations, names) go; phrases are read as their plain words ("regex" is
"regular expression"); the words that ask a kind of question ("what year", "when") are
noted, so two texts asking one kind match on them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical.checks import cancelled_privatives, read, unit_of
from semantic_cache.verification.lexical.names import extract_entities
from semantic_cache.verification.words import tables
from semantic_cache.verification.words.spelling import key


class Content(NamedTuple):
    words: tuple[str, ...]  # content words in text order, no repeats
    kinds: dict[str, frozenset[str]]  # kind of question -> the content words that ask it
    names: frozenset[str]  # the words of its names, which the guards compare
    # Hyphenated compounds among `words` ("short-term") -> the keys of their parts.
    compounds: dict[str, frozenset[str]]
    token_keys: frozenset[str]  # keys of all its words, content or not (for compounds only)
    # The synonym groups of its words, content or not: a synonym may be a word read as a
    # preposition there ("the process using port 80").
    groups: frozenset[int]


def _question_kinds(tokens: Sequence[str]) -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for at, token in enumerate(tokens):
        nxt = tokens[at + 1] if at + 1 < len(tokens) else ""
        after = tokens[at + 2] if at + 2 < len(tokens) else ""
        if token in ("when", "where", "why", "who"):
            kinds.setdefault(token, set())
        elif token in ("what", "which"):
            kind = gw.QUESTION_NOUNS.get(nxt) or ("why" if nxt in gw.CAUSE_NOUNS else None)
            kind = kind or ("who" if nxt in gw.WHO_NOUNS else None)
            if kind is not None:
                kinds.setdefault(kind, set()).add(nxt)
        elif token == "how" and nxt == "long" and after != "ago":
            kinds.setdefault("duration", set()).add("long")
        elif token == "how" and nxt == "come":
            kinds.setdefault("why", set()).add("come")
        elif token == "how" and nxt in ("many", "much") and (unit_of(after) in gw.TIME_UNITS or after == "time"):
            kinds.setdefault("duration", set()).add(after)
        elif token == "time" and at and tokens[at - 1] in gw.BEST_TIMES:  # "the best time to plant" asks when
            kinds.setdefault("when", set()).update((tokens[at - 1], token))
        elif token in gw.DURATION_WORDS or (token == "time" and at and tokens[at - 1] not in ("what", "which")):
            kinds.setdefault("duration", set()).add(token)
        elif token in gw.REASON_NOUNS and nxt in gw.REASON_LINKS:
            kinds.setdefault("why", set()).add(token)
        elif token == "how" and nxt in gw.HOW_MEASURES:
            kinds.setdefault(gw.HOW_MEASURES[nxt], set()).add(nxt)
        elif token == "how" and nxt == "many" and after in gw.PEOPLE:
            kinds.setdefault("population", set()).add(after)
        elif token == "point" and at and tokens[at - 1] in gw.TEMPERATURE_POINTS:
            kinds.setdefault("temperature", set()).add(token)
        elif token in gw.MEASURE_NOUNS:
            kinds.setdefault(gw.MEASURE_NOUNS[token], set()).add(token)
    # "how fast does light travel", "how many people live in Japan": the verb goes with the question.
    for kind in kinds.keys() & {"speed", "population", "distance"}:
        kinds[kind].update(gw.MEASURE_VERBS.intersection(tokens))
    if "duration" in kinds:  # "how long does it take" / "baking time"
        kinds["duration"].update(gw.DURATION_VERBS.intersection(tokens))
    return kinds


# Other words for one thing, read as its plain words: "regex" is "regular expression", "dedupe"


def rewrite_phrases(
    tokens: tuple[str, ...],
    phrases: dict[tuple[str, ...], tuple[str, ...]] | None = None,
    starts: frozenset[str] | set[str] | None = None,
) -> tuple[str, ...]:
    """`tokens` with each phrase of `phrases` (default: the word lists' `phrases`) read as its
    plain words; `starts` are the first words to look for."""
    tables.load()
    if phrases is None:
        phrases, starts = gw.PHRASES, tables.PHRASE_STARTS
    assert starts is not None
    if starts.isdisjoint(tokens):
        return tokens
    out: list[str] = []
    at = 0
    while at < len(tokens):
        two = tuple(tokens[at : at + 2])
        if two in phrases:
            out.extend(phrases[two])
            at += 2
        elif (tokens[at],) in phrases and tokens[at] in starts:
            out.extend(phrases[tokens[at],])
            at += 1
        else:
            out.append(tokens[at])
            at += 1
    return tuple(out)


# A hyphenated compound ("short-term", "full-time", "low-fat", "first-class", "real-time") is
# one content word, whatever its parts are alone ("short" is scaffolding, "term" a generic
# noun): added by one side it narrows the question. The other side says it by all its parts,
# spaced or not ("short term"). Compounds of filler only ("how-to", "step-by-step") and the
# "-free" ones the guards read as negations ("gluten-free") stay words.
_COMPOUND_RE = re.compile(r"(?<![\w-])[a-z]{2,}(?:-[a-z]{2,})+(?![\w-])")


def _compounds(text: str, tokens: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for compound in _COMPOUND_RE.findall(text.lower().replace("\u2019", "'")):
        parts = tuple(compound.split("-"))
        if parts[-1] == "free" or all(p in tables.NOT_CONTENT for p in parts):
            continue
        n = len(parts)
        if any(tokens[at : at + n] == parts for at in range(len(tokens) - n + 1)):  # not rewritten
            found[compound] = parts
    return found


@lru_cache(maxsize=256)  # a lookup checks one query against up to five candidates
def content(text: str) -> Content:
    tables.load()
    tokens = rewrite_phrases(read(text).tokens)
    # The guards made sure each name is said on both sides, or implied ("AWS" by "S3").
    names = {part for name in extract_entities(text) for part in name.split()}
    if not names.isdisjoint(tables.NAME_PHRASE_STARTS):
        tokens = rewrite_phrases(tokens, gw.NAME_PHRASES, names)
    compounds = _compounds(text, tokens) if "-" in text else {}
    in_compound = {part for parts in compounds.values() for part in parts}
    cancelled = cancelled_privatives(text)
    words: dict[str, None] = {}
    for at, token in enumerate(tokens):
        word = token.removesuffix("'s").replace("'", "")
        word = tables.FORM_WORD_TYPOS.get(word, word)  # "diffrence", "recomended"
        if word in gw.SEND_VERBS and not gw.REQUEST_NOUNS.isdisjoint(tokens[at + 1 : at + 5]):
            word = "make"  # "send an HTTP request" is "make" one
        nxt = tokens[at + 1] if at + 1 < len(tokens) else ""
        if token in in_compound:
            continue
        if (
            not word.isalpha()  # punctuation and numbers: the guards compare numbers
            or len(word) == 1  # "401(k)", "x": no word of its own
            or token in tables.NOT_CONTENT
            or word in tables.NOT_CONTENT
            or word in tables.FILLER_TYPOS
            or key(word) in tables.SCAFFOLDING_KEYS  # "writing", "explaining"
            or unit_of(word) is not None  # ... and units
            or (word in gw.FILE_EXTENSIONS and f".{word}" in text.lower())  # "requirements.txt" is a name
            or (word in gw.MANNER_WORDS and nxt in gw.MANNER_NOUNS)
            or (word in gw.QUANTITY_NOUNS and nxt == "of")
        ):
            continue
        words[cancelled.get(token, word)] = None  # "without losing" is "keeping"
    kinds = {kind: frozenset(found) for kind, found in _question_kinds(tokens).items()}
    for compound in compounds:
        words[compound] = None
    parts = {compound: frozenset(map(key, found)) for compound, found in compounds.items()}
    token_keys = frozenset(key(t) for t in tokens if t.isalpha())
    keys = token_keys.union(map(key, words)).union(*parts.values())
    groups = frozenset().union(*(tables.SYNONYMS.get(key, ()) for key in keys))
    return Content(tuple(words), kinds, frozenset(names), parts, token_keys, groups)


def leftovers(mine: Content, other: Content) -> list[str]:
    """`mine`'s content words that `other` lacks, without the words of a kind of question both
    ask, and without the words a synonym of which `other` has (gw.SYNONYM_GROUPS)."""
    shared_kinds = mine.kinds.keys() & other.kinds.keys()
    said = frozenset().union(*(mine.kinds[k] for k in shared_kinds)) | mine.names | other.names
    theirs = {key(w) for w in other.words}.union(*other.compounds.values())
    their_groups = other.groups
    return [
        w
        for w in mine.words
        if w not in said
        and key(w) not in theirs
        and their_groups.isdisjoint(tables.SYNONYMS.get(key(w), ()))
        and not (w in mine.compounds and mine.compounds[w] <= other.token_keys)
    ]


def forget_parsed_texts() -> None:
    """Drop the parsed texts, so the next check reads its texts afresh (for measurements)."""
    content.cache_clear()
