"""Second false-hit check, after the lexical guards: does one question ask for more?

With all-MiniLM-L6-v2, "calorie intake for adults" and "... for teenagers", "GDP" and "GDP
per capita", or "the time complexity" and "the space complexity" of quicksort score as high
as true paraphrases, and the guards (semantic_cache/guards.py) only catch the differences
they have word tables for. This check is general: it lines up the content words of the two
questions and asks whether each word left on one side has a counterpart on the other.

1. Each text is read as the guards read it (aliases, unit spellings), and reduced to its
   content words: function words, question scaffolding ("how do I", "can you explain", "the
   best way to", "what's the command to"), politeness, and everything the guards already
   compare exactly (numbers, units, negations) go.
2. Words both sides have (same stem) match, and so do the words of one synonym group of
   generic verbs and nouns (gw.SYNONYM_GROUPS: "make" / "create" / "build", "check" / "see"
   / "view", "convert" / "turn" / "parse"). So do the words that express one kind of
   question on both sides ("what year" / "when", "what causes" / "reasons for" / "why",
   "how long" / "how many minutes", "which artist" / "who", "how fast ... travel" /
   "speed", "how many people live" / "population").
3. Each word left on one side needs a counterpart among the words left on the other side:
   one whose vector (the same embedder, one word at a time) is at least `WORD_BAR` similar
   ("biggest" / "largest", "dicts" / "dictionaries"), or one spelled almost the same (a typo
   or an abbreviation: "revrese" / "reverse", "env" / "environment") whose vector is at
   least `SPELLING_FLOOR` similar, or a slip of the keyboard (one edit, same first letter:
   "pasword" / "password") at least `TYPO_FLOOR` similar. A misspelt question word ("wich")
   is filler, and "without losing" is read as "keeping", as the guards read it. When both sides have words left, three or more in all,
   the two leftover phrases may also match as wholes ("square root" / "sqrt").
4. A word without a counterpart is a difference, with three exceptions, each one-sided in
   the same way the guards are: verbs of looking something up ("find" / "check" / "see")
   stand for each other; a generic noun or light verb that one side *adds* while the other
   side has nothing left ("the plural form of", "the vim editor", "make") says nothing new;
   and two leftovers that are both generic nouns ("status" / "error") do not differ.

An added qualifier ("per capita", "only the current branch", "in women's tennis") is a
content word without a counterpart, so it is a difference; added filler is not. Word vectors
are kept in a bounded per-process LRU (`WORD_CACHE_SIZE`), and the vectors one check lacks
are computed in one batched `embed` call. Everything else is a pure function of the two
strings. Figures and known gaps: docs/semantic-threshold.md, "The verifier".
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from semantic_cache import guard_words as gw
from semantic_cache.embedder import Embedder, FloatMatrix
from semantic_cache.guards import (
    GuardResult,
    cancelled_privatives,
    extract_entities,
    one_edit_apart,
    read,
    unit_of,
    word_stem,
)

# Cosine of two single-word vectors from which they count as the same word. With this model
# synonyms and spelling variants mostly score 0.6-0.95 ("quit" / "exit" 0.60, "largest" /
# "biggest" 0.94), a few lower ("make" / "create" 0.59, "kill" / "terminate" 0.52); other
# words lower still ("time" / "space" 0.36, "grams" / "teaspoons" 0.42), except close kinds
# of one thing, which score like synonyms ("adults" / "teenagers" 0.74). 0.58 to 0.65 decide
# the tuning pairs alike; see tests/benchmarks/bench_semantic_threshold.py and the doc.
WORD_BAR = 0.6
# A typo or an abbreviation scores lower ("pyton" / "python" 0.48), but is spelled alike.
SPELLING_FLOOR = 0.4
# A slip of the keyboard scores lower still ("pasword" / "password" 0.29, "spcae" / "space"
# 0.28), but is one edit from the word and starts with the same letter; distinct words spelled
# that close mostly score lower ("casual" / "causal" 0.16).
TYPO_FLOOR = 0.2
# A field word added by one side ("flexbox" / "flexbox css" 0.32, "pip" / "package" 0.37,
# "tomato" / "plants" 0.55); only words of `_TOPIC_WORDS` are excused this way.
TOPIC_BAR = 0.3
# Distinct words and phrases kept per process; one vector is 384 float32 (1.5 KiB).
WORD_CACHE_SIZE = 8192

_AGREE = GuardResult(True)

W = gw.words

# --- what is not content ----------------------------------------------------------------------

# Who asks, how politely, and with which question word: never what is asked.
_FILLER = W(
    """
    what what's whats wat which who who's whom whose when when's where where's why why's how how's hows
    do does did doing done i i'd i've i'll i'm im you you're u ur me my we our
    can could would should will shall may might must have has had got is are was were be been being am
    it it's its there here someone something anyone anything
    please pls plz thanks thank thx hi hello hey ok okay so also just really actually again anyway
    want like know wondering wonder curious question appear appears seem seems
    need needs needed require requires required necessary mandatory
    possible allowed able
    given via
    """
)
# The form of the request or of the answer, not its subject: "explain X", "the command to X",
# "the best way to X", "X vs Y: what's the difference".
_SCAFFOLDING = W(
    """
    explain explains explained explaining explanation tell describe description give define definition
    summarize summarise summary overview recommend suggest help
    translate say write compose calculate compute
    way ways method approach steps step instructions guide tutorial tips tip advice suggestions
    example examples command query code syntax snippet script formula
    mean meaning means stand stands short
    difference differences differ different compare comparison vs versus
    simple simply terms exactly quick quickly
    degree degrees
    """
)
# "the best way to X", "the right way to X" is "how to X".
_MANNER_WORDS = W("best right good proper correct recommended standard usual normal typical ideal")
_MANNER_NOUNS = W("way ways method methods approach")
# "the number of X" is "how many X".
_QUANTITY_NOUNS = W("number amount count quantity")
_NUMBER_WORDS = frozenset(gw.NUMBER_UNITS) | frozenset(gw.NUMBER_TENS) | frozenset(gw.NUMBER_SCALES)
_NOT_CONTENT = (
    _FILLER
    | _SCAFFOLDING
    | gw.FUNCTION_WORDS
    | gw.PHRASE_BREAKS
    | gw.NEGATIONS  # the guards compare negations and exclusions
    | gw.EXCLUSIONS
    | _NUMBER_WORDS  # ... and numbers
    | gw.NUMBER_ALONE.keys()
)

# --- words that may go unmatched ----------------------------------------------------------------

# Looking something up: "find / check / see / show my IP address" ask the same.
_LOOKUP_VERBS = W(
    "find finds finding found see sees seeing check checks checking show shows showing list lists listing "
    "view views viewing display displays displaying look looks looking get gets getting"
)
# Verbs that carry almost nothing on their own ("make a pie chart", "take a screenshot").
_LIGHT_VERBS = W(
    "make makes making made get gets getting take takes taking took use uses using used go goes come comes "
    "coming work works live lives living travel travels convert converting visit visits visiting let lets letting"
)
# Nouns that name a category of what the other words already name ("the plural form", "an
# HTTP 404 error", "the vim editor", "on Earth"). Excused only as an addition.
_GENERIC_NOUNS = (
    W(
        "thing things stuff kind kinds type types sort form forms word words term terms concept idea topic subject "
        "info information detail details error errors status issue issues problem problems tool tools program "
        "programs software app apps application applications editor system service option options content rule rules "
        "acronym abbreviation purpose role responsibilities duties name file files document documents people process "
        "city country town place location region continent"
    )
    | gw.GENERIC_NAMES
)
# A judgement that only asks for a sound answer: "a good recipe for pancakes", "is it safe to
# eat", "is it possible to return". ("best" and "worst" rank, so they stay content.)
_SOUND_ANSWER = W("good proper right correct decent nice safe safely possible allowed okay fine")
# "installed": "the version of Python" is the installed one.
_SOUND_ANSWER |= W("installed")
# Emphasis that picks out nothing new: "the key differences", "the main causes", "a complete
# beginner" ask what the plain words ask.
_EMPHASIS = W("key main complete absolute total specific particular certain")
# What led to the question, not what it asks: "I forgot my password, how do I reset it?"
_NARRATIVE = W("forgot forget forgotten")
_ADDABLE = _GENERIC_NOUNS | _LIGHT_VERBS | _LOOKUP_VERBS | _SOUND_ANSWER | _EMPHASIS | _NARRATIVE
# The field, medium or whole a question's subject belongs to: "flexbox" is CSS, "pip" installs
# packages, a stop-loss order is stock trading, tomato leaves are on plants, light travels in a
# vacuum. Added by one side, such a word says nothing new when its vector is at least
# `TOPIC_BAR` similar to a word (or name) the other side has.
_TOPIC_WORDS = W(
    """
    css html language languages programming coding package packages library libraries module framework
    dataframe table database repository repo disk terminal shell console
    economics finance trading stock stocks market physics chemistry biology mathematics math science
    body plant plants garden gardening poem poetry job career vacuum tourism tourist tourists theory
    """
)
_ADDABLE_BY_INITIAL = {i: tuple(w for w in _ADDABLE if w[0] == i) for i in {w[0] for w in _ADDABLE}}

# --- kinds of question ------------------------------------------------------------------------
#
# The words that say what kind of answer is wanted: "what year" and "when" ask the same, as do
# "what causes" and "why", "how long" and "how many minutes". Where both texts ask the same
# kind, these words match; otherwise they are content like any other.
_CAUSE_NOUNS = W("cause causes reason reasons makes make")
# "the reasons for X", "the causes of X" ask "why X" wherever they stand.
_REASON_NOUNS = W("cause causes reason reasons")
_REASON_LINKS = W("for of behind")
# "how fast" asks for the speed, "how tall" for the height, "how many people live" for the
# population; the verb that goes with it ("how fast does light travel") is part of the question.
_HOW_MEASURES = gw.table(
    "fast=speed quick=speed big=size large=size tall=height high=height old=age far=distance often=frequency "
    "heavy=weight"
)
_MEASURE_NOUNS = gw.table(
    "speed=speed velocity=speed size=size height=height age=age distance=distance frequency=frequency "
    "weight=weight population=population temperature=temperature"
)
# "the boiling point of water" asks for a temperature.
_TEMPERATURE_POINTS = W("boiling melting freezing smoke flash")
_MEASURE_VERBS = W("travel travels move moves go goes live lives living away")
_PEOPLE = W("people persons inhabitants residents")
# "which artist painted X" asks "who painted X".
_WHO_NOUNS = W("person people artist author writer inventor painter composer scientist")
_TIME_UNITS = frozenset({"second", "minute", "hour", "day", "week", "month", "year"})
_DURATION_WORDS = W("duration")
_DURATION_VERBS = W("take takes taking took time")
_BEST_TIMES = W("best right good ideal")


# Making a request or call: "send", "issue", "perform" or "fire" one is "make" one.
_SEND_VERBS = W("send sends sending sent issue issues issuing perform performs performing fire fires firing")
_REQUEST_NOUNS = W("request requests call calls")


class _Content(NamedTuple):
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
            kind = gw.QUESTION_NOUNS.get(nxt) or ("why" if nxt in _CAUSE_NOUNS else None)
            kind = kind or ("who" if nxt in _WHO_NOUNS else None)
            if kind is not None:
                kinds.setdefault(kind, set()).add(nxt)
        elif token == "how" and nxt == "long" and after != "ago":
            kinds.setdefault("duration", set()).add("long")
        elif token == "how" and nxt == "come":
            kinds.setdefault("why", set()).add("come")
        elif token == "how" and nxt in ("many", "much") and (unit_of(after) in _TIME_UNITS or after == "time"):
            kinds.setdefault("duration", set()).add(after)
        elif token == "time" and at and tokens[at - 1] in _BEST_TIMES:  # "the best time to plant" asks when
            kinds.setdefault("when", set()).update((tokens[at - 1], token))
        elif token in _DURATION_WORDS or (token == "time" and at and tokens[at - 1] not in ("what", "which")):
            kinds.setdefault("duration", set()).add(token)
        elif token in _REASON_NOUNS and nxt in _REASON_LINKS:
            kinds.setdefault("why", set()).add(token)
        elif token == "how" and nxt in _HOW_MEASURES:
            kinds.setdefault(_HOW_MEASURES[nxt], set()).add(nxt)
        elif token == "how" and nxt == "many" and after in _PEOPLE:
            kinds.setdefault("population", set()).add(after)
        elif token == "point" and at and tokens[at - 1] in _TEMPERATURE_POINTS:
            kinds.setdefault("temperature", set()).add(token)
        elif token in _MEASURE_NOUNS:
            kinds.setdefault(_MEASURE_NOUNS[token], set()).add(token)
    # "how fast does light travel", "how many people live in Japan": the verb goes with the question.
    for kind in kinds.keys() & {"speed", "population", "distance"}:
        kinds[kind].update(_MEASURE_VERBS.intersection(tokens))
    if "duration" in kinds:  # "how long does it take" / "baking time"
        kinds["duration"].update(_DURATION_VERBS.intersection(tokens))
    return kinds


# Other words for one thing, read as its plain words: "regex" is "regular expression", "dedupe"
# is "remove duplicates", "big O" is "time complexity" (and its "running time" the time), "the
# most recent commit" is "the last commit", "come into" a room is "enter" it, and
# the "line" of "command line" is the command line itself.
_PHRASES = {
    ("regex",): ("regular", "expression"),
    ("regexes",): ("regular", "expressions"),
    ("regexp",): ("regular", "expression"),
    ("dedupe",): ("remove", "duplicates"),
    ("dedup",): ("remove", "duplicates"),
    ("deduplicate",): ("remove", "duplicates"),
    ("venv",): ("virtual", "environment"),
    ("big", "o"): ("time", "complexity"),
    ("come", "into"): ("enter",),
    ("get", "into"): ("enter",),
    ("go", "into"): ("enter",),
    ("command", "line"): ("command",),
    ("most", "recent"): ("last",),
    ("running", "time"): ("time",),
    # a tool or short form read as what it names (the guards checked the name: gw.NAMED_BY)
    ("df",): ("dataframe",),
    ("dfs",): ("dataframes",),
    ("kubectl",): ("kubernetes",),
}
# Abbreviations read as their words where the guards found them as names (capital "ML";
# lower-case "ml" is millilitres): gw.NAMED_BY made sure the other text says the name.
_NAME_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("ml",): ("machine", "learning"),
    ("macbook",): ("mac",),
    ("imac",): ("mac",),
}
_PHRASE_STARTS = frozenset(key[0] for key in _PHRASES)
_NAME_PHRASE_STARTS = frozenset(key[0] for key in _NAME_PHRASES)


def _rewrite_phrases(
    tokens: tuple[str, ...],
    phrases: dict[tuple[str, ...], tuple[str, ...]] = _PHRASES,
    starts: frozenset[str] | set[str] = _PHRASE_STARTS,
) -> tuple[str, ...]:
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
        if parts[-1] == "free" or all(p in _NOT_CONTENT for p in parts):
            continue
        n = len(parts)
        if any(tokens[at : at + n] == parts for at in range(len(tokens) - n + 1)):  # not rewritten
            found[compound] = parts
    return found


@lru_cache(maxsize=256)  # a lookup checks one query against up to five candidates
def _content(text: str) -> _Content:
    tokens = _rewrite_phrases(read(text).tokens)
    # The guards made sure each name is said on both sides, or implied ("AWS" by "S3").
    names = {part for name in extract_entities(text) for part in name.split()}
    if not names.isdisjoint(_NAME_PHRASE_STARTS):
        tokens = _rewrite_phrases(tokens, _NAME_PHRASES, names)
    compounds = _compounds(text, tokens) if "-" in text else {}
    in_compound = {part for parts in compounds.values() for part in parts}
    cancelled = cancelled_privatives(text)
    words: dict[str, None] = {}
    for at, token in enumerate(tokens):
        word = token.removesuffix("'s").replace("'", "")
        word = _FORM_WORD_TYPOS.get(word, word)  # "diffrence", "recomended"
        if word in _SEND_VERBS and not _REQUEST_NOUNS.isdisjoint(tokens[at + 1 : at + 5]):
            word = "make"  # "send an HTTP request" is "make" one
        nxt = tokens[at + 1] if at + 1 < len(tokens) else ""
        if token in in_compound:
            continue
        if (
            not word.isalpha()  # punctuation and numbers: the guards compare numbers
            or len(word) == 1  # "401(k)", "x": no word of its own
            or token in _NOT_CONTENT
            or word in _NOT_CONTENT
            or word in _FILLER_TYPOS
            or _key(word) in _SCAFFOLDING_KEYS  # "writing", "explaining"
            or unit_of(word) is not None  # ... and units
            or (word in gw.FILE_EXTENSIONS and f".{word}" in text.lower())  # "requirements.txt" is a name
            or (word in _MANNER_WORDS and nxt in _MANNER_NOUNS)
            or (word in _QUANTITY_NOUNS and nxt == "of")
        ):
            continue
        words[cancelled.get(token, word)] = None  # "without losing" is "keeping"
    kinds = {kind: frozenset(found) for kind, found in _question_kinds(tokens).items()}
    for compound in compounds:
        words[compound] = None
    parts = {compound: frozenset(map(_key, found)) for compound, found in compounds.items()}
    token_keys = frozenset(_key(t) for t in tokens if t.isalpha())
    keys = token_keys.union(map(_key, words)).union(*parts.values())
    groups = frozenset().union(*(_SYNONYMS.get(key, ()) for key in keys))
    return _Content(tuple(words), kinds, frozenset(names), parts, token_keys, groups)


@lru_cache(maxsize=4096)
def _key(word: str) -> str:
    """What two spellings of one word share: the guards' stem, after "-ly" and "-ies"."""
    if len(word) > 5 and word.endswith("ly"):
        word = word[:-2]
    elif len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    return word_stem(word)


