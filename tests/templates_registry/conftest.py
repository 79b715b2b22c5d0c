"""Personas and template factories: alice and bob share team "alpha", charlie is in "gamma"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from proxy.models import Team, TeamMembership
from templates_registry import lookup, services
from templates_registry.models import PromptTemplate
from templates_registry.spec import parse_spec


@pytest.fixture(autouse=True)
def _fresh_template_lookups() -> Iterator[None]:
    lookup.invalidate()
    yield
    lookup.invalidate()


def spec_dict(name: str = "support", **overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "name": name,
        "description": "Support bot",
        "L0": [{"role": "system", "content": "You support {{product}}."}],
        "L1": [{"role": "system", "content": "Policy: be kind."}],
        "variables": {"product": None},
    }
    raw.update(overrides)
    return raw


def save(team: Team | None, name: str = "support", **overrides: Any) -> services.SaveResult:
    return services.save_spec(team.pk if team else None, parse_spec(spec_dict(name, **overrides)))


@pytest.fixture
def alpha(db: Any) -> Team:
    return Team.objects.create(name="alpha")


@pytest.fixture
def gamma(db: Any) -> Team:
    return Team.objects.create(name="gamma")


def _staff(username: str, team: Team, role: str) -> User:
    user = User.objects.create_user(username, password="pw-" + username, is_staff=True)
    TeamMembership.objects.create(team=team, user=user, role=role)
    return user


@pytest.fixture
def alice(alpha: Team) -> User:
    return _staff("alice", alpha, TeamMembership.Role.OWNER)


@pytest.fixture
def bob(alpha: Team) -> User:
    return _staff("bob", alpha, TeamMembership.Role.VIEWER)


@pytest.fixture
def charlie(gamma: Team) -> User:
    return _staff("charlie", gamma, TeamMembership.Role.MEMBER)


@pytest.fixture
def root(db: Any) -> User:
    return User.objects.create_superuser("root", password="pw-root")


def template_named(name: str, team: Team | None) -> PromptTemplate:
    return PromptTemplate.objects.get(name=name, team=team)
