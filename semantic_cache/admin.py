"""Admin for cache entries (browse, invalidate) and few-shot examples.

Non-superusers see only the entries of teams they belong to. Invalidation is deletion:
an entry that is gone can only be re-created by a new upstream answer.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from semantic_cache.models import CacheEntry, FewShotExample

logger = logging.getLogger(__name__)


@admin.register(CacheEntry)
class CacheEntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "team",
        "route_name",
        "wire",
        "scope",
        "short_query",
        "hit_count",
        "age",
        "expires_at",
        "last_hit_at",
        "template_version",
    ]
    list_filter = ["team", "route_name", "wire", "scope", "template_version", "created_at"]
    search_fields = ["query_text", "exact_key", "route_name"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    exclude = ["embedding"]  # 384 floats say nothing to a reader
    actions = [
        "invalidate_selected",
        "invalidate_same_team",
        "invalidate_same_route",
        "invalidate_same_template_version",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CacheEntry]:
        return CacheEntry.objects.visible_to(request.user).select_related("team")  # type: ignore[arg-type]

    def get_readonly_fields(self, request: HttpRequest, obj: CacheEntry | None = None) -> list[str]:
        return [f.name for f in CacheEntry._meta.fields if f.name != "embedding"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # entries come from upstream answers only

    def has_change_permission(self, request: HttpRequest, obj: CacheEntry | None = None) -> bool:
        return False

    # Django's own delete view and "delete selected" action go through invalidate() too, so
    # gateway processes drop their in-memory copies of the deleted answers.
    def delete_model(self, request: HttpRequest, obj: CacheEntry) -> None:
        CacheEntry.objects.filter(pk=obj.pk).invalidate()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CacheEntry]) -> None:
        queryset.invalidate()  # type: ignore[attr-defined]

    @admin.display(description="query")
    def short_query(self, obj: CacheEntry) -> str:
        return obj.query_text[:80] or "(exact only)"

    @admin.display(description="age", ordering="created_at")
    def age(self, obj: CacheEntry) -> str:
        seconds = int((timezone.now() - obj.created_at).total_seconds())
        return f"{seconds // 3600}h {seconds % 3600 // 60}m" if seconds >= 3600 else f"{seconds // 60}m {seconds % 60}s"

    def _invalidate(self, request: HttpRequest, queryset: QuerySet[CacheEntry], what: str) -> None:
        deleted = queryset.invalidate()  # type: ignore[attr-defined]
        messages.success(request, f"Invalidated {deleted} entr{'y' if deleted == 1 else 'ies'} ({what}).")

    @admin.action(description="Invalidate selected entries")
    def invalidate_selected(self, request: HttpRequest, queryset: QuerySet[CacheEntry]) -> None:
        self._invalidate(request, queryset, "selected")

    @admin.action(description="Invalidate every entry of the selected entries' teams")
    def invalidate_same_team(self, request: HttpRequest, queryset: QuerySet[CacheEntry]) -> None:
        teams = set(queryset.values_list("team_id", flat=True))
        self._invalidate(request, self.get_queryset(request).filter(team_id__in=teams), "same teams")

    @admin.action(description="Invalidate every entry of the selected entries' routes (in those teams)")
    def invalidate_same_route(self, request: HttpRequest, queryset: QuerySet[CacheEntry]) -> None:
        pairs = set(queryset.values_list("team_id", "route_name"))
        visible = self.get_queryset(request)
        for team_id, route_name in pairs:
            self._invalidate(request, visible.filter(team_id=team_id, route_name=route_name), f"route {route_name}")

    @admin.action(description="Invalidate every entry of the selected entries' template versions (in those teams)")
    def invalidate_same_template_version(self, request: HttpRequest, queryset: QuerySet[CacheEntry]) -> None:
        pairs = set(queryset.values_list("team_id", "template_version"))
        visible = self.get_queryset(request)
        for team_id, version in pairs:
            self._invalidate(
                request, visible.filter(team_id=team_id, template_version=version), f"template {version or '(none)'}"
            )


def _queue_embedding() -> None:
    from semantic_cache.tasks import embed_few_shot_examples

    try:
        embed_few_shot_examples.delay()
    except Exception:  # broker down: the periodic task embeds them later
        logger.warning("could not queue few-shot embedding; the periodic task will do it", exc_info=True)


@admin.register(FewShotExample)
class FewShotExampleAdmin(admin.ModelAdmin):
    list_display = ["id", "collection", "short_input", "enabled", "embedded", "updated_at"]
    list_filter = ["collection", "enabled", "embedding_model"]
    search_fields = ["input", "output"]

    @admin.display(description="input")
    def short_input(self, obj: FewShotExample) -> str:
        return obj.input[:80]

    @admin.display(boolean=True)
    def embedded(self, obj: FewShotExample) -> bool:
        return obj.embedding is not None

    def save_model(self, request: HttpRequest, obj: FewShotExample, form: Any, change: bool) -> None:
        if "input" in form.changed_data:
            obj.embedding, obj.embedding_model = None, ""  # the old vector describes the old text
        super().save_model(request, obj, form, change)
        transaction.on_commit(_queue_embedding)