def _leftovers(mine: _Content, other: _Content) -> list[str]:
    """`mine`'s content words that `other` lacks, without the words of a kind of question both
    ask, and without the words a synonym of which `other` has (gw.SYNONYM_GROUPS)."""
    shared_kinds = mine.kinds.keys() & other.kinds.keys()
    said = frozenset().union(*(mine.kinds[k] for k in shared_kinds)) | mine.names | other.names
    theirs = {_key(w) for w in other.words}.union(*other.compounds.values())
    their_groups = other.groups
    return [
        w
        for w in mine.words
        if w not in said
        and _key(w) not in theirs
        and their_groups.isdisjoint(_SYNONYMS.get(_key(w), ()))
        and not (w in mine.compounds and mine.compounds[w] <= other.token_keys)
    ]


def _synonym_index() -> dict[str, frozenset[int]]:
    index: dict[str, set[int]] = {}
    for group, members in enumerate(gw.SYNONYM_GROUPS):
        for word in members:
            index.setdefault(_key(word), set()).add(group)
    return {key: frozenset(groups) for key, groups in index.items()}


# Stem -> the synonym groups it belongs to.
_SYNONYMS = _synonym_index()
# Inflections of the scaffolding verbs ("tips for writing X" is "how to write X").
_SCAFFOLDING_KEYS = frozenset(_key(w) for w in _SCAFFOLDING if len(w) > 3)


