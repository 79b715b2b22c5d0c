"""Opposites: words, prefixes and particles that flip a meaning, and reversed directions.

A near miss often differs by one word ("enable"/"disable", "zoom in"/"zoom out", "raise"/
"lower") or by the order of two words around a connector ("Celsius to Fahrenheit"). Each rule
here looks only at what differs between the two texts: a word (or particle, or ordered pair)
found in both says nothing about a difference, and synonyms on the same side agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical import tables
from semantic_cache.verification.lexical.reading import Text
from semantic_cache.verification.lexical.tokens import MIN_STEM, stem

# --- opposites: word lists -----------------------------------------------------------------
#
# A near miss often differs by one word that flips the meaning ("enable"/"disable", "zoom
# in"/"zoom out", "raise"/"lower"). Each rule below looks only at what differs between the
# two texts: a word (or particle, or ordered pair) found in both says nothing about a
# difference, and synonyms on the same side agree.


# What a negated privative verb means, with its synonyms: "without losing" is said again by
# "keep", "keeping", "retain", "preserve".


def _pair_sides(words: Iterable[str]) -> dict[int, dict[int, list[str]]]:
    """pair -> side -> the words of `words` on that side."""
    sides: dict[int, dict[int, list[str]]] = {}
    for word in words:
        for pair, side in tables.SIDES_BY_WORD.get(word, ()):
            sides.setdefault(pair, {}).setdefault(side, []).append(word)
    return sides


def listed_opposite(only_a: Iterable[str], only_b: Iterable[str]) -> tuple[str, str] | None:
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


# Looked up by a word's first letter, so each word is tried against one to three prefixes.


def prefix_opposite(only_a: list[str], only_b: list[str]) -> tuple[str, str] | None:
    """A word of one text whose prefix swap ("un" + "mount") is a word of the other, if any."""
    for words, others, flip in ((only_a, frozenset(only_b), False), (only_b, frozenset(only_a), True)):
        for word in words:
            prefixes = tables.PREFIXES_BY_INITIAL.get(word[0])
            # Short words ("in", "do", "use") cannot hold a prefix and a stem.
            if prefixes is None or len(word) < tables.MIN_PREFIXED or word.startswith(tables.NOT_PREFIXED):
                continue
            for prefix in prefixes:
                stem = word[len(prefix) :]
                if not word.startswith(prefix) or len(stem) < MIN_STEM:
                    continue
                for swap in tables.SWAPS[prefix]:
                    other = swap + stem
                    if other not in others or other.startswith(tables.NOT_PREFIXED):
                        continue
                    # Words the list knows were judged there, synonyms included ("unzip" vs
                    # "extract the zip file").
                    if not (word in tables.SIDES_BY_WORD and other in tables.SIDES_BY_WORD):
                        return (other, word) if flip else (word, other)
    return None


# --- opposites: particles, and direction ---------------------------------------------------

# How far (in words) a particle may sit from its word, or an operand from its connector.
_SCAN_TOKENS = 4


def neighbours(tokens: tuple[str, ...], at: int, step: int) -> list[str]:
    """Content words next to tokens[at] (before it for step -1, after for +1), within its phrase."""
    found = []
    for i in range(at + step, at + step * (_SCAN_TOKENS + 1), step):
        if not 0 <= i < len(tokens) or tokens[i] in gw.PHRASE_BREAKS:
            break
        if tokens[i] not in gw.FUNCTION_WORDS and not tokens[i].endswith("n't"):
            found.append(tokens[i])
    return found


def operand(word: str) -> str:
    return tables.UNIT_BY_WORD.get(word) or stem(word)


def _particles(text: Text, pairs: set[int]) -> dict[tuple[int, str, int], str]:
    """(particle pair, stem of its word, side) -> the word as written, for each particle of
    `pairs` and each word before it that it may belong to."""
    found: dict[tuple[int, str, int], str] = {}
    for at, token in enumerate(text.tokens):
        hit = tables.PARTICLE_SIDES.get(token)
        if hit is not None and hit[0] in pairs:
            for head in neighbours(text.tokens, at, -1):
                found.setdefault((hit[0], stem(head), hit[1]), head)
    return found


def particle_opposite(a: Text, b: Text) -> tuple[str, str] | None:
    """The same word with opposite particles in the two texts ("zoom in" / "zoom out"), if any."""
    # Scanned only for a pair with both sides in sight ("in" here, "out" there): usually none.
    present = {tables.PARTICLE_SIDES[w] for w in (a.word_set | b.word_set) & tables.PARTICLE_WORDS}
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


def _phrasal_verbs(text: Text) -> frozenset[str]:
    """ "turn_off" for "turn off the light" or "turn the light off", and so on."""
    if text.word_set.isdisjoint(tables.PARTICLE_VERB_FORMS):
        return frozenset()
    found: set[str] = set()
    for at, token in enumerate(text.tokens):
        if token in tables.PARTICLE_SIDES:
            found.update(
                f"{verb}_{token}" for verb in map(stem, neighbours(text.tokens, at, -1)) if verb in gw.PARTICLE_VERBS
            )
    return frozenset(found)


def opposite_words(text: Text) -> frozenset[str]:
    """The words the opposite rules compare: a privative verb a negation cancelled counts as
    its positive ("without losing" as "keep"), and "turn off" as "turn_off"."""
    words = text.word_set
    if text.cancelled:
        words = (words - text.cancelled.keys()) | frozenset(text.cancelled.values())
    return words | _phrasal_verbs(text)


def directions(text: Text) -> dict[tuple[str, str], tuple[str, str]]:
    """Ordered (from, to) pairs of words around direction connectors, normalised -> as written."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for at, token in enumerate(text.tokens):
        kind = gw.CONNECTORS.get(token)
        if kind is None:
            continue
        before, after = neighbours(text.tokens, at, -1), neighbours(text.tokens, at, 1)
        if kind == "units":
            before = [w for w in before if w in tables.UNIT_BY_WORD]
            after = [w for w in after if w in tables.UNIT_BY_WORD]
        elif kind == "backward":
            before, after = after, before
        for x in before:
            for y in after:
                key = (operand(x), operand(y))
                if key[0] != key[1]:
                    found.setdefault(key, (x, y))
    return found
