"""`manage.py loadroutes [PATH]`: create or update model routes from a YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from proxy.route_config import RouteConfigError, load_file


class Command(BaseCommand):
    help = "Load model routes from LAYERCACHE_CONFIG (or the given file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else Path(settings.LAYERCACHE_CONFIG)
        try:
            for line in load_file(path):
                self.stdout.write(line)
        except RouteConfigError as exc:
            raise CommandError(f"{path}: {exc}") from None
