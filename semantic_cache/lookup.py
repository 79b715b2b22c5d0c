"""Finding a stored answer: exact by key, semantic by vector similarity plus the verifier.

Both filter on the request's scope (team / key / session, `CacheEntryQuerySet.scope_condition`)
in the same statement that reads the rows, so that filter is part of every query.

The semantic search wants the nearest rows of one partition: scope, context fingerprint,
wire format and embedding model. pgvector 0.6 has no filtered index scans (an HNSW scan
returns its `ef_search` nearest rows of the whole table, and only then does the WHERE clause
run), so:

- a partition of at most `EXACT_SEARCH_LIMIT` rows (counted at most once a minute) is
  searched exactly, every distance computed over the rows a btree index finds;
- a larger one through the HNSW index on `search_vector`, which places each partition apart
  from all others (semantic_cache/search_space.py): a plain scan of `SCAN_ROWS` rows for the
  query's search vector returns its own partition's nearest rows first, and the filter then
  runs on those. Small partitions stay on the exact path because the index's graph can
  leave a small, tight partition poorly linked from the rest (measured in docs/benchmarks.md);
  for the same reason a partition holding under `THIN_PARTITION_SHARE` of the table is
  scanned wider (`WIDE_SCAN_ROWS`, with hnsw.ef_search raised to match).

Either way the similarity that decides a hit is the embeddings' own cosine.
tests/semantic_cache/test_vector_search.py measures recall under a selective filter.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from proxy.outcomes import Verdict
from semantic_cache.models import CacheEntry, CacheEntryQuerySet, CacheScope
from semantic_cache.search_space import partition_code, scaled_code
from semantic_cache.verification.chain import Verifier

# Nearest candidates examined per lookup: the nearest one may fail a guard ("15% of 80"
# vs "15% of 90") while the next, further away, is the right answer.
CANDIDATES = 5
# Rows the index scan returns before the filter: pgvector's default hnsw.ef_search, so no
# SET (and no transaction around it) is needed; the partition's rows come first in them.
SCAN_ROWS = 40
# Brute force costs ~3.5 us per candidate here (2 cores): 3.5 ms p50 at this size against
# 2.3 ms for the index scan, so beyond it the index is the better deal; raising it would buy
# exact recall for mid-sized partitions at ~3.5 ms per extra 1,000 rows (docs/benchmarks.md).
EXACT_SEARCH_LIMIT = 1_000
# A partition this thin in the graph is reached less surely by a 40-row scan: at 1M rows a
# 1,800-row partition (0.18%) got recall@1 0.93 at 40 rows and 0.98 at 100, while a 10%
# partition got 0.97 at 40 (docs/benchmarks.md). Wider costs ~3 ms, so only thin ones pay it.
THIN_PARTITION_SHARE = 0.01
WIDE_SCAN_ROWS = 100
_COUNT_TTL_SECONDS = 60.0


@dataclass(frozen=True)
class Found:
    entry_id: int
    response: dict[str, Any]
    usage: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    similarity: float
    semantic: bool


def _fresh_condition(scope: CacheScope, max_age_seconds: int | None, alias: str) -> tuple[str, list[Any]]:
    """`for_scope(scope).live()`, no older than `max_age_seconds`, as SQL on table alias `alias`."""
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
    """pgvector's text form. Nine significant digits round-trip any float4, so Postgres
    reads back the very same values (and %.9g formats twice as fast as repr here)."""
    return "[" + ",".join(map(_FLOAT4.__mod__, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def _real_array(vector: Any) -> str:
    """A real[] literal: the same numbers in braces."""
    return "{" + vector_literal(vector)[1:-1] + "}"


_FLOAT4 = "%.9g"


# A ranked row: (id, cosine distance, *the requested fields).
Ranked = tuple[Any, ...]


class _PartitionSizes:
    """How many rows a partition (and the table) holds, counted at most once a minute per
    partition: the counts only pick the search method, and counts a minute old pick it well."""

    def __init__(self) -> None:
        self._counts: dict[Hashable, tuple[float, tuple[int, float]]] = {}

    def get(self, key: Hashable, count: Callable[[], tuple[int, float]]) -> tuple[int, float]:
        now = time.monotonic()
        cached = self._counts.get(key)
        if cached is not None and now - cached[0] < _COUNT_TTL_SECONDS:
            return cached[1]
        if len(self._counts) > 10_000:
            self._counts.clear()
        value = count()
        self._counts[key] = (now, value)
        return value


_partition_sizes = _PartitionSizes()
# Index scans that came back short and were redone exactly, since the process started.
index_fallbacks = 0


def _partition_condition(
    scope: CacheScope, fingerprint: str, wire: str, model_name: str, max_age_seconds: int | None
) -> tuple[str, list[Any]]:
    where, params = _fresh_condition(scope, max_age_seconds, "e")
    where += " AND e.context_fingerprint = %s AND e.wire = %s AND e.embedding_model = %s AND e.embedding IS NOT NULL"
    return where, [*params, fingerprint, wire, model_name]


def _count(where: str, params: list[Any]) -> tuple[int, float]:
    """The partition's rows, counted up to what decides its search, and the table's rows by
    the planner's estimate: one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH whole AS (SELECT greatest(reltuples, 0) AS rows FROM pg_class WHERE oid = %s::regclass) "
            f"SELECT count(*), (SELECT rows FROM whole) FROM (SELECT 1 FROM {_TABLE} e WHERE {where} "
            "LIMIT greatest(%s, (SELECT rows FROM whole) * %s)::bigint + 1) counted",
            [CacheEntry._meta.db_table, *params, EXACT_SEARCH_LIMIT, THIN_PARTITION_SHARE],
        )
        size, table_rows = cursor.fetchone() or (0, 0.0)
    return int(size), float(table_rows)


