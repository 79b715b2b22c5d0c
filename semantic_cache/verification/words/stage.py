"""The content-word check as a verifier stage: a word of one side without a counterpart rejects."""

from __future__ import annotations

from proxy.outcomes import Verdict
from semantic_cache.embedder import Embedder
from semantic_cache.verification.words import tables
from semantic_cache.verification.words.check import verify
from semantic_cache.verification.words.vectors import WORD_CACHE_SIZE, WordVectors

NAME = "words"


class WordsStage:
    """Needs the embedder whose vectors the cache compares, for single-word vectors; keeps
    them in `word_vectors` (shared between the chains of one process, see registry.py)."""

    name = NAME

    def __init__(self, embedder: Embedder, word_vectors: WordVectors | None = None) -> None:
        self.embedder = embedder
        self.word_vectors = word_vectors if word_vectors is not None else WordVectors(WORD_CACHE_SIZE)
        tables.load()  # read the word lists at start-up, not on the first request

    def judge(self, query: str, candidate: str) -> Verdict | None:
        result = verify(query, candidate, self.embedder, self.word_vectors)
        return None if result.agree else Verdict(False, self.name, result.reason)
