"""Writing templates: the one place the API, the admin and the commands go through.

Every write locks the template row first, so version numbers are allocated and activations
switched one at a time per template; the partial unique index backs this up.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from templates_registry import lookup
from templates_registry.files import FileTemplate, load_directory
from templates_registry.models import PromptTemplate, PromptTemplateVersion
from templates_registry.spec import Content, TemplateSpec


class Action(enum.StrEnum):
    CREATED = "created"  # a new template with its first version
    NEW_VERSION = "new_version"  # new content: a new version
    ACTIVATED = "activated"  # content equal to an older version: that version is active again
    UPDATED = "updated"  # only description/tags/archived changed
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class SaveResult:
    template: PromptTemplate
    version: PromptTemplateVersion
    action: Action


def find_template(team_id: int, name: str, *, include_archived: bool = False) -> PromptTemplate | None:
    """The template `name` as the team sees it: its own, else the global one of that name."""
    templates = PromptTemplate.objects.for_team(team_id)
    return (templates if include_archived else templates.usable()).named(name)


def _locked(template_id: int) -> PromptTemplate:
    return PromptTemplate.objects.select_for_update().get(pk=template_id)


def _activate_locked(template: PromptTemplate, version: PromptTemplateVersion) -> bool:
    if version.active:
        return False
    # Deactivate first: the partial unique index allows one active row at every moment.
    PromptTemplateVersion.objects.filter(template=template, active=True).update(active=False)
    PromptTemplateVersion.objects.filter(pk=version.pk).update(active=True)
    version.active = True
    # update() sends no signals; other processes learn of the switch through the generation.
    transaction.on_commit(lookup.invalidate)
    return True


@transaction.atomic
def activate(version: PromptTemplateVersion) -> bool:
    """Make `version` its template's active one (a rollback when it is older). True if it changed."""
    template = _locked(version.template_id)
    version.refresh_from_db(fields=["active"])
    return _activate_locked(template, version)


@transaction.atomic
def add_version(
    template: PromptTemplate, content: Content, *, note: str = "", user: Any = None, activate: bool = True
) -> SaveResult:
    """Store `content` as the template's newest version, unless a version already holds it.

    Content equal to an existing version reuses that version (activating it if asked), so
    saving the same thing twice creates nothing.
    """
    template = _locked(template.pk)
    content_hash = content.content_hash
    existing = template.versions.filter(content_hash=content_hash).order_by("-version").first()
    if existing is not None:
        activated = activate and _activate_locked(template, existing)
        return SaveResult(template, existing, Action.ACTIVATED if activated else Action.UNCHANGED)
    number = (template.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = PromptTemplateVersion.objects.create(
        template=template, version=number, content_hash=content_hash, note=note, created_by=user, **content.as_fields()
    )
    # A template is never without an active version, so its first one is always activated.
    if activate or number == 1:
        _activate_locked(template, version)
    return SaveResult(template, version, Action.CREATED if number == 1 else Action.NEW_VERSION)


def _template_for(team_id: int | None, spec: TemplateSpec) -> tuple[PromptTemplate, bool]:
    """Lock (or create) the template `spec` names in this scope; True when created."""
    found = PromptTemplate.objects.in_scope(team_id).filter(name=spec.name).values_list("pk", flat=True).first()
    if found is not None:
        return _locked(found), False
    try:
        with transaction.atomic():
            template = PromptTemplate.objects.create(
                team_id=team_id, name=spec.name, description=spec.description or "", tags=",".join(spec.tags or ())
            )
        return template, True
    except IntegrityError:
        # Created concurrently by another request: use theirs.
        return _locked(PromptTemplate.objects.in_scope(team_id).get(name=spec.name).pk), False


@transaction.atomic
def save_spec(team_id: int | None, spec: TemplateSpec, *, user: Any = None, activate: bool = True) -> SaveResult:
    """Create the template, or a new version of it if its content changed (see add_version).

    `team_id` None means a global template. Given description/tags replace the stored ones,
    and saving an archived template brings it back.
    """
    template, created = _template_for(team_id, spec)
    changed: list[str] = []
    if not created:
        if spec.description is not None and spec.description != template.description:
            template.description = spec.description
            changed.append("description")
        if spec.tags is not None and ",".join(spec.tags) != template.tags:
            template.tags = ",".join(spec.tags)
            changed.append("tags")
        if template.archived:
            template.archived = False
            changed.append("archived")
        if changed:
            template.save(update_fields=[*changed, "updated_at"])
    result = add_version(template, spec.content, note=spec.note, user=user, activate=activate)
    if result.action is Action.UNCHANGED and changed:
        return SaveResult(result.template, result.version, Action.UPDATED)
    return result


def archive(template: PromptTemplate) -> None:
    """Hide the template from requests and listings; its versions are kept."""
    if not template.archived:
        template.archived = True
        template.save(update_fields=["archived", "updated_at"])


@transaction.atomic
def import_specs(team_id: int | None, specs: Iterable[TemplateSpec], *, user: Any = None) -> list[SaveResult]:
    """Save every spec, all or nothing."""
    return [save_spec(team_id, spec, user=user) for spec in specs]


def import_directory(
    team_id: int | None, directory: Path, *, user: Any = None
) -> list[tuple[FileTemplate, SaveResult]]:
    """Import every template file in `directory`; invalid files abort before any write."""
    items = load_directory(directory)
    results = import_specs(team_id, (item.spec for item in items), user=user)
    return list(zip(items, results, strict=True))
