"""/v1/cache endpoints and the admin act on the caller's team only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from proxy.models import Team, TeamMembership
from semantic_cache.models import CacheEntry
from tests.gateway_support import make_key


def _entry(team: Team, key: str, route: str = "gpt", version: str = "", hits: int = 0) -> CacheEntry:
    now = timezone.now()
    return CacheEntry.objects.create(
        team=team,
        scope="team",
        route_name=route,
        wire="openai",
        exact_key=key,
        context_fingerprint="fp",
        template_version=version,
        response={},
        created_at=now,
        expires_at=now + timedelta(minutes=5),
        hit_count=hits,
    )


@pytest.fixture
def world(transactional_db: Any) -> dict[str, Any]:
    # transactional_db: API-key auth drops stale connections (close_old_connections), which
    # would end the transaction a plain `db` test runs in.
    alice_key, alice = make_key("alpha")
    _, charlie = make_key("beta")
    alpha, beta = Team.objects.get(name="alpha"), Team.objects.get(name="beta")
    _entry(alpha, "a1", "gpt", "support@1", hits=3)
    _entry(alpha, "a2", "gpt", "support@2", hits=1)
    _entry(alpha, "a3", "claude")
    _entry(beta, "b1", "gpt", "support@1", hits=7)
    return {"alice": alice, "charlie": charlie, "alpha": alpha, "beta": beta}


def _post(client: Client, key: str, body: dict[str, Any]) -> Any:
    return client.post(
        "/v1/cache/invalidate", body, content_type="application/json", headers={"authorization": f"Bearer {key}"}
    )


def test_stats_count_only_the_keys_team(world: dict[str, Any]) -> None:
    response = Client().get("/v1/cache/stats", headers={"authorization": f"Bearer {world['alice']}"})
    assert response.status_code == 200
    data = response.json()
    assert (data["team"], data["entries"], data["live_entries"], data["hits"]) == ("alpha", 3, 3, 4)
    assert {row["route"]: row["entries"] for row in data["by_route"]} == {"claude": 1, "gpt": 2}


def test_invalidate_by_route_touches_only_the_keys_team(world: dict[str, Any]) -> None:
    assert _post(Client(), world["alice"], {"route": "gpt"}).json() == {"deleted": 2}
    assert set(CacheEntry.objects.values_list("exact_key", flat=True)) == {"a3", "b1"}


def test_invalidate_by_template_version(world: dict[str, Any]) -> None:
    assert _post(Client(), world["charlie"], {"template_version": "support@1"}).json() == {"deleted": 1}
    assert CacheEntry.objects.filter(team=world["alpha"], template_version="support@1").exists()


def test_invalidate_all_and_refuse_an_empty_request(world: dict[str, Any]) -> None:
    assert _post(Client(), world["alice"], {}).status_code == 400
    assert _post(Client(), world["alice"], {"all": True}).json() == {"deleted": 3}
    assert list(CacheEntry.objects.values_list("exact_key", flat=True)) == ["b1"]


def test_the_cache_api_needs_a_key(world: dict[str, Any]) -> None:
    assert Client().get("/v1/cache/stats").status_code == 401
    assert _post(Client(), "lc-not-a-key", {"all": True}).status_code == 401


def test_admin_shows_members_only_their_teams_entries_and_invalidates_by_route(world: dict[str, Any]) -> None:
    bob = User.objects.create_user("bob", password="pw-long-enough-1", is_staff=True)
    bob.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="semantic_cache", codename__in=["view_cacheentry", "delete_cacheentry"]
        )
    )
    TeamMembership.objects.create(team=world["alpha"], user=bob)
    client = Client()
    client.force_login(bob)
    listing = client.get(reverse("admin:semantic_cache_cacheentry_changelist"))
    assert listing.status_code == 200
    assert len(listing.context["cl"].result_list) == 3
    one = CacheEntry.objects.get(exact_key="a1")
    response = client.post(
        reverse("admin:semantic_cache_cacheentry_changelist"),
        {"action": "invalidate_same_route", "_selected_action": [one.id]},
    )
    assert response.status_code == 302
    assert set(CacheEntry.objects.values_list("exact_key", flat=True)) == {"a3", "b1"}
