"""The content-word stage ("words"), after the guards: does one question ask for more?

With all-MiniLM-L6-v2, "calorie intake for adults" and "... for teenagers", "GDP" and "GDP
per capita", or "the time complexity" and "the space complexity" of quicksort score as high
as true paraphrases, and the guards (the "guards" stage, semantic_cache/verification/lexical/) only catch the differences
they have word tables for. This check is general: it lines up the content words of the two
questions and asks whether each word left on one side has a counterpart on the other.

1. Each text is read as the guards read it (aliases, unit spellings), and reduced to its
   content words: function words, question scaffolding ("how do I", "can you explain", "the
   best way to", "what's the command to"), politeness, and everything the guards already
   compare exactly (numbers, units, negations) go.
2. Words both sides have (same stem) match, and so do the words of one synonym group of
   generic verbs and nouns (`synonym_groups` in data/guards.toml: "make" / "create" / "build", "check" / "see"
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

from semantic_cache.embedder import Embedder, FloatMatrix
from semantic_cache.verification import lexicon as gw
from semantic_cache.verification.lexical.result import GuardResult
from semantic_cache.verification.words import tables
from semantic_cache.verification.words.content import Content, content, leftovers
from semantic_cache.verification.words.spelling import common_suffix, spelled_alike, typo
from semantic_cache.verification.words.vectors import WordVectors

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
# "tomato" / "plants" 0.55); only words of `gw.TOPIC_WORDS` are excused this way.
TOPIC_BAR = 0.3

AGREE = GuardResult(True)


_MIN_SHARED_SUFFIX = 5
_MIN_REST = 3


def contrasting(a: str, b: str) -> bool:
    """Two words built from one shared part and different other parts: "teaspoon" /
    "tablespoon", "milligrams" / "micrograms", "calorie" / "kilocalorie", "overbought" /
    "oversold". Their vectors are close, but they name different things."""
    shared = len(common_suffix(a, b))
    if shared >= _MIN_SHARED_SUFFIX and max(len(a), len(b)) - shared >= 2:
        return True
    # The words part right after the prefix: "over|bought" / "over|sold", not "dehydrat|ed".
    prefix = os.path.commonprefix([a, b])
    return prefix in tables.MEANING_PREFIXES and min(len(a), len(b)) - len(prefix) >= _MIN_REST


# --- the check --------------------------------------------------------------------------------


def _unmatched(words: list[str], others: list[str], vectors: dict[str, FloatMatrix]) -> list[str]:
    found = []
    for word in words:
        for other in others:
            similarity = float(vectors[word] @ vectors[other])
            if similarity >= TYPO_FLOOR and typo(word, other):  # "pasword" / "password"
                break
            if contrasting(word, other):
                continue
            if similarity >= WORD_BAR or (similarity >= SPELLING_FLOOR and spelled_alike(word, other)):
                break
        else:
            found.append(word)
    return found


def _addable(word: str) -> bool:
    """In `tables.ADDABLE`, or a typo of a word of five letters or more there ("editer"; "kids" is
    no typo of "kinds")."""
    if word in tables.ADDABLE:
        return True
    return len(word) >= 5 and any(
        len(other) >= 5 and typo(word, other) for other in tables.ADDABLE_BY_INITIAL.get(word[0], ())
    )


def _excused(only_a: list[str], only_b: list[str]) -> tuple[list[str], list[str]]:
    """The unmatched words that still count as a difference (see the module docstring, 4)."""
    if all(w in gw.LOOKUP_VERBS for w in only_a + only_b):
        return [], []
    if not only_b:
        only_a = [w for w in only_a if not _addable(w)]
    if not only_a:
        only_b = [w for w in only_b if not _addable(w)]
    if all(w in tables.GENERIC_NOUNS for w in only_a + only_b):
        return [], []
    return only_a, only_b


def _implied_topics(added: list[str], other: Content, embedder: Embedder, word_vectors: WordVectors) -> bool:
    """Whether each added word is a field word the other side's words imply (`TOPIC_BAR`)."""
    if not all(w in gw.TOPIC_WORDS for w in added):
        return False
    others = [*other.words, *other.names]
    if not others:
        return False
    vectors = word_vectors.get(embedder, [*added, *others])
    return all(any(float(vectors[w] @ vectors[o]) >= TOPIC_BAR for o in others) for w in added)


def verify(query_text: str, stored_query: str, embedder: Embedder, word_vectors: WordVectors) -> GuardResult:
    """Whether every content word of each question has a counterpart in the other.

    Run it on a candidate hit that passed the similarity threshold and `guards_agree`. It is
    one-sided like the guards: a word without a counterpart makes the pair "different"
    (a cache miss), e.g. "unmatched: time/space" or "unmatched: -/capita" (nothing on
    the query's side, "capita" on the stored one's).
    """
    a, b = content(query_text), content(stored_query)
    left_a, left_b = leftovers(a, b), leftovers(b, a)
    if not left_a and not left_b:
        return AGREE
    phrases: list[str] = []
    if left_a and left_b and len(left_a) + len(left_b) > 2:
        phrases = [" ".join(left_a), " ".join(left_b)]
    vectors = word_vectors.get(embedder, [*left_a, *left_b, *phrases]) if left_a and left_b else {}
    only_a = _unmatched(left_a, left_b, vectors) if left_b else left_a
    only_b = _unmatched(left_b, left_a, vectors) if left_a else left_b
    only_a, only_b = _excused(only_a, only_b)
    if not only_a and not only_b:
        return AGREE
    if (
        not only_b
        and _implied_topics(only_a, b, embedder, word_vectors)
        or not only_a
        and _implied_topics(only_b, a, embedder, word_vectors)
    ):
        return AGREE
    if phrases and float(vectors[phrases[0]] @ vectors[phrases[1]]) >= WORD_BAR:
        return AGREE
    return GuardResult(False, f"unmatched: {','.join(only_a) or '-'}/{','.join(only_b) or '-'}")
