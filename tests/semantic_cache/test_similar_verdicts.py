"""The semantic search returns the verdict behind its answer: the served candidate's on a hit,
the nearest turned-away candidate's on a miss, for the gateway to record."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from proxy.outcomes import Verdict
from proxy.usage import Usage
from semantic_cache.embedder import HashingTestEmbedder
from semantic_cache.lookup import SimilarResult, find_similar
from semantic_cache.models import CacheScope
from semantic_cache.store import EntryDraft, save_entry
from semantic_cache.verification.registry import Verifiers
from tests.gateway_support import make_key

EMBEDDER = HashingTestEmbedder()
QUERY = "What is 15% of 90?"
STORED = ["What is 15% of 80?", "What is 15 percent of 90?", "How do I sort a list in Python?"]


class Accepting:
    """A verifier that accepts only `wanted`, recording every candidate it was asked about."""

    def __init__(self, wanted: str) -> None:
        self.wanted = wanted
        self.asked: list[str] = []

    def verify(self, query: str, candidates: Sequence[str]) -> list[Verdict]:
        self.asked.extend(candidates)
        return [Verdict(c == self.wanted, "fake", "wanted" if c == self.wanted else "unwanted") for c in candidates]


@pytest.fixture
def scope(db: Any) -> CacheScope:
    key, _ = make_key("alpha")
    scope = CacheScope(team_id=key.team_id, scope="team", key_id=None, session_id="")
    for text in STORED:
        draft = EntryDraft(
            scope=scope,
            route_name="gpt",
            wire="openai",
            exact_key=hashlib.sha256(text.encode()).hexdigest(),
            context_fingerprint="ctx",
            template_version="",
            query_text=text,
            response={"answer": text},
            usage=Usage(),
            ttl_seconds=300,
        )
        save_entry(draft, EMBEDDER)
    return scope


def _search(scope: CacheScope, verifier: Any, threshold: float = 0.0) -> SimilarResult:
    vector = EMBEDDER.embed_one(QUERY)
    return find_similar(scope, "ctx", "openai", EMBEDDER.model_name, vector, QUERY, threshold, None, verifier)


def _similarities() -> dict[str, float]:
    query = EMBEDDER.embed_one(QUERY)
    return {text: float(np.dot(query, EMBEDDER.embed_one(text))) for text in STORED}


def test_a_hit_carries_the_served_candidates_verdict_and_judges_nothing_behind_it(scope: CacheScope) -> None:
    similarity = _similarities()
    ranked = sorted(STORED, key=lambda text: similarity[text], reverse=True)
    verifier = Accepting(ranked[1])
    result = _search(scope, verifier)
    assert result.found is not None and result.found.response == {"answer": ranked[1]}
    assert result.verdict == Verdict(True, "fake", "wanted")
    assert result.similarity == pytest.approx(_similarities()[ranked[1]], abs=1e-5)
    assert verifier.asked == ranked[:2]  # nearest first, and the third never judged


def test_a_miss_carries_the_nearest_turned_away_candidates_verdict(scope: CacheScope) -> None:
    similarity = _similarities()
    nearest = max(STORED, key=lambda text: similarity[text])
    result = _search(scope, Accepting("nothing stored"))
    assert result.found is None
    assert result.verdict == Verdict(False, "fake", "unwanted")
    assert result.similarity == pytest.approx(_similarities()[nearest], abs=1e-5)


def test_a_miss_with_nothing_above_the_threshold_has_no_verdict(scope: CacheScope) -> None:
    assert _search(scope, Accepting(STORED[0]), threshold=1.01) == SimilarResult(None)


def test_the_real_chain_names_the_stage_that_turned_the_candidate_away(scope: CacheScope) -> None:
    chain = Verifiers("language,guards", None).default
    result = _search(scope, chain)
    # Only "15 percent of 90" says what the query says; the others differ in a number or a name.
    assert result.found is not None and result.found.response == {"answer": "What is 15 percent of 90?"}
    assert result.verdict == Verdict(True, "guards", "agree")
