"""Verifier chains built from their configuration, once, and kept for reuse.

`Verifiers` is the start-up object: made with the default chain
(`settings.LAYERCACHE_SEMANTIC_VERIFIER`) and the process's embedder, it builds that chain at
once (reading the word lists), and each route's chain (`RouteSpec.semantic_verifier`, blank =
the default) the first time the route asks, then keeps it. All its chains share one word-
vector cache. A bad name raises `VerifierSpecError` (proxy/verifier_spec.py) when the chain is
built; settings, the route file and admin refuse bad names before that.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from proxy.verifier_spec import VerifierSpecError, parse_verifier_spec
from semantic_cache.embedder import Embedder
from semantic_cache.verification.chain import Chain, Stage
from semantic_cache.verification.language import LanguageStage
from semantic_cache.verification.lexical.stage import GuardsStage
from semantic_cache.verification.strict import StrictStage
from semantic_cache.verification.words.stage import WordsStage
from semantic_cache.verification.words.vectors import WORD_CACHE_SIZE, WordVectors


def build_chain(names: Sequence[str], embedder: Embedder | None, word_vectors: WordVectors | None = None) -> Chain:
    """A chain of the stages `names` (already parsed), in order."""
    stages: list[Stage] = []
    for name in names:
        if name == "language":
            stages.append(LanguageStage())
        elif name == "strict":
            stages.append(StrictStage())
        elif name == "guards":
            stages.append(GuardsStage())
        elif name == "words":
            if embedder is None:
                raise VerifierSpecError("the 'words' stage needs the embedding model, and none is loaded")
            stages.append(WordsStage(embedder, word_vectors))
        else:
            raise VerifierSpecError(f"unknown stage {name!r}")
    return Chain(stages)


class Verifiers:
    def __init__(self, default: str | Sequence[str], embedder: Embedder | None) -> None:
        self.embedder = embedder
        self.word_vectors = WordVectors(WORD_CACHE_SIZE)
        self._chains: dict[tuple[str, ...], Chain] = {}
        self._lock = threading.Lock()
        self.default = self.chain(default)

    def chain(self, spec: str | Sequence[str]) -> Chain:
        """The chain for `spec` ("language,guards,words" or its names), built on first use."""
        names = parse_verifier_spec(spec) if isinstance(spec, str) else tuple(spec)
        chain = self._chains.get(names)
        if chain is None:
            with self._lock:
                chain = self._chains.get(names)
                if chain is None:
                    chain = self._chains[names] = build_chain(names, self.embedder, self.word_vectors)
        return chain

    def for_route(self, semantic_verifier: str) -> Chain:
        """A route's chain: its own `semantic_verifier`, or the default when blank."""
        return self.chain(semantic_verifier) if semantic_verifier.strip() else self.default
