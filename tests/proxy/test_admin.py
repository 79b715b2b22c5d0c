"""Admin: behind login with CSRF; a new key is shown once; keys can be revoked; team scoping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from proxy.keys import matches
from proxy.models import ApiKey, Team, TeamMembership
from tests.gateway_support import make_key


@pytest.fixture
def admin_client(db: Any) -> Client:
    User.objects.create_superuser("root", "root@example.com", "a-long-password-1")
    client = Client(enforce_csrf_checks=True)
    client.login(username="root", password="a-long-password-1")
    return client


def _csrf(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found
    return found.group(1)


def test_admin_and_dashboard_need_a_login(client: Client, db: Any) -> None:
    assert client.get("/admin/proxy/apikey/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_creating_a_key_in_admin_shows_it_once_and_stores_only_a_hash(admin_client: Client) -> None:
    team = Team.objects.create(name="alpha")
    url = "/admin/proxy/apikey/add/"
    response = admin_client.post(
        url, {"team": team.id, "name": "ci", "csrfmiddlewaretoken": _csrf(admin_client, url)}, follow=True
    )
    shown = re.search(r"(lc_[a-z0-9]{8}_[A-Za-z0-9_-]+)", response.content.decode())
    assert shown, "the new key must be displayed"
    key = ApiKey.objects.get(name="ci")
    assert shown.group(1) not in key.key_hash and matches(shown.group(1), key.key_hash)
    assert shown.group(1) not in admin_client.get(f"/admin/proxy/apikey/{key.id}/change/").content.decode()


def test_a_post_without_csrf_token_is_refused(admin_client: Client) -> None:
    team = Team.objects.create(name="alpha")
    assert admin_client.post("/admin/proxy/apikey/add/", {"team": team.id, "name": "x"}).status_code == 403


def test_the_revoke_action_revokes(admin_client: Client) -> None:
    key, _ = make_key()
    url = "/admin/proxy/apikey/"
    admin_client.post(
        url, {"action": "revoke", "_selected_action": [key.id], "csrfmiddlewaretoken": _csrf(admin_client, url)}
    )
    key.refresh_from_db()
    assert key.revoked and key.revoked_at is not None


def test_staff_see_only_their_teams_keys(db: Any) -> None:
    alice = User.objects.create_user("alice", password="a-long-password-1", is_staff=True)
    for codename in ("view_apikey", "change_apikey", "view_team"):
        from django.contrib.auth.models import Permission

        alice.user_permissions.add(Permission.objects.get(codename=codename))
    own, _ = make_key("alpha")
    other, _ = make_key("charlie-team")
    TeamMembership.objects.create(team=own.team, user=alice, role=TeamMembership.Role.OWNER)
    client = Client()
    client.login(username="alice", password="a-long-password-1")
    listing = client.get("/admin/proxy/apikey/").content.decode()
    assert own.prefix in listing and other.prefix not in listing
    assert client.get(f"/admin/proxy/apikey/{other.id}/change/").status_code in (302, 404)
