"""Prompt templates and their immutable versions (NetBox's versioned-config pattern).

A `PromptTemplate` is a name owned by a team, or global (no team). Its content lives in
`PromptTemplateVersion` rows that are never edited: a change is a new version, a rollback
activates an older one, and the database guarantees at most one active version per template.
Every query that a team makes goes through `for_team(team_id)`: the team's templates plus
the global ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from proxy.models import Team

# No "@" (it separates "name@version" in lc_template) and no "/" (it is a URL segment).
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
name_validator = RegexValidator(
    NAME_PATTERN, "Use letters, digits, '_', '-' and '.' (no '@' or '/'), starting with a letter or digit."
)

# The fields that make up a version's content; none of them may change once saved.
CONTENT_FIELDS = ("l0", "l1", "tools", "variables", "enhancements", "content_hash")


class PromptTemplateQuerySet(models.QuerySet["PromptTemplate"]):
    def for_team(self, team_id: int) -> PromptTemplateQuerySet:
        """The team's templates and the global ones: everything an API key of it may see."""
        return self.filter(Q(team_id=team_id) | Q(team__isnull=True))

    def for_teams(self, team_ids: Iterable[int]) -> PromptTemplateQuerySet:
        return self.filter(Q(team_id__in=list(team_ids)) | Q(team__isnull=True))

    def in_scope(self, team_id: int | None) -> PromptTemplateQuerySet:
        """Exactly one scope, for writes: the team's own templates, or the global ones for None."""
        return self.filter(team_id=team_id) if team_id is not None else self.filter(team__isnull=True)

    def usable(self) -> PromptTemplateQuerySet:
        return self.filter(archived=False)

    def named(self, name: str) -> PromptTemplate | None:
        """The template `name` among these; a team's own one shadows a global one."""
        return self.filter(name=name).select_related("team").order_by(F("team_id").asc(nulls_last=True)).first()


class PromptTemplate(models.Model):
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="prompt_templates",
        help_text="Owning team; leave empty for a global template every team can use.",
    )
    name = models.CharField(max_length=100, validators=[name_validator])
    description = models.TextField(blank=True)
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    archived = models.BooleanField(default=False, help_text="Archived templates cannot be used; their history is kept.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PromptTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="template_unique_team_name"),
            # NULLs are distinct in a unique index, so global names need their own constraint.
            models.UniqueConstraint(
                fields=["name"], condition=Q(team__isnull=True), name="template_unique_global_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.team.name if self.team else 'global'})"

    @property
    def is_global(self) -> bool:
        return self.team_id is None

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    def active_version(self) -> PromptTemplateVersion | None:
        return self.versions.filter(active=True).first()


class PromptTemplateVersionQuerySet(models.QuerySet["PromptTemplateVersion"]):
    def for_team(self, team_id: int) -> PromptTemplateVersionQuerySet:
        return self.filter(template__in=PromptTemplate.objects.for_team(team_id))

    def active(self) -> PromptTemplateVersionQuerySet:
        return self.filter(active=True)


class ImmutableVersionError(ValidationError):
    """Raised on an attempt to change a saved version's content."""


class PromptTemplateVersion(models.Model):
    """One immutable revision of a template's content. Only `active` ever changes."""

    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(editable=False)
    # Content, stored canonicalized (see spec.py) so that equal content has an equal hash.
    l0 = models.JSONField("L0 system", default=list, blank=True, help_text="List of {role, content}.")
    l1 = models.JSONField("L1 context", default=list, blank=True, help_text="List of {role, content}.")
    tools = models.JSONField(default=list, blank=True, help_text="OpenAI function tools, sent before the client's.")
    variables = models.JSONField(default=dict, blank=True, help_text="Name -> default; null means required.")
    enhancements = models.JSONField(default=list, blank=True, help_text="Used when a request names none.")
    content_hash = models.CharField(max_length=64, editable=False)
    note = models.TextField(blank=True)
    active = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PromptTemplateVersionQuerySet.as_manager()

    class Meta:
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="template_version_unique_number"),
            models.UniqueConstraint(fields=["template"], condition=Q(active=True), name="template_version_one_active"),
            models.CheckConstraint(condition=Q(version__gte=1), name="template_version_positive"),
        ]
        indexes = [models.Index(fields=["template", "content_hash"], name="template_version_content")]

    def __str__(self) -> str:
        return f"{self.template.name}@{self.version}"

    @property
    def label(self) -> str:
        return f"{self.template.name}@{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self._refuse_content_change()
        super().save(*args, **kwargs)

    def _refuse_content_change(self) -> None:
        stored = type(self).objects.filter(pk=self.pk).values("template_id", "version", *CONTENT_FIELDS).first()
        if stored is None:
            return
        current = {
            "template_id": self.template_id,
            "version": self.version,
            **{f: getattr(self, f) for f in CONTENT_FIELDS},
        }
        changed = sorted(name for name, value in stored.items() if current[name] != value)
        if changed:
            raise ImmutableVersionError(
                f"Template versions are immutable (tried to change {', '.join(changed)}); create a new version instead."
            )