# --- spelling ---------------------------------------------------------------------------------


def _spelled_alike(a: str, b: str) -> bool:
    """A typo of a word of five letters or more, or an abbreviation ("env", "dict")."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and len(long) >= 5 and one_edit_apart(short, long):
        return True
    return len(short) >= 3 and long.startswith(short)


def _typo(a: str, b: str) -> bool:
    """One slip of the keyboard in a word of five letters or more ("pasword", "contaner",
    "editer", "spcae"): people rarely get the first letter wrong, and words that differ in
    one letter but mean other things mostly differ in their vectors too (see TYPO_FLOOR)."""
    return a[0] == b[0] and max(len(a), len(b)) >= 5 and min(len(a), len(b)) >= 4 and one_edit_apart(a, b)


def _filler_typos() -> frozenset[str]:
    """Slips in the question words ("wich", "wat", "whta"): a letter dropped or two swapped
    after the first, so the misspelt question word is no content word."""
    found: set[str] = set()
    for word in _FILLER:
        if not word.startswith("wh") or not word.isalpha():
            continue
        found.update(word[:i] + word[i + 1 :] for i in range(1, len(word)))
        found.update(word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1))
    return frozenset(w for w in found if len(w) >= 3) - _FILLER


# Common slips in function words, mostly two letters swapped ("teh", "adn").
_FILLER_TYPOS = _filler_typos() | W("teh hte adn nad taht thsi")

# Words of the question's form ("difference", "calculate", "recommended") and of the synonym
# groups ("substitute") that people misspell: a letter dropped or two neighbours swapped, the
# first letter right, in words of six letters or more (shorter ones mostly make other words).
_MIN_FORM_TYPO = 6
_MIN_UNIT_TYPO = 8
# Variants that are words of their own (those in the model's word-piece vocabulary when the
# table was written): "lunch" is no slip for "launch", nor "crate" for "create".
_REAL_WORDS = W("covert crate crete exits lunch sands norma chang")


def _form_word_typos() -> dict[str, str]:
    # Long unit words ("farenheit", "kilomters"); shorter ones give real words ("ponds", "moths").
    units = frozenset(w for spellings in gw.UNIT_GROUPS.values() for w in spellings if len(w) >= _MIN_UNIT_TYPO)
    known = _SCAFFOLDING | _MANNER_WORDS | _FILLER | _SOUND_ANSWER | units | frozenset().union(*gw.SYNONYM_GROUPS)
    found: dict[str, str] = {}
    for word in sorted(known):
        if len(word) < _MIN_FORM_TYPO or not word.isalpha():
            continue
        variants = {word[:i] + word[i + 1 :] for i in range(1, len(word))}
        variants |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
        for variant in variants - {word}:
            found.setdefault(variant, word)
    taken = known | _NOT_CONTENT | _REAL_WORDS
    return {typo: word for typo, word in found.items() if typo not in taken and _key(typo) != _key(word)}


_FORM_WORD_TYPOS = _form_word_typos()

# Prefixes that change what a word means ("overbought" / "oversold", "upgrade" / "update").
_MEANING_PREFIXES = frozenset(p for pair in gw.PREFIX_PAIRS for p in pair if p) | W("sub super micro milli kilo mega")
_MIN_SHARED_SUFFIX = 5
_MIN_REST = 3


def _contrasting(a: str, b: str) -> bool:
    """Two words built from one shared part and different other parts: "teaspoon" /
    "tablespoon", "milligrams" / "micrograms", "calorie" / "kilocalorie", "overbought" /
    "oversold". Their vectors are close, but they name different things."""
    shared = len(_common_suffix(a, b))
    if shared >= _MIN_SHARED_SUFFIX and max(len(a), len(b)) - shared >= 2:
        return True
    # The words part right after the prefix: "over|bought" / "over|sold", not "dehydrat|ed".
    prefix = os.path.commonprefix([a, b])
    return prefix in _MEANING_PREFIXES and min(len(a), len(b)) - len(prefix) >= _MIN_REST


def _common_suffix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return a[len(a) - n :]


# --- word vectors -----------------------------------------------------------------------------


class _WordVectors:
    """Vectors of single words and short phrases, least recently used dropped first.

    Words repeat across requests far more than questions do, so after warm-up most checks
    embed nothing. One lock guards the dictionary; the embedding itself runs outside it.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._vectors: OrderedDict[tuple[str, str], FloatMatrix] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder: Embedder, texts: Iterable[str]) -> dict[str, FloatMatrix]:
        model = embedder.model_name
        found: dict[str, FloatMatrix] = {}
        missing: list[str] = []
        with self._lock:
            for text in dict.fromkeys(texts):
                vector = self._vectors.get((model, text))
                if vector is None:
                    missing.append(text)
                else:
                    self._vectors.move_to_end((model, text))
                    found[text] = vector
        if missing:
            rows = embedder.embed(missing)  # one batched call for everything this check lacks
            with self._lock:
                for text, row in zip(missing, rows, strict=True):
                    self._vectors[(model, text)] = row
                    found[text] = row
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return found

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()

    def __len__(self) -> int:
        return len(self._vectors)


