"""Who may do what with templates in the admin, by team role.

Superusers: everything, and they alone edit global templates. Team owners and members edit
their team's templates; viewers only read them. Everyone with a membership reads global
templates. Django's per-model permissions are not consulted: roles say it all.
"""

from __future__ import annotations

from django.http import HttpRequest

from proxy.models import TeamMembership
from templates_registry.models import PromptTemplate, PromptTemplateQuerySet

EDITOR_ROLES = (TeamMembership.Role.OWNER, TeamMembership.Role.MEMBER)
_CACHE_ATTR = "_lc_template_roles"


def _roles(request: HttpRequest) -> dict[int, str]:
    """team_id -> role for the request's user, looked up once per request."""
    roles: dict[int, str] | None = getattr(request, _CACHE_ATTR, None)
    if roles is None:
        user_id = request.user.pk
        roles = (
            dict(TeamMembership.objects.filter(user_id=user_id).values_list("team_id", "role"))
            if user_id is not None
            else {}
        )
        setattr(request, _CACHE_ATTR, roles)
    return roles


def is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def editable_team_ids(request: HttpRequest) -> set[int]:
    return {team_id for team_id, role in _roles(request).items() if role in EDITOR_ROLES}


def visible_templates(request: HttpRequest) -> PromptTemplateQuerySet:
    if is_superuser(request):
        return PromptTemplate.objects.all()
    return PromptTemplate.objects.for_teams(_roles(request))


def can_view(request: HttpRequest) -> bool:
    return is_superuser(request) or bool(request.user.is_active and request.user.is_staff and _roles(request))


def can_add(request: HttpRequest) -> bool:
    return is_superuser(request) or bool(request.user.is_staff and editable_team_ids(request))


def can_edit(request: HttpRequest, template: PromptTemplate) -> bool:
    if is_superuser(request):
        return True
    return template.team_id is not None and template.team_id in editable_team_ids(request)
