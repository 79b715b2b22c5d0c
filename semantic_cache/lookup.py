"""Finding a stored answer: exact by key, semantic by vector similarity plus guards.

Both start from `CacheEntry.objects.for_scope(scope)`, so the team / key / session filter
is part of every query. The semantic search then narrows on the context fingerprint and
the embedding model before any vector comparison.

pgvector 0.6 has no iterative index scans: an HNSW scan returns its `ef_search` nearest
rows of the *whole* table and only then applies the WHERE clause, so with a selective
filter it can return nothing although matching rows exist. So:

- the candidate set (scope + fingerprint + model, via a btree index) is counted first,
  and while it holds at most `EXACT_SEARCH_LIMIT` rows it is searched exactly: a
  MATERIALIZED CTE cannot be answered from the HNSW index, so every distance is computed.
  This is the common case (one team's entries for one context);
- a larger candidate set is searched by an explicit HNSW scan of `ef_search` rows, sized
  in proportion to how selective the filter is (capped at pgvector's 1000) so enough
  filtered rows survive it, and then filtered.

tests/semantic_cache/test_vector_search.py measures recall under a selective filter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from pgvector.django import CosineDistance

from semantic_cache.guards import guards_agree
from semantic_cache.models import CacheEntry, CacheEntryQuerySet, CacheScope

# Brute force costs ~9 us per candidate here (2 cores): ~10 ms at this size, the most a
# lookup may spend before the index is the better deal (docs/benchmarks.md).
EXACT_SEARCH_LIMIT = 1_000
# Nearest candidates examined per lookup: the nearest one may fail a guard ("15% of 80"
# vs "15% of 90") while the next, further away, is the right answer.
CANDIDATES = 5
MAX_EF_SEARCH = 1000
# Counting further than this only to size ef_search is not worth it.
COUNT_LIMIT = 200_000
MIN_EF_SEARCH = 40
_ROW_ESTIMATE_TTL = 60.0


@dataclass(frozen=True)
class Found:
    entry_id: int
    response: dict[str, Any]
    usage: dict[str, Any]
    created_at: datetime
    similarity: float
    semantic: bool


def _fresh(qs: CacheEntryQuerySet, max_age_seconds: int | None) -> CacheEntryQuerySet:
    qs = qs.live()
    if max_age_seconds is not None:
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(seconds=max_age_seconds))
    return qs


def find_exact(scope: CacheScope, exact_key: str, wire: str, max_age_seconds: int | None) -> Found | None:
    qs = _fresh(CacheEntry.objects.for_scope(scope), max_age_seconds).filter(exact_key=exact_key, wire=wire)
    row = qs.values("id", "response", "usage", "created_at").first()
    if row is None:
        return None
    return Found(row["id"], row["response"], row["usage"], row["created_at"], 1.0, semantic=False)


def vector_literal(vector: Any) -> str:
    """pgvector's text form; float32 printed with enough digits to round-trip."""
    return "[" + ",".join(f"{float(x):.8g}" for x in vector) + "]"


def semantic_candidates(qs: CacheEntryQuerySet) -> CacheEntryQuerySet:
    return qs.filter(embedding__isnull=False)


def _exact_nearest(qs: CacheEntryQuerySet, vector: str, k: int) -> list[tuple[int, float]]:
    """Every distance computed: a MATERIALIZED CTE cannot be answered from the HNSW index."""
    inner_sql, inner_params = qs.order_by().values_list("id", "embedding").query.sql_with_params()
    sql = (
        f"WITH candidates AS MATERIALIZED ({inner_sql}) "
        "SELECT c.id, c.embedding <=> %s::vector AS distance FROM candidates c ORDER BY distance LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, vector, k])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


class _RowEstimate:
    """pg_class's row estimate for the table, refreshed at most once a minute."""

    def __init__(self) -> None:
        self.value = 0.0
        self.read_at = -math.inf

    def get(self) -> float:
        if time.monotonic() - self.read_at > _ROW_ESTIMATE_TTL:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [CacheEntry._meta.db_table])
                row = cursor.fetchone()
            self.value = float(row[0]) if row and row[0] and row[0] > 0 else 0.0
            self.read_at = time.monotonic()
        return self.value


_rows = _RowEstimate()


