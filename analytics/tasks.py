"""Celery tasks of the analytics app (thin wrappers)."""

from __future__ import annotations

from celery import shared_task

from layercache_site import heartbeat as heartbeat_mod


@shared_task(time_limit=30)
def heartbeat() -> None:
    """Every 15 s (schedule.py): lets /health see that a worker and beat are running."""
    heartbeat_mod.beat()
