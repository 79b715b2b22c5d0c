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
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
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
    expires_at: datetime
    similarity: float
    semantic: bool


def _fresh(qs: CacheEntryQuerySet, max_age_seconds: int | None) -> CacheEntryQuerySet:
    qs = qs.live()
    if max_age_seconds is not None:
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(seconds=max_age_seconds))
    return qs


def _fresh_condition(scope: CacheScope, max_age_seconds: int | None, alias: str) -> tuple[str, list[Any]]:
    """`_fresh(for_scope(scope))` as SQL, for the raw lookups on the hit path."""
    sql, params = CacheEntryQuerySet.scope_condition(scope, alias)
    now = timezone.now()
    sql += f" AND {alias}.expires_at > %s"
    params.append(now)
    if max_age_seconds is not None:
        sql += f" AND {alias}.created_at >= %s"
        params.append(now - timedelta(seconds=max_age_seconds))
    return sql, params


_TABLE = connection.ops.quote_name(CacheEntry._meta.db_table)
_ANSWER_FIELDS = ("response", "usage", "created_at", "expires_at")


def _select_fields(fields: tuple[str, ...], alias: str) -> tuple[str, list[Callable[[Any], Any]]]:
    """Column list and value converters for `fields`: raw SQL skips the model fields'
    conversions (JSON arrives as text), so they are applied here as the ORM would."""
    model_fields = [CacheEntry._meta.get_field(name) for name in fields]
    columns = "".join(f", {alias}.{connection.ops.quote_name(str(f.column))}" for f in model_fields)  # type: ignore[union-attr]
    return columns, [_converter(f) for f in model_fields]


def _converter(field: Any) -> Callable[[Any], Any]:
    if not hasattr(field, "from_db_value"):
        return lambda value: value
    return lambda value: field.from_db_value(value, None, connection)


def find_exact(scope: CacheScope, exact_key: str, wire: str, max_age_seconds: int | None) -> Found | None:
    where, params = _fresh_condition(scope, max_age_seconds, "e")
    columns, converters = _select_fields(_ANSWER_FIELDS, "e")
    sql = f"SELECT e.id{columns} FROM {_TABLE} e WHERE {where} AND e.exact_key = %s AND e.wire = %s LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, exact_key, wire])
        row = cursor.fetchone()
    if row is None:
        return None
    response, usage, created_at, expires_at = (c(v) for c, v in zip(converters, row[1:], strict=True))
    return Found(row[0], response, usage, created_at, expires_at, 1.0, semantic=False)


