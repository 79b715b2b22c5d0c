"""The guards' checks, in order, and `guards_agree`, which runs them on a pair.

Numbers, units, negation, opposites, direction, numbers bound to words, order, scope, the
kind of question, the attribute asked for, and names (names.py); the first that finds a
difference gives the reason. Also the readers other stages share: `read`,
`cancelled_privatives`, `word_stem`, `unit_of`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical import tables
from semantic_cache.verification.lexical.names import entities_agree
from semantic_cache.verification.lexical.opposites import (
    directions,
    listed_opposite,
    neighbours,
    operand,
    opposite_words,
    particle_opposite,
    prefix_opposite,
)
from semantic_cache.verification.lexical.reading import Text, numbers, parse, units
from semantic_cache.verification.lexical.result import AGREE, GuardResult
from semantic_cache.verification.lexical.tokens import DIGIT_RE, stem

# --- kinds of question ---------------------------------------------------------------------

_CLAUSE_BREAKS = frozenset({".", ",", ";", ":", "!", "?", "(", ")", '"'})
_ANYWHERE_QUESTION_WORDS = frozenset({"how", "what", "which"})


def _question_kinds(text: Text) -> frozenset[str]:
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


# --- the checks ----------------------------------------------------------------------------


def _said_without_digits(number: str, text: Text, other: Text) -> bool:
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


def _numbers_agree(a: Text, b: Text) -> GuardResult:
    na, nb = numbers(a), numbers(b)
    if na != nb:
        only_a = [n for n in na - nb if not _said_without_digits(n, a, b)]
        only_b = [n for n in nb - na if not _said_without_digits(n, b, a)]
        if not only_a and not only_b:
            return AGREE
        return GuardResult(False, f"numbers differ: {sorted(na)} vs {sorted(nb)}")
    return AGREE


def _units_agree(a: Text, b: Text) -> GuardResult:
    ua, ub = units(a), units(b)
    # Only a conflict counts: "a cup of tea" vs "brew tea", or "what year" vs "when", name
    # a unit on one side only without asking something different.
    if ua and ub and ua != ub:
        return GuardResult(False, f"units differ: {sorted(ua)} vs {sorted(ub)}")
    return AGREE


def _negations(text: Text, other: Text) -> int:
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
        if said.isdisjoint(tables.AFFIRMS[positive]) or not plain.isdisjoint(tables.PRIVATIVE_FAMILY[form])
    )


def _negations_agree(a: Text, b: Text) -> GuardResult:
    pa, pb = _negations(a, b) % 2, _negations(b, a) % 2
    if pa != pb:
        return GuardResult(False, f"negation differs: {'a' if pa else 'b'} is negated or limited")
    return AGREE


_ASKING_AUX = frozenset({"do", "does", "can", "could", "should", "would", "to"})
_ASKING_SUBJECTS = frozenset({"i", "you", "we", "one", "someone", "people"})


def _main_verb(text: Text) -> str:
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


def _main_verb_opposite(a: Text, b: Text) -> tuple[str, str] | None:
    """The two main verbs, if they are opposites: "thicken a sauce that's too thin" vs "thin
    a sauce that's too thick" hold the same pair of words in swapped roles, and "show hidden
    files" vs "hide files" hold both sides of show / hide ("hidden" is a form of "hide")."""
    verb_a, verb_b = _main_verb(a), _main_verb(b)
    if verb_a == verb_b or verb_a not in tables.SIDES_BY_WORD or verb_b not in tables.SIDES_BY_WORD:
        return None
    sides_a, sides_b = set(tables.SIDES_BY_WORD[verb_a]), set(tables.SIDES_BY_WORD[verb_b])
    for pair, side in sides_a:
        if (pair, 1 - side) in sides_b and (pair, 1 - side) not in sides_a and (pair, side) not in sides_b:
            return verb_a, verb_b
    return None