class _CandidateCounts:
    """How many rows a filter matches, counted at most once a minute per filter: the count
    only picks the search method and sizes ef_search, and counting a large set on every
    lookup would cost more than the search."""

    def __init__(self) -> None:
        self._counts: dict[Hashable, tuple[float, int]] = {}

    def get(self, key: Hashable, qs: CacheEntryQuerySet) -> int:
        now = time.monotonic()
        cached = self._counts.get(key)
        if cached is not None and now - cached[0] < _ROW_ESTIMATE_TTL:
            return cached[1]
        if len(self._counts) > 10_000:
            self._counts.clear()
        count = qs.order_by().values("id")[:COUNT_LIMIT].count()
        self._counts[key] = (now, count)
        return count


_candidates = _CandidateCounts()


def ef_search_for(total_rows: float, candidate_rows: float, k: int) -> int:
    """An ef_search at which about 2*k filtered rows are expected among those scanned.

    A real semantic hit is a near-duplicate of the query, which HNSW reaches early; the
    margin is for the filter, not for a hard nearest-neighbour problem.
    """
    if candidate_rows <= 0 or total_rows <= candidate_rows:
        return MIN_EF_SEARCH
    wanted = math.ceil(2 * k * total_rows / candidate_rows)
    return max(MIN_EF_SEARCH, min(MAX_EF_SEARCH, wanted))


def _index_nearest(qs: CacheEntryQuerySet, vector: Any, k: int, candidate_rows: int) -> list[tuple[int, float]]:
    """Filter after an explicit HNSW scan of `ef_search` rows.

    The scan is a subquery with no WHERE clause, so the planner cannot trade the index for
    a btree walk plus a sort of every candidate (which it prefers for a filter matching
    10% of the table, at ~10 ms per 1000 rows); the scope filter applies to its result.
    """
    ef_search = ef_search_for(_rows.get(), candidate_rows, k)
    distance = CosineDistance("embedding", vector)
    scanned = CacheEntry.objects.order_by(distance).values("id")[:ef_search]
    with transaction.atomic():
        with connection.cursor() as cursor:
            # SET LOCAL: the setting ends with this transaction, never leaking to the pool.
            cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
        ranked = (
            qs.filter(id__in=scanned).annotate(distance=distance).order_by("distance").values_list("id", "distance")[:k]
        )
        return [(entry_id, float(d)) for entry_id, d in ranked]


def nearest(qs: CacheEntryQuerySet, vector: Any, k: int, filter_key: Hashable = None) -> list[tuple[int, float]]:
    """The k nearest rows of `qs` by cosine distance, exact while `qs` is small.

    `filter_key` identifies the filter for the candidate-count cache (None: count now).
    """
    # A count up to a minute old is fine: an exact search over a set that has since grown a
    # little past the limit, or an index scan over one that shrank, is still correct.
    count = qs.order_by().values("id")[:COUNT_LIMIT].count() if filter_key is None else _candidates.get(filter_key, qs)
    if count <= EXACT_SEARCH_LIMIT:
        return _exact_nearest(qs, vector_literal(vector), k)
    return _index_nearest(qs, vector, k, count)


def find_similar(
    scope: CacheScope,
    fingerprint: str,
    wire: str,
    model_name: str,
    vector: Any,
    query_text: str,
    threshold: float,
    max_age_seconds: int | None,
) -> Found | None:
    """The nearest entry above `threshold` whose stored query passes the false-hit guards."""
    qs = semantic_candidates(
        _fresh(CacheEntry.objects.for_scope(scope), max_age_seconds).filter(
            context_fingerprint=fingerprint, wire=wire, embedding_model=model_name
        )
    )
    filter_key = (scope, fingerprint, wire, model_name, max_age_seconds)
    ranked = [(i, 1.0 - d) for i, d in nearest(qs, vector, CANDIDATES, filter_key) if 1.0 - d >= threshold]
    if not ranked:
        return None
    rows = {
        row["id"]: row
        for row in qs.filter(id__in=[i for i, _ in ranked]).values(
            "id", "query_text", "response", "usage", "created_at"
        )
    }
    for entry_id, similarity in ranked:
        row = rows.get(entry_id)
        if row is not None and guards_agree(query_text, row["query_text"]):
            return Found(entry_id, row["response"], row["usage"], row["created_at"], similarity, semantic=True)
    return None