word_vectors = _WordVectors(WORD_CACHE_SIZE)


def forget_parsed_texts() -> None:
    """Drop the parsed texts, so the next check reads its texts afresh (for measurements)."""
    _content.cache_clear()


# --- the check --------------------------------------------------------------------------------


def _unmatched(words: list[str], others: list[str], vectors: dict[str, FloatMatrix]) -> list[str]:
    found = []
    for word in words:
        for other in others:
            similarity = float(vectors[word] @ vectors[other])
            if similarity >= TYPO_FLOOR and _typo(word, other):  # "pasword" / "password"
                break
            if _contrasting(word, other):
                continue
            if similarity >= WORD_BAR or (similarity >= SPELLING_FLOOR and _spelled_alike(word, other)):
                break
        else:
            found.append(word)
    return found


def _addable(word: str) -> bool:
    """In `_ADDABLE`, or a typo of a word of five letters or more there ("editer"; "kids" is
    no typo of "kinds")."""
    if word in _ADDABLE:
        return True
    return len(word) >= 5 and any(
        len(other) >= 5 and _typo(word, other) for other in _ADDABLE_BY_INITIAL.get(word[0], ())
    )


def _excused(only_a: list[str], only_b: list[str]) -> tuple[list[str], list[str]]:
    """The unmatched words that still count as a difference (see the module docstring, 4)."""
    if all(w in _LOOKUP_VERBS for w in only_a + only_b):
        return [], []
    if not only_b:
        only_a = [w for w in only_a if not _addable(w)]
    if not only_a:
        only_b = [w for w in only_b if not _addable(w)]
    if all(w in _GENERIC_NOUNS for w in only_a + only_b):
        return [], []
    return only_a, only_b


