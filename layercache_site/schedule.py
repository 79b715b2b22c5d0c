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
)


def install_schedule() -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for periodic in PERIODIC_TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=periodic.every_seconds, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.update_or_create(name=periodic.name, defaults={"task": periodic.task, "interval": interval})
