"""Celery tasks of the analytics app (thin wrappers)."""

from __future__ import annotations

from celery import shared_task

from layercache_site import heartbeat as heartbeat_mod


# Both limits: the global soft limit (CELERY_TASK_SOFT_TIME_LIMIT) exceeds 30 s, and Celery
# refuses to send a task whose soft limit is above its hard one.
@shared_task(time_limit=30, soft_time_limit=20)
def heartbeat() -> None:
    """Every 15 s (schedule.py): lets /health see that a worker and beat are running."""
    heartbeat_mod.beat()
