"""What a fresh install needs before anyone can use it: an admin, a team and an API key.

`serve` calls `ensure_first_run()` after migrating. It does something only while no
superuser exists, so the generated secrets are made and shown exactly once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from proxy.models import TeamMembership
from proxy.services import create_api_key, get_or_create_team

ADMIN_USERNAME = "admin"
FIRST_TEAM = "default"


@dataclass(frozen=True)
class FirstRunSecrets:
    username: str
    password: str
    team: str
    api_key: str


@transaction.atomic
def ensure_first_run() -> FirstRunSecrets | None:
    """Create the admin, the first team and its first key; None when already installed."""
    users = get_user_model()
    if users.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(18)
    admin = users.objects.create_superuser(username=ADMIN_USERNAME, email="", password=password)
    team = get_or_create_team(FIRST_TEAM)
    TeamMembership.objects.get_or_create(team=team, user=admin, defaults={"role": TeamMembership.Role.OWNER})
    _, api_key = create_api_key(team, "first key (created by serve)")
    return FirstRunSecrets(username=ADMIN_USERNAME, password=password, team=team.name, api_key=api_key)
