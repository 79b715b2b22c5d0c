"""Wire schemas of the /v1/prompts endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

VariableDefault = str | int | float | bool | None


class TemplateIn(Schema):
    """A template in the file format (see README "Prompt templates")."""

    model_config = ConfigDict(extra="forbid")

    name: str
    # Accepted so that the original's files post unchanged; numbers are assigned here.
    version: str | int | float | None = None
    description: str | None = None
    tags: list[str] | None = None
    L0: str | list[dict[str, Any] | str] | None = None
    L1: str | list[dict[str, Any] | str] | None = None
    tools: list[dict[str, Any]] | None = None
    variables: dict[str, VariableDefault] | None = None
    enhancements: list[str] | None = None
    note: str | None = None
    activate: bool = Field(True, description="Make this content the active version.")


class ActivateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class VersionOut(Schema):
    version: int
    active: bool
    note: str
    created_at: datetime
    created_by: str | None
    content_hash: str
    L0: list[dict[str, Any]]
    L1: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    variables: dict[str, VariableDefault]
    enhancements: list[str]


class TemplateOut(Schema):
    name: str
    scope: Literal["team", "global"]
    description: str
    tags: list[str]
    archived: bool
    active_version: int | None
    updated_at: datetime


class TemplateListOut(Schema):
    templates: list[TemplateOut]


class TemplateDetailOut(TemplateOut):
    versions: list[VersionOut]


class SaveOut(Schema):
    name: str
    version: int
    active: bool
    action: str = Field(description="created, new_version, activated, updated or unchanged")


class ArchivedOut(Schema):
    name: str
    archived: bool


class ReloadItemOut(Schema):
    file: str
    name: str
    version: int
    action: str


class ReloadOut(Schema):
    directory: str
    results: list[ReloadItemOut]