def rows_to_scan(size: int, table_rows: float) -> int:
    """0: search the partition exactly; else how many rows the index scan returns."""
    if size <= EXACT_SEARCH_LIMIT:
        return 0
    return WIDE_SCAN_ROWS if size < table_rows * THIN_PARTITION_SHARE else SCAN_ROWS


# hnsw.ef_search as last set on each database connection (pgvector's default is 40): a wider
# scan needs a wider candidate list, and setting it only on a change saves a round trip. A
# SET undone by a rolled-back transaction can only leave a later wide scan at 40 rows: less
# recall for that lookup, never a wrong row (the filter and the short-scan fallback still run).
_ef_search: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_DEFAULT_EF_SEARCH = 40


def _use_ef_search(cursor: Any, rows: int) -> None:
    wanted = max(rows, _DEFAULT_EF_SEARCH)
    raw = connection.connection
    if _ef_search.get(raw, _DEFAULT_EF_SEARCH) != wanted:
        cursor.execute(f"SET hnsw.ef_search = {int(wanted)}")
        _ef_search[raw] = wanted


def nearest_in_partition(
    scope: CacheScope,
    fingerprint: str,
    wire: str,
    model_name: str,
    vector: Any,
    k: int,
    max_age_seconds: int | None,
    fields: tuple[str, ...] = (),
) -> list[Ranked]:
    """The k nearest live rows of the partition: (id, cosine distance, *fields), nearest
    first, each search one statement (the rows' fields come back with their distances)."""
    where, params = _partition_condition(scope, fingerprint, wire, model_name, max_age_seconds)
    scan_rows = rows_to_scan(
        *_partition_sizes.get((scope, fingerprint, wire, model_name, max_age_seconds), lambda: _count(where, params))
    )
    columns, converters = _select_fields(fields, "e")
    if scan_rows:
        # The scan is a subquery with no WHERE clause, so the planner cannot trade the index
        # for a btree walk and a sort of the whole partition. The query's search vector is
        # built in the database from the embedding sent once (see search_space.search_vector).
        code = partition_code(scope.team_id, scope.scope, scope.key_id, scope.session_id, fingerprint, wire, model_name)
        sql = (
            "WITH query AS MATERIALIZED (SELECT %s::vector AS embedding) "
            "SELECT e.id, e.embedding <=> (SELECT embedding FROM query) AS distance" + columns + " "
            f"FROM (SELECT id FROM {_TABLE} ORDER BY search_vector <=> "
            "(SELECT array_cat(embedding::real[], %s::real[])::vector FROM query) LIMIT %s) scanned "
            f"JOIN {_TABLE} e ON e.id = scanned.id WHERE {where} ORDER BY distance LIMIT %s"
        )
        ranked = _ranked(
            sql,
            [vector_literal(vector), _real_array(scaled_code(code)), scan_rows, *params, k],
            converters,
            ef_search=scan_rows,
        )
        if len(ranked) == k:
            return ranked
        # Fewer than k of this partition's (more than k) rows among those scanned: the graph
        # search did not reach the partition, which a partition whose rows are much nearer
        # each other than anything else can suffer. Correct but slow: search it exactly.
        global index_fallbacks
        index_fallbacks += 1  # statistics: a lost increment between threads does no harm
    # MATERIALIZED: the candidates are fetched first, so no index answers the ORDER BY.
    sql = (
        f"WITH candidates AS MATERIALIZED (SELECT e.id, e.embedding FROM {_TABLE} e WHERE {where}), "
        "nearest AS (SELECT c.id, c.embedding <=> %s::vector AS distance FROM candidates c ORDER BY distance LIMIT %s) "
        f"SELECT n.id, n.distance{columns} FROM nearest n JOIN {_TABLE} e ON e.id = n.id ORDER BY n.distance"
    )
    return _ranked(sql, [*params, vector_literal(vector), k], converters)


