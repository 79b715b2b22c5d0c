"""The language stage: text the English rules cannot read goes to the strict judgement.

The lexical rules and the content-word stage were written for English: "kilómetros" is no
unit to them and "en" no connector, so "¿Cuántos kilómetros hay en una milla?" and "¿Cuántas
millas hay en un kilómetro?" look alike to every rule. Such a pair must not reach them. This
stage asks, of the query and of the candidate, whether the rules can read it:

- **script**: at most `MAX_OTHER_SCRIPT_SHARE` of its letters may be of a script other than
  Latin (Chinese, Japanese, Cyrillic, Arabic, Greek, ...): the rules see no word in those;
- **vocabulary**: among its words (runs of letters, two or more; all-capital acronyms are
  left out as names), those found in an English vocabulary must be at least
  `MIN_KNOWN_SHARE`, unless fewer than `MIN_UNKNOWN_WORDS` words are unknown. The vocabulary
  is the lower-cased SCOWL word lists of Debian's wamerican and wbritish
  (`data/english_words.txt.gz`, 75k words, licence beside it) plus every word of the rules'
  own lists (names, units, aliases, ...). A word with an accent is unknown unless the
  vocabulary has it ("café" is English).

The second test is a share, not a list of foreign words: an English question has few words
outside an English dictionary (names, typos, terms: "nginx force https redirect" has two),
a Spanish, German, French or Italian one has many ("¿Cuántos kilómetros hay en una milla?":
cuántos, kilómetros, una, milla). Measured on the 3,600 English texts of
semantic_cache/eval_data/, no text has three unknown words at under 0.6 known; on
tests/semantic_cache/test_language_stage.py's questions in other languages, most do. Short
texts with one or two unknown words stay readable, so a terse foreign text ("Qual é a capital
do Brasil?") can still pass as English: the guards then compare it (names, numbers), as
before this stage existed.

Both readable: the stage passes the candidate on. Otherwise it decides with the strict
judgement (semantic_cache/verification/strict.py): the same words, or a miss.
"""

from __future__ import annotations

import gzip
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from proxy.outcomes import Verdict
from semantic_cache.verification import lexicon
from semantic_cache.verification.strict import DIFFERENT, SAME, same_words

NAME = "language"
MAX_OTHER_SCRIPT_SHARE = 0.3
MIN_KNOWN_SHARE = 0.6
MIN_UNKNOWN_WORDS = 3
VOCABULARY_FILE = lexicon.DATA_DIR / "english_words.txt.gz"

_LETTERS_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Readability:
    readable: bool
    why: str = ""  # "script" or "vocabulary" when not readable


class _Vocabulary:
    """The English words, read on first use (75k words: about 11 MB, 80 ms to read here)."""

    def __init__(self) -> None:
        self._words: frozenset[str] | None = None
        self._lock = threading.Lock()

    def get(self) -> frozenset[str]:
        if self._words is None:
            with self._lock:
                if self._words is None:
                    self._words = _read_vocabulary()
        return self._words


def _read_vocabulary() -> frozenset[str]:
    with gzip.open(VOCABULARY_FILE, "rt", encoding="utf-8") as file:
        words = set(file.read().split())
    lexicon.load()
    for name in lexicon.__annotations__:
        if not name.startswith("_"):
            words.update(_LETTERS_RE.findall(_flatten(getattr(lexicon, name)).lower()))
    return frozenset(words)


def _flatten(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(_flatten(k) + " " + _flatten(v) for k, v in value.items())
    if isinstance(value, (frozenset, set, tuple, list)):
        return " ".join(_flatten(v) for v in value)
    return ""


vocabulary = _Vocabulary()


def _other_script_share(text: str) -> float:
    letters = other = 0
    for char in text:
        if char.isalpha():
            letters += 1
            other += not (char.isascii() or unicodedata.name(char, "").startswith("LATIN"))
    return other / letters if letters else 0.0


@lru_cache(maxsize=256)  # a lookup judges one query against up to five candidates
def readability(text: str) -> Readability:
    """Whether the English rules can read `text` (see the module docstring)."""
    if not text.isascii() and _other_script_share(text) > MAX_OTHER_SCRIPT_SHARE:
        return Readability(False, "script")
    words = [w.lower() for w in _LETTERS_RE.findall(text) if len(w) > 1 and not (w.isascii() and w.isupper())]
    known = vocabulary.get()
    unknown = sum(w not in known for w in words)
    if unknown >= MIN_UNKNOWN_WORDS and (len(words) - unknown) < MIN_KNOWN_SHARE * len(words):
        return Readability(False, "vocabulary")
    return Readability(True)


class LanguageStage:
    name = NAME

    def __init__(self) -> None:
        vocabulary.get()  # read at start-up, not on the first request

    def judge(self, query: str, candidate: str) -> Verdict | None:
        for side, text in (("query", query), ("candidate", candidate)):
            found = readability(text)
            if not found.readable:
                code = SAME if same_words(query, candidate) else DIFFERENT
                return Verdict(code == SAME, self.name, f"{code}: {side} not English ({found.why})")
        return None
