"""`manage.py createapikey --team NAME [--name LABEL]`: the key alone on stdout's last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from proxy.services import create_api_key, get_or_create_team


class Command(BaseCommand):
    help = "Create an API key for a team (created if needed) and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="Team name; created if it does not exist.")
        parser.add_argument("--name", default="", help="A label for the key.")

    def handle(self, *args: Any, **options: Any) -> None:
        team = get_or_create_team(options["team"])
        key, plaintext = create_api_key(team, options["name"])
        self.stderr.write(f"Created key {key.prefix}… for team {team.name}. It is shown only once:")
        self.stdout.write(plaintext)
