"""Admin for prompt templates: list, history, diff, activate, and new versions.

Versions are read-only everywhere; "new version" (prefilled from any version) is the only
way to change content, and "activate" the only way to roll back. Visibility and editing
follow team roles (permissions.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from analytics.usage import template_usage
from proxy.models import Team
from templates_registry import admin_views, permissions, services
from templates_registry.forms import PromptTemplateAddForm
from templates_registry.models import PromptTemplate, PromptTemplateVersion


def admin_url(name: str, *args: Any) -> str:
    return reverse(f"admin:templates_registry_{name}", args=args)


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "active_version", "version_count", "archived", "usage", "updated_at"]
    list_filter = ["archived", ("team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description", "tags"]
    actions = ["archive_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PromptTemplate]:
        active = PromptTemplateVersion.objects.filter(template=OuterRef("pk"), active=True).values("version")[:1]
        return (
            permissions.visible_templates(request)
            .select_related("team")
            .annotate(active_number=Subquery(active), n_versions=Count("versions"))
        )

    # Permissions come from team roles, not Django's model permissions.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_view(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_add(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_add(request) if obj is None else permissions.can_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_superuser(request)  # others archive: history is kept

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = PromptTemplateAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["team", "name", "description", "tags", "definition", "note"]
        return ["team", "name", "description", "tags", "archived", "history", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        # Renaming or moving a template would silently break every client that names it.
        return ["team", "name", "history", "created_at", "updated_at"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "team" and not permissions.is_superuser(request):
            kwargs["queryset"] = Team.objects.filter(id__in=permissions.editable_team_ids(request))
            kwargs["required"] = True  # only superusers create global templates
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: PromptTemplate, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.add_version(
                obj, form.cleaned_data["definition"], note=form.cleaned_data["note"], user=request.user
            )

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        own = [
            path(
                "<path:object_id>/new-version/",
                wrap(self.new_version_view),
                name="templates_registry_prompttemplate_new_version",
            ),
            path("<path:object_id>/diff/", wrap(self.diff_view), name="templates_registry_prompttemplate_diff"),
            path(
                "<path:object_id>/activate/<int:number>/",
                wrap(self.activate_view),
                name="templates_registry_prompttemplate_activate",
            ),
        ]
        return own + super().get_urls()

    def new_version_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return admin_views.new_version(self, request, object_id)

    def diff_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return admin_views.diff(self, request, object_id)

    def activate_view(self, request: HttpRequest, object_id: str, number: int) -> HttpResponse:
        return admin_views.activate(self, request, object_id, number)

    @admin.display(description="scope", ordering="team__name")
    def scope(self, obj: PromptTemplate) -> str:
        return obj.team.name if obj.team else "global"

    @admin.display(description="active version", ordering="active_number")
    def active_version(self, obj: PromptTemplate) -> str:
        number = getattr(obj, "active_number", None)
        return f"v{number}" if number is not None else "—"

    @admin.display(description="versions", ordering="n_versions")
    def version_count(self, obj: PromptTemplate) -> int:
        return int(getattr(obj, "n_versions", 0))

    @admin.display(description="usage (active version)")
    def usage(self, obj: PromptTemplate) -> str:
        number = getattr(obj, "active_number", None)
        if number is None:
            return "—"
        usage = template_usage(obj.name, obj.team_id).get(f"{obj.name}@{number}")
        return str(usage) if usage else "no requests yet"

    @admin.display(description="version history")
    def history(self, obj: PromptTemplate) -> str:
        versions = list(obj.versions.select_related("created_by").order_by("-version"))
        numbers = [v.version for v in versions]
        usage_by_version = template_usage(obj.name, obj.team_id)
        rows = []
        for index, version in enumerate(versions):
            older = numbers[index + 1] if index + 1 < len(numbers) else None
            links = [format_html('<a href="{}">view</a>', admin_url("prompttemplateversion_change", version.pk))]
            if older is not None:
                links.append(
                    format_html(
                        '<a href="{}?a={}&amp;b={}">diff with v{}</a>',
                        admin_url("prompttemplate_diff", obj.pk),
                        older,
                        version.version,
                        older,
                    )
                )
            links.append(
                format_html(
                    '<a href="{}?from={}">new version from this</a>',
                    admin_url("prompttemplate_new_version", obj.pk),
                    version.version,
                )
            )
            if not version.active:
                links.append(
                    format_html(
                        '<a href="{}">activate</a>', admin_url("prompttemplate_activate", obj.pk, version.version)
                    )
                )
            rows.append(
                (
                    f"v{version.version}",
                    "active" if version.active else "",
                    version.created_at.strftime("%Y-%m-%d %H:%M"),
                    version.created_by.get_username() if version.created_by else "",
                    version.note,
                    str(usage_by_version.get(f"{obj.name}@{version.version}", "no requests")),
                    format_html_join(" · ", "{}", ((link,) for link in links)),
                )
            )
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
        )
        return format_html(
            "<table><thead><tr><th>version</th><th></th><th>created</th><th>by</th><th>note</th><th>usage</th><th></th></tr></thead>"
            "<tbody>{}</tbody></table>",
            body,
        )

    @admin.action(description="Archive selected templates (history is kept)")
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[PromptTemplate]) -> None:
        archived = 0
        for template in queryset:
            if permissions.can_edit(request, template):
                services.archive(template)
                archived += 1
        messages.success(request, f"Archived {archived} template(s).")


@admin.register(PromptTemplateVersion)
class PromptTemplateVersionAdmin(admin.ModelAdmin):
    """Read-only: a saved version never changes. Activate is the one action."""

    list_display = ["__str__", "template", "version", "active", "note", "created_by", "created_at"]
    list_filter = ["active", ("template", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["template__name", "note"]
    actions = ["activate_version"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PromptTemplateVersion]:
        return PromptTemplateVersion.objects.filter(template__in=permissions.visible_templates(request)).select_related(
            "template__team", "created_by"
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in PromptTemplateVersion._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_view(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new versions come from the template's "new version" page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Activate the selected version (rollback or roll forward)")
    def activate_version(self, request: HttpRequest, queryset: QuerySet[PromptTemplateVersion]) -> None:
        if queryset.count() != 1:
            messages.error(request, "Select exactly one version to activate.")
            return
        version = queryset.get()
        if not permissions.can_edit(request, version.template):
            messages.error(request, f"You may not change {version.template}.")
            return
        changed = services.activate(version)
        messages.success(request, f"{version.label} is {'now' if changed else 'already'} the active version.")