def _ranked(sql: str, arguments: list[Any], converters: list[Callable[[Any], Any]], ef_search: int = 0) -> list[Ranked]:
    with connection.cursor() as cursor:
        if ef_search:
            _use_ef_search(cursor, ef_search)
        cursor.execute(sql, arguments)
        return [
            (row[0], float(row[1]), *(c(v) for c, v in zip(converters, row[2:], strict=True)))
            for row in cursor.fetchall()
        ]


@dataclass(frozen=True)
class SimilarResult:
    """What the semantic search decided: the entry to serve (None on a miss) and the verdict
    behind it. On a hit, the served candidate's (accepted) verdict; on a miss, the verdict on
    the nearest candidate above the threshold that the verifier turned away, with its
    similarity; both None when no candidate reached the threshold."""

    found: Found | None
    verdict: Verdict | None = None
    similarity: float | None = None


def find_similar(
    scope: CacheScope,
    fingerprint: str,
    wire: str,
    model_name: str,
    vector: Any,
    query_text: str,
    threshold: float,
    max_age_seconds: int | None,
    verifier: Verifier,
) -> SimilarResult:
    """The nearest entry above `threshold` whose stored query `verifier` accepts.

    Candidates are judged one at a time, nearest first, so the ones behind the first accepted
    candidate cost nothing (a verdict is ~0.1 ms; most lookups that hit, hit on the first)."""
    fields = ("query_text", *_ANSWER_FIELDS)
    ranked = nearest_in_partition(scope, fingerprint, wire, model_name, vector, CANDIDATES, max_age_seconds, fields)
    turned_away = SimilarResult(None)
    for entry_id, distance, stored_query, response, usage, created_at, expires_at in ranked:
        similarity = 1.0 - distance
        if similarity < threshold:
            break  # nearest first: the rest are further still
        (verdict,) = verifier.verify(query_text, [stored_query])
        if verdict.accepted:
            found = Found(entry_id, response, usage, created_at, expires_at, similarity, semantic=True)
            return SimilarResult(found, verdict, similarity)
        if turned_away.verdict is None:
            turned_away = SimilarResult(None, verdict, similarity)
    return turned_away