def vector_literal(vector: Any) -> str:
    """pgvector's text form. float32 -> Python float is exact and repr round-trips, so
    Postgres reads back the very same float4 values."""
    return "[" + ",".join(map(repr, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def semantic_candidates(qs: CacheEntryQuerySet) -> CacheEntryQuerySet:
    return qs.filter(embedding__isnull=False)


# A ranked row: (id, cosine distance, *the requested fields).
Ranked = tuple[Any, ...]


def _exact_nearest(qs: CacheEntryQuerySet, vector: str, k: int, fields: tuple[str, ...]) -> list[Ranked]:
    inner_sql, inner_params = qs.order_by().values_list("id", "embedding").query.sql_with_params()
    return _exact_nearest_sql(inner_sql, list(inner_params), vector, k, fields)


def _exact_nearest_sql(
    candidates_sql: str, params: list[Any], vector: str, k: int, fields: tuple[str, ...]
) -> list[Ranked]:
    """Every distance computed: a MATERIALIZED CTE cannot be answered from the HNSW index.

    `candidates_sql` selects (id, embedding); the rows' fields come back in the same
    statement (one round trip, not two).
    """
    columns, converters = _select_fields(fields, "e")
    sql = (
        f"WITH candidates AS MATERIALIZED ({candidates_sql}), "
        "nearest AS (SELECT c.id, c.embedding <=> %s::vector AS distance FROM candidates c ORDER BY distance LIMIT %s) "
        f"SELECT n.id, n.distance{columns} FROM nearest n JOIN {_TABLE} e ON e.id = n.id ORDER BY n.distance"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, vector, k])
        return [
            (row[0], float(row[1]), *(c(v) for c, v in zip(converters, row[2:], strict=True)))
            for row in cursor.fetchall()
        ]


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

    def get(self, key: Hashable, candidates: Callable[[], CacheEntryQuerySet]) -> int:
        now = time.monotonic()
        cached = self._counts.get(key)
        if cached is not None and now - cached[0] < _ROW_ESTIMATE_TTL:
            return cached[1]
        if len(self._counts) > 10_000:
            self._counts.clear()
        count = _count(candidates())
        self._counts[key] = (now, count)
        return count


_candidates = _CandidateCounts()


def _count(qs: CacheEntryQuerySet) -> int:
    return qs.order_by().values("id")[:COUNT_LIMIT].count()


def ef_search_for(total_rows: float, candidate_rows: float, k: int) -> int:
    """An ef_search at which about 2*k filtered rows are expected among those scanned.

    A real semantic hit is a near-duplicate of the query, which HNSW reaches early; the
    margin is for the filter, not for a hard nearest-neighbour problem.
    """
    if candidate_rows <= 0 or total_rows <= candidate_rows:
        return MIN_EF_SEARCH
    wanted = math.ceil(2 * k * total_rows / candidate_rows)
    return max(MIN_EF_SEARCH, min(MAX_EF_SEARCH, wanted))


def _index_nearest(
    qs: CacheEntryQuerySet, vector: Any, k: int, candidate_rows: int, fields: tuple[str, ...]
) -> list[Ranked]:
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
            qs.filter(id__in=scanned)
            .annotate(distance=distance)
            .order_by("distance")
            .values_list("id", "distance", *fields)[:k]
        )
        return [(entry_id, float(d), *rest) for entry_id, d, *rest in ranked]


def nearest(
    qs: CacheEntryQuerySet, vector: Any, k: int, filter_key: Hashable = None, fields: tuple[str, ...] = ()
) -> list[Ranked]:
    """The k nearest rows of `qs` by cosine distance, exact while `qs` is small:
    (id, distance, *fields), nearest first.

    `filter_key` identifies the filter for the candidate-count cache (None: count now).
    """
    # A count up to a minute old is fine: an exact search over a set that has since grown a
    # little past the limit, or an index scan over one that shrank, is still correct.
    count = _count(qs) if filter_key is None else _candidates.get(filter_key, lambda: qs)
    if count <= EXACT_SEARCH_LIMIT:
        return _exact_nearest(qs, vector_literal(vector), k, fields)
    return _index_nearest(qs, vector, k, count, fields)


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

    def candidates() -> CacheEntryQuerySet:
        return semantic_candidates(
            _fresh(CacheEntry.objects.for_scope(scope), max_age_seconds).filter(
                context_fingerprint=fingerprint, wire=wire, embedding_model=model_name
            )
        )

    fields = ("query_text", *_ANSWER_FIELDS)
    count = _candidates.get((scope, fingerprint, wire, model_name, max_age_seconds), candidates)
    if count <= EXACT_SEARCH_LIMIT:
        # The common case, in raw SQL: the same filter as candidates(), without compiling it.
        where, params = _fresh_condition(scope, max_age_seconds, "e")
        candidates_sql = (
            f"SELECT e.id, e.embedding FROM {_TABLE} e WHERE {where} AND e.context_fingerprint = %s "
            "AND e.wire = %s AND e.embedding_model = %s AND e.embedding IS NOT NULL"
        )
        params += [fingerprint, wire, model_name]
        ranked = _exact_nearest_sql(candidates_sql, params, vector_literal(vector), CANDIDATES, fields)
    else:
        ranked = _index_nearest(candidates(), vector, CANDIDATES, count, fields)
    for entry_id, distance, stored_query, response, usage, created_at, expires_at in ranked:
        similarity = 1.0 - distance
        if similarity < threshold:
            break  # nearest first: the rest are further still
        if guards_agree(query_text, stored_query):
            return Found(entry_id, response, usage, created_at, expires_at, similarity, semantic=True)
    return None
