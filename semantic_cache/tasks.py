"""Celery tasks of the response cache (thin wrappers over semantic_cache.maintenance).

Periodic ones are registered, with their cadence, in layercache_site/schedule.py.
"""

from __future__ import annotations

from celery import shared_task

from semantic_cache import maintenance


@shared_task(time_limit=600, soft_time_limit=540)
def cleanup_expired_entries() -> int:
    """Every 10 minutes: expired entries are never served, this only reclaims the space."""
    return maintenance.delete_expired()


@shared_task(time_limit=3600, soft_time_limit=3500)
def reembed_entries() -> int:
    """Hourly, and on demand after LAYERCACHE_EMBEDDING_MODEL changes; a no-op otherwise."""
    return maintenance.reembed_entries()


@shared_task(time_limit=600, soft_time_limit=540)
def embed_few_shot_examples() -> int:
    """After examples are saved in admin, and every 5 minutes to catch up on failures."""
    return maintenance.embed_few_shot_examples()
