"""Creating teams and keys: the one place admin, the API and commands go through."""

from __future__ import annotations

from django.db import transaction

from proxy.keys import generate_key
from proxy.models import ApiKey, Team


@transaction.atomic
def create_api_key(team: Team, name: str = "", **limits: object) -> tuple[ApiKey, str]:
    """Create a key and return it with its plaintext, which is never stored."""
    new = generate_key()
    key = ApiKey.objects.create(team=team, name=name, prefix=new.lookup, key_hash=new.key_hash, **limits)
    return key, new.plaintext


def get_or_create_team(name: str) -> Team:
    team, _ = Team.objects.get_or_create(name=name)
    return team
