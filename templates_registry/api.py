"""Prompt-template endpoints for the key's team (mounted at /v1/prompts).

A key sees its team's templates and the global ones, and changes only its team's: another
team's template is a 404, a global one is read-only (403) here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from ninja import Router, Status

from proxy.auth import api_key_auth, principal_of
from proxy.errors import ErrorKind, GatewayError, bad_request
from templates_registry import services
from templates_registry.files import templates_dir
from templates_registry.models import PromptTemplate, PromptTemplateVersion
from templates_registry.schemas import (
    ActivateIn,
    ArchivedOut,
    ReloadOut,
    SaveOut,
    TemplateDetailOut,
    TemplateIn,
    TemplateListOut,
)
from templates_registry.spec import SpecError, parse_spec

router = Router(tags=["templates"], auth=api_key_auth)


def _not_found(name: str) -> GatewayError:
    return GatewayError(
        ErrorKind.NOT_FOUND, f"Prompt template {name!r} not found", param="name", code="template_not_found"
    )


def _visible(request: HttpRequest, name: str) -> PromptTemplate:
    template = services.find_template(principal_of(request).team_id, name, include_archived=True)
    if template is None:
        raise _not_found(name)
    return template


def _owned(request: HttpRequest, name: str) -> PromptTemplate:
    template = _visible(request, name)
    if template.is_global:
        raise GatewayError(
            ErrorKind.PERMISSION,
            f"Prompt template {name!r} is global; only an administrator can change it",
            code="template_read_only",
        )
    return template


def _template_out(template: PromptTemplate, active_version: int | None) -> dict[str, Any]:
    return {
        "name": template.name,
        "scope": "global" if template.is_global else "team",
        "description": template.description,
        "tags": template.tag_list,
        "archived": template.archived,
        "active_version": active_version,
        "updated_at": template.updated_at,
    }


def _version_out(version: PromptTemplateVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "active": version.active,
        "note": version.note,
        "created_at": version.created_at,
        "created_by": version.created_by.get_username() if version.created_by else None,
        "content_hash": version.content_hash,
        "L0": version.l0,
        "L1": version.l1,
        "tools": version.tools,
        "variables": version.variables,
        "enhancements": version.enhancements,
    }


@router.get("/templates", response=TemplateListOut)
def list_templates(request: HttpRequest, include_archived: bool = False) -> dict[str, Any]:
    active = PromptTemplateVersion.objects.filter(template=OuterRef("pk"), active=True).values("version")[:1]
    templates = PromptTemplate.objects.for_team(principal_of(request).team_id).select_related("team")
    if not include_archived:
        templates = templates.usable()
    templates = templates.annotate(active_number=Subquery(active)).order_by("name", "team_id")
    return {"templates": [_template_out(t, t.active_number) for t in templates]}


@router.post("/templates", response={200: SaveOut, 201: SaveOut})
def save_template(request: HttpRequest, payload: TemplateIn) -> Status[dict[str, Any]]:
    raw = payload.model_dump(exclude_unset=True, exclude={"activate"})
    try:
        spec = parse_spec(raw)
    except SpecError as exc:
        raise bad_request(str(exc)) from None
    result = services.save_spec(principal_of(request).team_id, spec, activate=payload.activate)
    created = result.action in (services.Action.CREATED, services.Action.NEW_VERSION)
    body = {
        "name": result.template.name,
        "version": result.version.version,
        "active": result.version.active,
        "action": result.action.value,
    }
    return Status(201 if created else 200, body)


@router.get("/templates/{name}", response=TemplateDetailOut)
def get_template(request: HttpRequest, name: str) -> dict[str, Any]:
    template = _visible(request, name)
    versions = list(template.versions.select_related("created_by").order_by("-version"))
    active = next((v.version for v in versions if v.active), None)
    return {**_template_out(template, active), "versions": [_version_out(v) for v in versions]}


@router.post("/templates/{name}/activate", response=SaveOut)
def activate_version(request: HttpRequest, name: str, payload: ActivateIn) -> dict[str, Any]:
    template = _owned(request, name)
    version = template.versions.filter(version=payload.version).first()
    if version is None:
        raise GatewayError(
            ErrorKind.NOT_FOUND,
            f"Prompt template {name!r} has no version {payload.version}",
            param="version",
            code="template_not_found",
        )
    changed = services.activate(version)
    action = services.Action.ACTIVATED if changed else services.Action.UNCHANGED
    return {"name": template.name, "version": version.version, "active": True, "action": action.value}


@router.delete("/templates/{name}", response=ArchivedOut)
def archive_template(request: HttpRequest, name: str) -> dict[str, Any]:
    template = _owned(request, name)
    services.archive(template)
    return {"name": template.name, "archived": True}


@router.post("/reload", response=ReloadOut)
def reload_templates(request: HttpRequest) -> dict[str, Any]:
    """Import the server's templates directory into the key's team; unchanged files create nothing."""
    directory = templates_dir()
    try:
        imported = services.import_directory(principal_of(request).team_id, directory)
    except SpecError as exc:
        raise bad_request(str(exc)) from None
    results = [
        {
            "file": item.path.name,
            "name": result.template.name,
            "version": result.version.version,
            "action": result.action.value,
        }
        for item, result in imported
    ]
    # The name only: the server's file layout is none of an API client's business.
    return {"directory": directory.name, "results": results}
