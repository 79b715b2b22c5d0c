"""Every periodic task, in one place, each with its cadence and why.

`install_schedule()` writes these into django-celery-beat's tables (run by `serve` and the
`install_schedule` command), where admins can then change them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    every_seconds: int


PERIODIC_TASKS: tuple[Periodic, ...] = (
    # Frequent enough that /health notices a dead worker within a minute and a half.
    Periodic("worker heartbeat", "analytics.tasks.heartbeat", 15),
    # Expired cache entries are never served; deleting them only reclaims space and keeps
    # the vector index small, so every 10 minutes is plenty.
    Periodic("cache: delete expired entries", "semantic_cache.tasks.cleanup_expired_entries", 600),
    # A no-op unless the embedding model changed; until then stale entries only miss.
    Periodic("cache: re-embed entries of another model", "semantic_cache.tasks.reembed_entries", 3600),
    # Saving examples in admin queues this at once; the schedule catches up after failures.
    Periodic("cache: embed few-shot examples", "semantic_cache.tasks.embed_few_shot_examples", 300),
)


def install_schedule() -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for periodic in PERIODIC_TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=periodic.every_seconds, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.update_or_create(
            name=periodic.name, defaults={"task": periodic.task, "interval": interval}
        )