def _opposites_agree(a: Text, b: Text) -> GuardResult:
    words_a, words_b = opposite_words(a), opposite_words(b)
    only_a, only_b = sorted(words_a - words_b), sorted(words_b - words_a)
    found = listed_opposite(only_a, only_b) or prefix_opposite(only_a, only_b) or particle_opposite(a, b)
    found = found or _main_verb_opposite(a, b)
    if found is not None:
        return GuardResult(False, f"opposites differ: {found[0]} vs {found[1]}")
    return AGREE


def _directions_agree(a: Text, b: Text) -> GuardResult:
    if a.word_set.isdisjoint(tables.CONNECTOR_WORDS) or b.word_set.isdisjoint(tables.CONNECTOR_WORDS):
        return AGREE
    da, db = directions(a), directions(b)
    for x, y in sorted(da.keys() - db.keys()):
        if (y, x) in db and (y, x) not in da:
            (from_a, to_a), (from_b, to_b) = da[x, y], db[y, x]
            return GuardResult(False, f"direction differs: {from_a} to {to_a} vs {from_b} to {to_b}")
    return AGREE


def _questions_agree(a: Text, b: Text) -> GuardResult:
    # Only when both texts clearly ask a kind of question, and no kind is shared.
    qa = _question_kinds(a)
    if qa:
        qb = _question_kinds(b)
        if qb and qa.isdisjoint(qb):
            return GuardResult(False, f"question differs: {'/'.join(sorted(qa))} vs {'/'.join(sorted(qb))}")
    return AGREE


def _attribute_modifiers(text: Text) -> dict[str, str]:
    """Attribute noun -> the content word right before it ("income limit": limit -> income)."""
    found: dict[str, str] = {}
    tokens = text.tokens
    for word in text.word_set & gw.ATTRIBUTE_NOUNS:
        at = tokens.index(word)
        before = tokens[at - 1] if at else ""
        if before and before not in tables.NOT_A_MODIFIER and not before.isdigit():
            found[stem(word)] = before
    return found


def _attributes_agree(a: Text, b: Text) -> GuardResult:
    # "the income limit" vs "the contribution limit": the same noun, measured of another thing,
    # once neither text has the other's word anywhere ("limit on income" still agrees).
    if a.word_set.isdisjoint(gw.ATTRIBUTE_NOUNS) or b.word_set.isdisjoint(gw.ATTRIBUTE_NOUNS):
        return AGREE
    ma, mb = _attribute_modifiers(a), _attribute_modifiers(b)
    stems_a, stems_b = {stem(w) for w in a.word_set}, {stem(w) for w in b.word_set}
    for noun in sorted(ma.keys() & mb.keys()):
        x, y = ma[noun], mb[noun]
        if stem(x) not in stems_b and stem(y) not in stems_a:
            return GuardResult(False, f"attributes differ: {x} {noun} vs {y} {noun}")
    return AGREE


# --- scope, number binding, order -----------------------------------------------------------

# "which one", "the one", "every one": a pronoun, not a count.
_NOT_ONE_THING = frozenset({"which", "the", "any", "every", "each"})


def _universal_nouns(text: Text) -> list[str]:
    """Whether `text` is universal ("all tables", "every row"), as the plural nouns its
    universal quantifiers reach (a word "" where it quantifies no plural: "delete everything")."""
    found: list[str] = []
    tokens = text.tokens
    for at, token in enumerate(tokens):
        if token not in gw.UNIVERSAL_QUANTIFIERS or (token == "all" and at and tokens[at - 1] == "at"):
            continue
        found.append("")
        found.extend(w for w in neighbours(tokens, at, 1) if len(w) > 3 and w.endswith("s"))
    return found


def _single(text: Text, plurals: list[str]) -> str:
    """The word that limits `text` to one thing ("one", "single", "first", or "a" before the
    singular of one of `plurals`), or ""."""
    tokens = text.tokens
    singulars = {p[:-1] for p in plurals if p} | {p[:-2] for p in plurals if p.endswith("es")}
    for at, token in enumerate(tokens):
        nxt = _token(tokens, at + 1)
        if (
            token in gw.SINGLE_QUANTIFIERS
            and nxt
            and nxt not in tables.NOT_QUANTIFIED
            and not nxt.isdigit()
            and not (token == "one" and at and tokens[at - 1] in _NOT_ONE_THING)
        ):
            return token
        if token in gw.SINGULAR_ARTICLES and singulars and not singulars.isdisjoint(neighbours(tokens, at, 1)[:3]):
            return token
    return ""


