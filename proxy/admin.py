"""Admin for teams, members, API keys and model routes.

Non-superusers see only teams they belong to (and those teams' keys); only owners may
change them. A new key's plaintext is shown once, in the success message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from proxy.keys import generate_key
from proxy.models import ApiKey, ModelRoute, RouteFallback, Team, TeamMembership


def _owned_team_ids(request: HttpRequest) -> list[int]:
    if not request.user.is_authenticated:
        return []
    memberships = TeamMembership.objects.filter(user_id=request.user.pk, role=TeamMembership.Role.OWNER)
    return list(memberships.values_list("team_id", flat=True))


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "cache_scope", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return Team.objects.visible_to(request.user)  # type: ignore[arg-type]

    def has_change_permission(self, request: HttpRequest, obj: Team | None = None) -> bool:
        if request.user.is_superuser or obj is None:
            return super().has_change_permission(request, obj)
        return obj.id in _owned_team_ids(request)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "team",
        "revoked",
        "expires_at",
        "last_used_at",
        "rpm_limit",
        "tpm_limit",
        "monthly_budget_usd",
    ]
    list_filter = ["revoked", "team"]
    search_fields = ["name", "prefix", "team__name"]
    readonly_fields = ["prefix", "revoked_at", "last_used_at", "created_at"]
    filter_horizontal = ["scopes"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        qs = super().get_queryset(request).select_related("team")
        if request.user.is_superuser:
            return qs
        return qs.filter(team__in=Team.objects.visible_to(request.user))  # type: ignore[arg-type]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "team" and not request.user.is_superuser:
            kwargs["queryset"] = Team.objects.filter(id__in=_owned_team_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if not change:
            new = generate_key()
            obj.prefix, obj.key_hash = new.lookup, new.key_hash
            super().save_model(request, obj, form, change)
            messages.warning(request, f"New API key (shown only now, copy it): {new.plaintext}")
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = 0
        for key in queryset.filter(revoked=False):
            key.revoked, key.revoked_at = True, timezone.now()
            key.save(update_fields=["revoked", "revoked_at"])
            count += 1
        messages.success(request, f"Revoked {count} key(s).")


class FallbackInline(admin.TabularInline):
    model = RouteFallback
    fk_name = "route"
    extra = 0


@admin.register(ModelRoute)
class ModelRouteAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "model",
        "api_base",
        "enabled",
        "price_input",
        "price_cached_input",
        "price_output",
        "timeout_seconds",
    ]
    list_filter = ["enabled"]
    search_fields = ["name", "model"]
    inlines = [FallbackInline]
