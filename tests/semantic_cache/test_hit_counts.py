"""Counting hits rewrites an entry row in place, without touching its indexes.

An UPDATE that finds no room on the row's page writes the new version elsewhere, and every
index of the table, the HNSW one included, then gets an entry for it: ~2 ms of database CPU
per counted hit instead of ~0.1 ms. The table keeps a fifth of each page free for that
(migration 0003), so hit counts are HOT updates.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from proxy.models import Team
from semantic_cache.models import CacheEntry, CacheScope
from semantic_cache.store import count_hits
from tests.semantic_cache.cache_support import vector_entry


def _full_entries(team: Team, count: int) -> list[CacheEntry]:
    """Entries as the gateway stores them: two vectors and an answer of a few hundred bytes."""
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    answer = {"choices": [{"message": {"role": "assistant", "content": "an answer " * 40}}]}
    entries = [
        vector_entry(team, "fp", f"k{i}", vector, query_text=f"question number {i} about something", response=answer)
        for i, vector in enumerate(vectors)
    ]
    return CacheEntry.objects.bulk_create(entries)


def _hot_updates_counting_one_hit_per_page(fillfactor: int | None = None) -> tuple[int, int]:
    """(rows updated, of which HOT) for one counted hit on one entry of every page: hits in
    one flush are spread over the table, and between flushes reads prune the pages."""
    if fillfactor is not None:  # undone with the test's transaction
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE semantic_cache_cacheentry SET (fillfactor = {int(fillfactor)})")
    team = Team.objects.create(name="alpha")
    _full_entries(team, 60)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON ((ctid::text::point)[0]) id FROM semantic_cache_cacheentry "
            "ORDER BY (ctid::text::point)[0], id"
        )
        one_per_page = [row[0] for row in cursor.fetchall()]
    assert len(one_per_page) >= 10
    updated_before, hot_before = _update_counts()
    count_hits({(CacheScope(team.id, "team"), entry_id): (1, timezone.now()) for entry_id in one_per_page})
    updated, hot = _update_counts()
    assert set(CacheEntry.objects.filter(id__in=one_per_page).values_list("hit_count", flat=True)) == {1}
    assert updated - updated_before == len(one_per_page)
    return updated - updated_before, hot - hot_before


def _update_counts() -> tuple[int, int]:
    """Updates and HOT updates of the table this backend has not reported yet (they build up
    across transactions until reported, so tests compare before and after)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["semantic_cache_cacheentry", "semantic_cache_cacheentry"],
        )
        updated, hot = cursor.fetchone()
    return int(updated), int(hot)


@pytest.mark.django_db
def test_counting_hits_is_a_hot_update() -> None:
    updated, hot = _hot_updates_counting_one_hit_per_page()
    assert hot == updated


@pytest.mark.django_db
def test_on_full_pages_it_would_not_be() -> None:
    """The control: the same updates with pages filled completely."""
    updated, hot = _hot_updates_counting_one_hit_per_page(fillfactor=100)
    assert hot == 0


@pytest.mark.django_db
def test_a_flush_adds_each_entrys_hits_and_keeps_the_latest_time_within_its_team() -> None:
    alpha, beta = Team.objects.create(name="alpha"), Team.objects.create(name="beta")
    a1, a2 = _full_entries(alpha, 2)
    (b1,) = CacheEntry.objects.bulk_create([_copy_for(b, beta) for b in [a1]])
    earlier, later = timezone.now() - timedelta(minutes=5), timezone.now()
    CacheEntry.objects.filter(id=a2.id).update(hit_count=4, last_hit_at=later)
    alpha_scope, beta_scope = CacheScope(alpha.id, "team"), CacheScope(beta.id, "team")
    count_hits(
        {
            (alpha_scope, a1.id): (3, later),
            (alpha_scope, a2.id): (2, earlier),
            (beta_scope, b1.id): (1, later),
            (beta_scope, a1.id): (100, later),  # another team's entry: never counted
        }
    )
    counts = {e.id: (e.hit_count, e.last_hit_at) for e in CacheEntry.objects.all()}
    assert counts[a1.id] == (3, later)
    assert counts[a2.id] == (6, later)
    assert counts[b1.id] == (1, later)


def _copy_for(entry: CacheEntry, team: Team) -> CacheEntry:
    other = copy.copy(entry)
    other.pk = None
    other.team = team
    return other