def _scope_agree(a: Text, b: Text) -> GuardResult:
    # One text about all things of a kind, the other limited to one of them.
    if a.word_set.isdisjoint(tables.SCOPE_WORDS) or b.word_set.isdisjoint(tables.SCOPE_WORDS):
        return AGREE
    ua, ub = _universal_nouns(a), _universal_nouns(b)
    if bool(ua) == bool(ub):
        return AGREE
    universal, other = (ua, b) if ua else (ub, a)
    limit = _single(other, universal)
    if limit:
        quantifier = "all" if ua else limit, limit if ua else "all"
        return GuardResult(False, f"scope differs: {quantifier[0]} vs {quantifier[1]}")
    return AGREE


def _number_bindings(text: Text) -> dict[str, str]:
    """Number -> the word right after it ("5 ml in teaspoons": 5 -> ml), as an operand."""
    tokens = text.tokens
    return {
        token: operand(tokens[at + 1])
        for at, token in enumerate(tokens[:-1])
        if token[0].isdigit() and tokens[at + 1].isalpha() and tokens[at + 1] not in tables.NOT_QUANTIFIED
    }


def _bindings_agree(a: Text, b: Text) -> GuardResult:
    # "5 ml in teaspoons" vs "5 teaspoons in ml": the same number and words, the number
    # attached to another of the words.
    if not (DIGIT_RE.search(a.raw) and DIGIT_RE.search(b.raw)):
        return AGREE
    ba, bb = _number_bindings(a), _number_bindings(b)
    for number in sorted(ba.keys() & bb.keys()):
        x, y = ba[number], bb[number]
        if x != y and x in {operand(w) for w in b.word_set} and y in {operand(w) for w in a.word_set}:
            return GuardResult(False, f"numbers bound differently: {number} {x} vs {number} {y}")
    return AGREE


_SLASHED_RE = re.compile(r"(?<![\w/])[A-Za-z]+(?:/[A-Za-z]+)+(?![\w/])")


def _orders_agree(a: Text, b: Text) -> GuardResult:
    # "MM/DD/YYYY" vs "DD/MM/YYYY": the same parts in another order.
    if "/" not in a.raw or "/" not in b.raw:
        return AGREE
    seq_a = {tuple(m.lower().split("/")) for m in _SLASHED_RE.findall(a.raw)}
    seq_b = {tuple(m.lower().split("/")) for m in _SLASHED_RE.findall(b.raw)}
    for x in sorted(seq_a - seq_b):
        for y in sorted(seq_b - seq_a):
            if sorted(x) == sorted(y):
                return GuardResult(False, f"order differs: {'/'.join(x)} vs {'/'.join(y)}")
    return AGREE


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
    entities_agree,
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
    ta, tb = parse(a), parse(b)
    for check in _CHECKS:
        result = check(ta, tb)
        if not result:
            return result
    return AGREE


class Reading(NamedTuple):
    """A text as the guards read it, for checks that must see the same words."""

    tokens: tuple[str, ...]  # lower case, aliases rewritten ("js" -> "javascript"), phrase punctuation kept
    units: frozenset[str]  # canonical units ("°F" and "fahrenheit" -> "fahrenheit")


def read(text: str) -> Reading:
    """`text` tokenised as every guard sees it (cached with the guards' own parse)."""
    parsed = parse(text)
    return Reading(parsed.tokens, units(parsed))


def cancelled_privatives(text: str) -> dict[str, str]:
    """Privative verbs a negation cancels in `text`, and what the two mean: "without losing
    the changes" -> {"losing": "keep"}."""
    return parse(text).cancelled


def word_stem(word: str) -> str:
    """The guards' crude stem: "logged", "logs" and "log" all give "log"."""
    return stem(word)


def unit_of(word: str) -> str | None:
    """The canonical unit a lower-case word names ("kilograms" -> "kg"), if any."""
    tables.load()
    return tables.UNIT_BY_WORD.get(word)
