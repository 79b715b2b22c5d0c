"""The admin's own pages for templates: new version (prefilled), diff, activate."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe

from templates_registry import permissions, services
from templates_registry.forms import NewVersionForm
from templates_registry.models import PromptTemplate, PromptTemplateVersion
from templates_registry.spec import content_of, dump_content

if TYPE_CHECKING:
    from templates_registry.admin import PromptTemplateAdmin


def _template(model_admin: PromptTemplateAdmin, request: HttpRequest, object_id: str, *, edit: bool) -> PromptTemplate:
    template = model_admin.get_queryset(request).filter(pk=object_id).first() if object_id.isdigit() else None
    if template is None:
        raise Http404("No such template")
    if edit and not permissions.can_edit(request, template):
        raise PermissionDenied
    return template


def _version(template: PromptTemplate, number: object) -> PromptTemplateVersion:
    version = template.versions.filter(version=int(str(number))).first() if str(number).isdigit() else None
    if version is None:
        raise Http404(f"{template.name} has no version {number}")
    return version


def _context(
    model_admin: PromptTemplateAdmin, request: HttpRequest, template: PromptTemplate, title: str
) -> dict[str, object]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": template,
        "title": title,
        "change_url": reverse("admin:templates_registry_prompttemplate_change", args=[template.pk]),
    }


def _definition_of(version: PromptTemplateVersion) -> str:
    return dump_content(
        content_of({f: getattr(version, f) for f in ("l0", "l1", "tools", "variables", "enhancements")})
    )


def new_version(model_admin: PromptTemplateAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    template = _template(model_admin, request, object_id, edit=True)
    source = _version(template, request.GET["from"]) if "from" in request.GET else template.active_version()
    if request.method == "POST":
        form = NewVersionForm(request.POST)
        if form.is_valid():
            result = services.add_version(
                template,
                form.cleaned_data["definition"],
                note=form.cleaned_data["note"],
                user=request.user,
                activate=form.cleaned_data["activate"],
            )
            if result.action is services.Action.UNCHANGED:
                messages.warning(request, f"Nothing new: the content equals {result.version.label}.")
            elif result.action is services.Action.ACTIVATED:
                messages.success(request, f"The content equals {result.version.label}, which is now active again.")
            else:
                state = "active" if result.version.active else "not active"
                messages.success(request, f"Created {result.version.label} ({state}).")
            return HttpResponseRedirect(reverse("admin:templates_registry_prompttemplate_change", args=[template.pk]))
    else:
        initial = {"definition": _definition_of(source) if source else "", "activate": True}
        form = NewVersionForm(initial=initial)
    context = _context(model_admin, request, template, f"New version of {template.name}")
    context.update({"form": form, "source": source})
    return TemplateResponse(request, "admin/templates_registry/new_version.html", context)


def diff(model_admin: PromptTemplateAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    template = _template(model_admin, request, object_id, edit=False)
    numbers = list(template.versions.order_by("-version").values_list("version", flat=True))
    if len(numbers) < 2 and not ("a" in request.GET and "b" in request.GET):
        messages.info(request, f"{template.name} has only one version.")
        return HttpResponseRedirect(reverse("admin:templates_registry_prompttemplate_change", args=[template.pk]))
    old = _version(template, request.GET.get("a", numbers[1] if len(numbers) > 1 else numbers[0]))
    new = _version(template, request.GET.get("b", numbers[0]))
    old_lines, new_lines = _definition_of(old).splitlines(), _definition_of(new).splitlines()
    # HtmlDiff escapes the text it is given, so its table is safe to mark as such.
    table = difflib.HtmlDiff(wrapcolumn=90).make_table(old_lines, new_lines, f"v{old.version}", f"v{new.version}")
    context = _context(model_admin, request, template, f"{template.name}: v{old.version} → v{new.version}")
    context.update(
        {"old": old, "new": new, "numbers": numbers, "table": mark_safe(table), "identical": old_lines == new_lines}
    )  # noqa: S308
    return TemplateResponse(request, "admin/templates_registry/diff.html", context)


def activate(model_admin: PromptTemplateAdmin, request: HttpRequest, object_id: str, number: int) -> HttpResponse:
    template = _template(model_admin, request, object_id, edit=True)
    version = _version(template, number)
    if request.method == "POST":
        changed = services.activate(version)
        messages.success(request, f"{version.label} is {'now' if changed else 'already'} the active version.")
        return HttpResponseRedirect(reverse("admin:templates_registry_prompttemplate_change", args=[template.pk]))
    context = _context(model_admin, request, template, f"Activate {version.label}?")
    context.update({"version": version, "current": template.active_version()})
    return TemplateResponse(request, "admin/templates_registry/activate.html", context)
