"""Nearest-neighbour search stays correct under a selective filter (pgvector 0.6 has no
iterative index scans: a filtered HNSW scan can come back short)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.db import connection, transaction
from django.utils import timezone
from pgvector.django import CosineDistance

from proxy.models import Team
from semantic_cache import lookup
from semantic_cache.models import CacheEntry, CacheScope

DIM = 384


def _unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def table(transactional_db: Any) -> dict[str, Any]:
    """3000 entries of one context ("big") and 30 of another ("small"), one team.

    Committed and truncated afterwards rather than rolled back: a rollback leaves the rows'
    HNSW index entries behind as dead tuples, and the next test's identical vectors would then
    find dead neighbours first (an index scan returns at most ef_search rows, visible or not).
    """
    team = Team.objects.create(name="alpha")
    now = timezone.now()
    big, small = _unit(3000, 1), _unit(30, 2)
    rows = [
        CacheEntry(
            team=team,
            scope="team",
            route_name="gpt",
            wire="openai",
            exact_key=f"{fp}-{i}",
            context_fingerprint=fp,
            template_version=fp,
            embedding_model="m",
            embedding=vector,
            query_text="q",
            response={},
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )
        for fp, vectors in (("big", big), ("small", small))
        for i, vector in enumerate(vectors)
    ]
    CacheEntry.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE semantic_cache_cacheentry")
    return {"scope": CacheScope(team.id, "team"), "big": big, "small": small}


def _filtered(scope: CacheScope, fingerprint: str) -> Any:
    return CacheEntry.objects.for_scope(scope).filter(
        context_fingerprint=fingerprint, embedding_model="m", embedding__isnull=False
    )


def _truth(vectors: np.ndarray, query: np.ndarray) -> int:
    return int(np.argmax(vectors @ query))


def test_a_plain_hnsw_scan_comes_back_short_under_a_selective_filter(table: dict[str, Any]) -> None:
    """The failure mode the lookup works around: 30 of 3030 rows match, ef_search=40.
    (Filtered on a column without a btree index, so the planner takes the HNSW scan.)"""
    short = 0
    for seed in range(10):
        query = _unit(1, 100 + seed)[0]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL hnsw.ef_search = 40")
            rows = CacheEntry.objects.for_scope(table["scope"]).filter(template_version="small")
            found = list(rows.annotate(d=CosineDistance("embedding", query)).order_by("d")[:5])
        short += len(found) < 5
    assert short > 0


def test_a_small_candidate_set_is_searched_exactly(table: dict[str, Any]) -> None:
    for seed in range(20):
        query = _unit(1, 200 + seed)[0]
        ranked = lookup.nearest(_filtered(table["scope"], "small"), query, 5)
        assert len(ranked) == 5
        best = CacheEntry.objects.get(id=ranked[0][0])
        assert best.exact_key == f"small-{_truth(table['small'], query)}"


def test_a_large_candidate_set_uses_the_index_with_a_wider_scan_and_keeps_recall(
    table: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert lookup.EXACT_SEARCH_LIMIT < 3000  # so the HNSW path runs on this small table
    monkeypatch.setattr(lookup, "_rows", lookup._RowEstimate())
    hits = 0
    queries = 40
    for seed in range(queries):
        # Queries near a stored vector, as real repeated questions are.
        target = int(np.random.default_rng(seed).integers(0, 3000))
        query = table["big"][target] + 0.05 * _unit(1, 300 + seed)[0]
        query = query / np.linalg.norm(query)
        ranked = lookup.nearest(_filtered(table["scope"], "big"), query, 5)
        hits += CacheEntry.objects.get(id=ranked[0][0]).exact_key == f"big-{_truth(table['big'], query)}"
    assert hits / queries >= 0.95


def test_ef_search_grows_with_the_filters_selectivity() -> None:
    assert lookup.ef_search_for(1_000_000, 1_000_000, 5) == lookup.MIN_EF_SEARCH
    assert lookup.ef_search_for(1_000_000, 100_000, 5) == 100
    assert lookup.ef_search_for(1_000_000, 25_000, 5) == 400
    assert lookup.ef_search_for(1_000_000, 5_000, 5) == lookup.MAX_EF_SEARCH