def _implied_topics(added: list[str], other: _Content, embedder: Embedder) -> bool:
    """Whether each added word is a field word the other side's words imply (`TOPIC_BAR`)."""
    if not all(w in _TOPIC_WORDS for w in added):
        return False
    others = [*other.words, *other.names]
    if not others:
        return False
    vectors = word_vectors.get(embedder, [*added, *others])
    return all(any(float(vectors[w] @ vectors[o]) >= TOPIC_BAR for o in others) for w in added)


def verify(query_text: str, stored_query: str, embedder: Embedder) -> GuardResult:
    """Whether every content word of each question has a counterpart in the other.

    Run it on a candidate hit that passed the similarity threshold and `guards_agree`. It is
    one-sided like the guards: a word without a counterpart makes the pair "different"
    (a cache miss), e.g. "unmatched: time/space" or "unmatched: -/capita" (nothing on
    the query's side, "capita" on the stored one's).
    """
    a, b = _content(query_text), _content(stored_query)
    left_a, left_b = _leftovers(a, b), _leftovers(b, a)
    if not left_a and not left_b:
        return _AGREE
    phrases: list[str] = []
    if left_a and left_b and len(left_a) + len(left_b) > 2:
        phrases = [" ".join(left_a), " ".join(left_b)]
    vectors = word_vectors.get(embedder, [*left_a, *left_b, *phrases]) if left_a and left_b else {}
    only_a = _unmatched(left_a, left_b, vectors) if left_b else left_a
    only_b = _unmatched(left_b, left_a, vectors) if left_a else left_b
    only_a, only_b = _excused(only_a, only_b)
    if not only_a and not only_b:
        return _AGREE
    if not only_b and _implied_topics(only_a, b, embedder) or not only_a and _implied_topics(only_b, a, embedder):
        return _AGREE
    if phrases and float(vectors[phrases[0]] @ vectors[phrases[1]]) >= WORD_BAR:
        return _AGREE
    return GuardResult(False, f"unmatched: {','.join(only_a) or '-'}/{','.join(only_b) or '-'}")
