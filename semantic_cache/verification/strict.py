"""The strict stage: only the same words, whatever the language.

It reads no language, so it is safe for any: two texts are one question only if they have
the same sequence of words once case, accents, punctuation and spacing are set aside
("¿Cuántos kilómetros hay en una milla?" and "cuantos kilometros hay en una milla" are one;
"... en una milla" and "... en un kilómetro" are not). Words are Unicode word-character runs,
so text without spaces (Chinese, Japanese) is compared run by run, nearly as written. It
accepts or rejects every candidate: nothing after it in a chain would ever run.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from proxy.outcomes import Verdict

NAME = "strict"
SAME = "same_words"
DIFFERENT = "different_words"

_WORD_RE = re.compile(r"\w+")


@lru_cache(maxsize=256)  # a lookup judges one query against up to five candidates
def normalised_words(text: str) -> tuple[str, ...]:
    """`text` as its words: case-folded, accents and other combining marks dropped (NFKD, so
    "ﬁ" is "fi" and full-width letters are plain), punctuation and spacing gone."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return tuple(_WORD_RE.findall(bare.casefold()))


def same_words(a: str, b: str) -> bool:
    return normalised_words(a) == normalised_words(b)


class StrictStage:
    name = NAME

    def judge(self, query: str, candidate: str) -> Verdict:
        if same_words(query, candidate):
            return Verdict(True, self.name, SAME)
        return Verdict(False, self.name, DIFFERENT)
