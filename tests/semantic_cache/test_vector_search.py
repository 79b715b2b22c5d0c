"""Nearest-neighbour search stays correct under a selective filter.

pgvector 0.6 has no filtered index scans: an HNSW scan returns its ef_search nearest rows
of the whole table before the WHERE clause. The lookup searches a small partition exactly
and a large one through an index of search vectors that places each partition apart
(semantic_cache/search_space.py). These tests measure recall for a partition of 0.5% of the
table and for two of half of it each (random vectors: the hardest case for the index), and
that another team's identical rows never come back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from proxy.models import Team
from semantic_cache import lookup
from semantic_cache.models import CacheEntry, CacheScope
from tests.semantic_cache.cache_support import vector_entry

DIM = 384


def _unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _entries(team: Team, fingerprint: str, vectors: np.ndarray) -> list[CacheEntry]:
    return [vector_entry(team, fingerprint, f"{fingerprint}-{i}", vector) for i, vector in enumerate(vectors)]


@pytest.fixture
def table(transactional_db: Any) -> dict[str, Any]:
    """Team alpha: 3000 entries of context "big", 30 of "small". Team beta: the same 3030
    vectors under the same fingerprints, the worst case for a filter applied after a scan.

    Committed and truncated afterwards rather than rolled back: a rollback leaves the rows'
    HNSW index entries behind as dead tuples, and the next test's identical vectors would then
    find dead neighbours first (an index scan returns at most ef_search rows, visible or not).
    """
    alpha, beta = Team.objects.create(name="alpha"), Team.objects.create(name="beta")
    big, small = _unit(3000, 1), _unit(30, 2)
    rows = []
    for team in (alpha, beta):
        rows += _entries(team, "big", big) + _entries(team, "small", small)
    CacheEntry.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE semantic_cache_cacheentry")
    alpha_ids = set(CacheEntry.objects.filter(team=alpha).values_list("id", flat=True))
    return {
        "scope": CacheScope(alpha.id, "team"),
        "beta_id": beta.id,
        "big": big,
        "small": small,
        "alpha_ids": alpha_ids,
    }


def _search(table: dict[str, Any], fingerprint: str, query: np.ndarray) -> list[tuple[Any, ...]]:
    return lookup.nearest_in_partition(table["scope"], fingerprint, "openai", "m", query, 5, None, ("exact_key",))


def _truth(vectors: np.ndarray, query: np.ndarray) -> int:
    return int(np.argmax(vectors @ query))


def test_a_small_partition_comes_back_whole_and_in_order(table: dict[str, Any]) -> None:
    """30 of 6060 rows: a filtered scan of 40 rows would usually find none of them."""
    assert 30 <= lookup.EXACT_SEARCH_LIMIT < 3000
    for seed in range(20):
        query = _unit(1, 200 + seed)[0]
        ranked = _search(table, "small", query)
        assert len(ranked) == 5
        assert ranked[0][2] == f"small-{_truth(table['small'], query)}"
        distances = [row[1] for row in ranked]
        assert distances == sorted(distances)
        expected = np.sort(1.0 - table["small"] @ query)[:5]
        assert distances == pytest.approx(expected.tolist(), abs=1e-5)


@pytest.mark.parametrize("team", ["alpha", "beta"])
def test_a_large_partition_keeps_recall_through_the_index(table: dict[str, Any], team: str) -> None:
    """Both teams' large partitions: one was indexed before, one after the other's rows."""
    scope = table["scope"] if team == "alpha" else CacheScope(table["beta_id"], "team")
    hits = 0
    queries = 40
    for seed in range(queries):
        # Queries near a stored vector (cosine ~0.9), as real repeated questions are.
        target = int(np.random.default_rng(seed).integers(0, 3000))
        query = table["big"][target] + 0.5 * _unit(1, 300 + seed)[0]
        query = query / np.linalg.norm(query)
        ranked = lookup.nearest_in_partition(scope, "big", "openai", "m", query, 5, None, ("exact_key",))
        hits += ranked[0][2] == f"big-{_truth(table['big'], query)}"
    assert hits / queries >= 0.95


def test_another_teams_identical_rows_never_come_back(table: dict[str, Any]) -> None:
    for seed in range(10):
        for fingerprint in ("small", "big"):
            ranked = _search(table, fingerprint, table[fingerprint][seed])
            assert ranked and {row[0] for row in ranked} <= table["alpha_ids"]
            assert ranked[0][1] == pytest.approx(0.0, abs=1e-5)


def test_the_large_partitions_search_uses_the_index(table: dict[str, Any]) -> None:
    """Without the index the scan would sort the whole table: correct, but slow."""
    with CaptureQueriesContext(connection) as queries:
        _search(table, "big", table["big"][0])
    statement = queries.captured_queries[-1]["sql"]
    assert "search_vector" in statement
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using cacheentry_search_hnsw" in plan


def test_an_index_scan_that_comes_back_short_is_redone_exactly(
    table: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stands in for a partition the graph search did not reach: a scan of 2 rows cannot hold
    5 of the partition's. The answer must still be the exact top 5, not a short list."""
    query = table["big"][7]
    before = lookup.index_fallbacks
    assert len(_search(table, "big", query)) == 5
    assert lookup.index_fallbacks == before  # a full scan needs no second search
    monkeypatch.setattr(lookup, "SCAN_ROWS", 2)
    ranked = _search(table, "big", query)
    assert lookup.index_fallbacks == before + 1
    expected = np.argsort(1.0 - table["big"] @ query)[:5]
    assert [row[2] for row in ranked] == [f"big-{i}" for i in expected]


def _ef_search() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW hnsw.ef_search")
        return str(cursor.fetchone()[0])


def test_a_thin_partition_is_scanned_wider(table: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A partition under THIN_PARTITION_SHARE of the table gets WIDE_SCAN_ROWS, with
    hnsw.ef_search raised to match (else the scan stops at 40 whatever its LIMIT), and the
    next ordinary partition's scan puts it back."""
    query = table["big"][11]
    monkeypatch.setattr(lookup, "THIN_PARTITION_SHARE", 0.6)  # "big" is 3000 of 6060 rows
    with CaptureQueriesContext(connection) as queries:
        ranked = _search(table, "big", query)
    assert ranked[0][2] == "big-11"
    statements = [q["sql"] for q in queries.captured_queries]
    assert any(s.startswith(f"SET hnsw.ef_search = {lookup.WIDE_SCAN_ROWS}") for s in statements)
    assert f"LIMIT {lookup.WIDE_SCAN_ROWS})" in statements[-1]
    assert _ef_search() == str(lookup.WIDE_SCAN_ROWS)

    with CaptureQueriesContext(connection) as queries:
        _search(table, "big", query)
    assert not any(q["sql"].startswith("SET") for q in queries.captured_queries)  # already set

    monkeypatch.setattr(lookup, "THIN_PARTITION_SHARE", 0.01)
    with CaptureQueriesContext(connection) as queries:
        ranked = _search(table, "big", query)
    assert ranked[0][2] == "big-11"
    assert f"LIMIT {lookup.SCAN_ROWS})" in queries.captured_queries[-1]["sql"]
    assert _ef_search() == "40"
