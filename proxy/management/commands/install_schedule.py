"""`manage.py install_schedule`: write the periodic tasks into django-celery-beat's tables."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from layercache_site.schedule import PERIODIC_TASKS, install_schedule


class Command(BaseCommand):
    help = "Create or update the periodic tasks of layercache_site/schedule.py (run at deploy; serve does it itself)."

    def handle(self, *args: Any, **options: Any) -> None:
        install_schedule()
        for periodic in PERIODIC_TASKS:
            self.stdout.write(f"{periodic.name}: {periodic.task} every {periodic.every_seconds} s")
