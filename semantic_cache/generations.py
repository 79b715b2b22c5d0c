"""Each team's cache generation: a token in Redis that every bulk invalidation replaces.

Processes keep copies of answers they served (semantic_cache/hot.py) tagged with the token
they read; a new token makes every copy of that team's answers stale in every process.
Kept apart from hot.py so the models can invalidate without importing the lookup.
"""

from __future__ import annotations

from layercache_site import redis_store


def generation_key(team_id: int) -> str:
    return f"lc:cache-generation:{team_id}"


def invalidate_teams(team_ids: set[int]) -> None:
    """Entries of these teams were deleted: every process drops its copies of them."""
    for team_id in team_ids:
        redis_store.new_generation(generation_key(team_id))
