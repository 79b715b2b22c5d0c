"""`manage.py templates import|list|activate|archive`: the /v1/prompts operations, from a shell.

Without --team the command works on global templates (import, activate, archive) or on all
templates (list).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import OuterRef, Subquery

from proxy.models import Team
from templates_registry import services
from templates_registry.files import templates_dir
from templates_registry.models import PromptTemplate, PromptTemplateVersion
from templates_registry.spec import SpecError


class Command(BaseCommand):
    help = "Import, list, activate and archive prompt templates."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        imp = commands.add_parser("import", help="Import a directory of YAML/JSON template files.")
        imp.add_argument("directory", nargs="?", default=None, help="Default: LAYERCACHE_TEMPLATES_DIR.")
        listing = commands.add_parser("list", help="List templates and their active versions.")
        listing.add_argument("--archived", action="store_true", help="Include archived templates.")
        act = commands.add_parser("activate", help="Activate (or roll back to) a version.")
        act.add_argument("name")
        act.add_argument("version", type=int)
        arch = commands.add_parser("archive", help="Archive a template (its history is kept).")
        arch.add_argument("name")
        for sub in (imp, listing, act, arch):
            sub.add_argument("--team", default=None, help="Team name; omit for global templates.")

    def handle(self, *args: Any, **options: Any) -> None:
        team_id = self._team_id(options["team"])
        command = options["command"]
        if command == "import":
            self._import(team_id, Path(options["directory"]) if options["directory"] else templates_dir())
        elif command == "list":
            self._list(team_id, options["archived"])
        elif command == "activate":
            version = self._template(team_id, options["name"]).versions.filter(version=options["version"]).first()
            if version is None:
                raise CommandError(f"{options['name']} has no version {options['version']}")
            changed = services.activate(version)
            self.stdout.write(f"{version.label} {'activated' if changed else 'was already active'}")
        else:
            template = self._template(team_id, options["name"])
            services.archive(template)
            self.stdout.write(f"{template.name} archived")

    def _team_id(self, name: str | None) -> int | None:
        if name is None:
            return None
        team = Team.objects.filter(name=name).first()
        if team is None:
            raise CommandError(f"No team named {name!r}")
        return team.pk

    def _template(self, team_id: int | None, name: str) -> PromptTemplate:
        template = PromptTemplate.objects.in_scope(team_id).filter(name=name).first()
        if template is None:
            raise CommandError(f"No {'global ' if team_id is None else ''}template named {name!r} in that scope")
        return template

    def _import(self, team_id: int | None, directory: Path) -> None:
        try:
            imported = services.import_directory(team_id, directory)
        except SpecError as exc:
            raise CommandError(str(exc)) from None
        for item, result in imported:
            self.stdout.write(f"{item.path.name}: {result.version.label} {result.action.value}")
        self.stdout.write(f"{len(imported)} template(s) from {directory}")

    def _list(self, team_id: int | None, archived: bool) -> None:
        active = PromptTemplateVersion.objects.filter(template=OuterRef("pk"), active=True).values("version")[:1]
        templates = PromptTemplate.objects.all() if team_id is None else PromptTemplate.objects.for_team(team_id)
        if not archived:
            templates = templates.usable()
        for template in (
            templates.select_related("team").annotate(active_number=Subquery(active)).order_by("name", "team_id")
        ):
            scope = template.team.name if template.team else "global"
            flags = " (archived)" if template.archived else ""
            self.stdout.write(f"{template.name}@{template.active_number}\t{scope}{flags}\t{template.description}")
