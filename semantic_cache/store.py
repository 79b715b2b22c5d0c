"""Writing entries (after the response has gone out) and counting hits.

Plain synchronous functions: the gateway runs them in a worker thread after responding,
and the Celery tasks call them directly. The embedding is computed here, in that thread,
never on the event loop.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from proxy.usage import Usage
from semantic_cache.embedder import Embedder, FloatMatrix
from semantic_cache.models import CacheEntry, CacheScope

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Embedding:
    """A query's vector and the model that made it."""

    model_name: str
    vector: FloatMatrix


@dataclass(frozen=True)
class EntryDraft:
    scope: CacheScope
    route_name: str
    wire: str
    exact_key: str
    context_fingerprint: str
    template_version: str
    # "" when the request may not take part in semantic matching: stored for exact hits only.
    query_text: str
    response: dict[str, Any]
    usage: Usage
    ttl_seconds: int
    # The lookup's embedding of query_text, if it made one: reused instead of embedding again.
    embedding: Embedding | None = None


def usage_json(usage: Usage) -> dict[str, int]:
    return asdict(usage)


def usage_from_json(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()
    fields = {
        name: int(data.get(name) or 0)
        for name in (
            "input_tokens",
            "cached_read_tokens",
            "cache_write_tokens",
            "output_tokens",
            "cache_write_1h_tokens",
            "reasoning_tokens",
        )
    }
    return Usage(**fields)


def save_entry(draft: EntryDraft, embedder: Embedder | None) -> int:
    """Insert or replace the partition's entry for this exact key; returns its id."""
    vector = None
    model_name = ""
    if draft.query_text and draft.embedding is not None:
        vector, model_name = draft.embedding.vector, draft.embedding.model_name
    elif draft.query_text and embedder is not None:
        vector = embedder.embed_one(draft.query_text)
        model_name = embedder.model_name
    now = timezone.now()
    entry = CacheEntry(
        team_id=draft.scope.team_id,
        key_id=draft.scope.key_id,
        session_id=draft.scope.session_id,
        scope=draft.scope.scope,
        route_name=draft.route_name,
        wire=draft.wire,
        exact_key=draft.exact_key,
        context_fingerprint=draft.context_fingerprint,
        template_version=draft.template_version,
        embedding_model=model_name,
        embedding=vector,
        query_text=draft.query_text,
        response=draft.response,
        usage=usage_json(draft.usage),
        created_at=now,
        expires_at=now + timedelta(seconds=draft.ttl_seconds),
        hit_count=0,
        last_hit_at=None,
    )
    if vector is not None:
        entry.search_vector = entry.search_vector_for(vector, model_name)
    # One statement, race-free across processes: a concurrent store of the same answer
    # replaces rather than duplicates.
    CacheEntry.objects.bulk_create(
        [entry],
        update_conflicts=True,
        unique_fields=["team", "scope", "key", "session_id", "exact_key"],
        update_fields=[
            "route_name",
            "wire",
            "context_fingerprint",
            "template_version",
            "embedding_model",
            "embedding",
            "search_vector",
            "query_text",
            "response",
            "usage",
            "created_at",
            "expires_at",
            "hit_count",
            "last_hit_at",
        ],
    )
    if entry.pk is None:  # older backends do not return ids on conflict updates
        entry = CacheEntry.objects.for_scope(draft.scope).get(exact_key=draft.exact_key)
    return int(entry.pk)


def count_hits(hits: dict[tuple[CacheScope, int], tuple[int, datetime]]) -> None:
    """Add tallied hits to their entries: {(scope, entry id): (hits, last hit time)}.

    One UPDATE per team, however many entries were hit: a flush runs every second beside
    the requests, so its round trips are kept few.
    """
    by_team: dict[int, list[tuple[int, int, datetime]]] = {}
    for (scope, entry_id), (count, last_hit) in hits.items():
        by_team.setdefault(scope.team_id, []).append((entry_id, count, last_hit))
    table = connection.ops.quote_name(CacheEntry._meta.db_table)
    with connection.cursor() as cursor:
        for team_id, rows in by_team.items():
            ids, counts, last_hits = (list(column) for column in zip(*rows, strict=True))
            cursor.execute(
                f"UPDATE {table} e SET hit_count = e.hit_count + v.hits, "
                "last_hit_at = GREATEST(e.last_hit_at, v.last_hit) "
                "FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[]) AS v(id, hits, last_hit) "
                "WHERE e.id = v.id AND e.team_id = %s",
                [ids, counts, last_hits, team_id],
            )


class HitTally:
    """Hits counted in memory and written at most once per `interval` seconds.

    An UPDATE per hit would make every hit a write, and a row update that cannot stay on
    its page re-inserts the row into every index, the HNSW one included: more work than
    serving the hit. Counts are statistics, so losing the last second's on a crash is fine.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._pending: dict[tuple[CacheScope, int], tuple[int, datetime]] = {}

    def add(self, scope: CacheScope, entry_id: int) -> bool:
        """Count one hit; True if a flush should be scheduled (none is pending)."""
        first = not self._pending
        count, _ = self._pending.get((scope, entry_id), (0, timezone.now()))
        self._pending[(scope, entry_id)] = (count + 1, timezone.now())
        return first

    def take(self) -> dict[tuple[CacheScope, int], tuple[int, datetime]]:
        pending, self._pending = self._pending, {}
        return pending
