"""Admin: history, diff, activate, new version from an old one, and role-based access.

alice owns team alpha, bob is a viewer in alpha, charlie a member of gamma, root a superuser.
Every client enforces CSRF, as a browser session would.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from proxy.models import Team
from templates_registry.models import PromptTemplate, PromptTemplateVersion
from tests.templates_registry.conftest import save

pytestmark = pytest.mark.django_db

DEFINITION = """L0:
- role: system
  content: |
    You support {{product}}.
L1:
- role: system
  content: 'Policy: be kinder.'
variables:
  product: null
"""


def logged_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client: Client, page: str, data: dict[str, Any]) -> Any:
    form = client.get(page)
    assert form.status_code == 200, form.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
    assert token is not None
    return client.post(page, {**data, "csrfmiddlewaretoken": token.group(1)})


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:templates_registry_{name}", args=args)


@pytest.fixture
def two_versions(alpha: Team) -> PromptTemplate:
    save(alpha)
    return save(alpha, L1=[{"role": "system", "content": "Policy: be brief."}]).template


def test_the_list_shows_the_active_version_and_its_usage(alice: User, two_versions: PromptTemplate) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from analytics.models import RequestRecord

    page = logged_in(alice).get(url("prompttemplate_changelist")).content.decode()
    assert "support" in page and "v2" in page and "no requests yet" in page
    assert two_versions.team is not None
    for cache_status, cached in (("MISS", 600), ("HIT", 0)):
        RequestRecord.objects.create(
            request_id=cache_status,
            team=two_versions.team,
            route_name="r",
            endpoint="chat.completions",
            status=200,
            input_tokens=1000 if cached else 0,
            cached_read_tokens=cached,
            cache_status=cache_status,
            cost_usd=Decimal("0.5"),
            created_at=timezone.now(),
            template_version=f"{two_versions.name}@2",
        )
    page = logged_in(alice).get(url("prompttemplate_changelist")).content.decode()
    assert "2 requests, 60% provider-cached, 1 cache hits, $1.0000" in page
    history = logged_in(alice).get(url("prompttemplate_change", two_versions.pk)).content.decode()
    assert "2 requests" in history and "no requests" in history  # v2 used, v1 not


def test_the_change_page_shows_the_history_with_links(alice: User, two_versions: PromptTemplate) -> None:
    page = logged_in(alice).get(url("prompttemplate_change", two_versions.pk)).content.decode()
    assert "diff with v1" in page and "new version from this" in page
    assert url("prompttemplate_activate", two_versions.pk, 1) in page


def test_activate_needs_a_post_with_csrf_and_rolls_back(alice: User, two_versions: PromptTemplate) -> None:
    client = logged_in(alice)
    page = url("prompttemplate_activate", two_versions.pk, 1)
    assert client.post(page).status_code == 403  # no CSRF token
    assert two_versions.active_version().version == 2  # type: ignore[union-attr]
    response = csrf_post(client, page, {})
    assert response.status_code == 302
    assert two_versions.active_version().version == 1  # type: ignore[union-attr]


def test_the_version_list_activate_action_activates_exactly_one(alice: User, two_versions: PromptTemplate) -> None:
    v1 = two_versions.versions.get(version=1)
    response = csrf_post(
        logged_in(alice),
        url("prompttemplateversion_changelist"),
        {"action": "activate_version", "_selected_action": [v1.pk]},
    )
    assert response.status_code == 302
    assert two_versions.active_version() == v1


def test_new_version_is_prefilled_from_the_chosen_version_and_creates_the_next(
    alice: User, two_versions: PromptTemplate
) -> None:
    client = logged_in(alice)
    page = url("prompttemplate_new_version", two_versions.pk) + "?from=1"
    form = client.get(page).content.decode()
    assert "Policy: be kind." in form and "Policy: be brief." not in form
    response = csrf_post(
        client, page, {"definition": DEFINITION.replace("\n", "\r\n"), "note": "kinder", "activate": "on"}
    )
    assert response.status_code == 302
    newest = two_versions.versions.order_by("-version").first()
    assert (newest.version, newest.active, newest.note, newest.created_by) == (3, True, "kinder", alice)  # type: ignore[union-attr]
    assert newest.l1 == [{"role": "system", "content": "Policy: be kinder."}]  # type: ignore[union-attr]


def test_new_version_with_unchanged_content_creates_nothing(alice: User, two_versions: PromptTemplate) -> None:
    client = logged_in(alice)
    page = url("prompttemplate_new_version", two_versions.pk)
    prefilled = re.search(
        r"<textarea[^>]*name=\"definition\"[^>]*>\n?(.*?)</textarea>", client.get(page).content.decode(), re.S
    )
    assert prefilled is not None
    csrf_post(client, page, {"definition": html.unescape(prefilled.group(1)), "activate": "on"})
    assert two_versions.versions.count() == 2


def test_new_version_refuses_an_invalid_definition(alice: User, two_versions: PromptTemplate) -> None:
    response = csrf_post(
        logged_in(alice), url("prompttemplate_new_version", two_versions.pk), {"definition": "L0: 'Hi {{who}}'"}
    )
    assert response.status_code == 200 and "does not declare" in response.content.decode()
    assert two_versions.versions.count() == 2


def test_the_diff_view_shows_what_changed_between_two_versions(alice: User, two_versions: PromptTemplate) -> None:
    page = logged_in(alice).get(url("prompttemplate_diff", two_versions.pk) + "?a=1&b=2").content.decode()
    assert 'class="diff"' in page and "Policy:&nbsp;be&nbsp;" in page
    assert '<span class="diff_chg">' in page  # the changed words are marked


def test_the_diff_view_escapes_template_text(alice: User, alpha: Team) -> None:
    save(alpha, "xss", L0="<script>alert(1)</script>", variables={})
    template = save(alpha, "xss", L0="<b>bold</b>", variables={}).template
    page = logged_in(alice).get(url("prompttemplate_diff", template.pk)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_adding_a_template_in_admin_creates_version_1(alice: User, alpha: Team) -> None:
    response = csrf_post(
        logged_in(alice),
        url("prompttemplate_add"),
        {"team": alpha.pk, "name": "fresh", "description": "", "tags": "", "definition": DEFINITION, "note": "first"},
    )
    assert response.status_code == 302
    version = PromptTemplateVersion.objects.get(template__name="fresh")
    assert (version.version, version.active, version.created_by) == (1, True, alice)


def test_versions_are_read_only_in_admin(alice: User, two_versions: PromptTemplate) -> None:
    client = logged_in(alice)
    v1 = two_versions.versions.get(version=1)
    page = client.get(url("prompttemplateversion_change", v1.pk)).content.decode()
    assert 'name="l0"' not in page and "Policy: be kind." in page
    assert client.get(url("prompttemplateversion_add")).status_code == 403


def test_a_viewer_sees_the_teams_templates_but_cannot_change_them(bob: User, two_versions: PromptTemplate) -> None:
    client = logged_in(bob)
    assert "support" in client.get(url("prompttemplate_changelist")).content.decode()
    assert client.get(url("prompttemplate_diff", two_versions.pk)).status_code == 200
    assert client.get(url("prompttemplate_new_version", two_versions.pk)).status_code == 403
    assert client.get(url("prompttemplate_activate", two_versions.pk, 1)).status_code == 403
    assert client.get(url("prompttemplate_add")).status_code == 403


def test_another_team_sees_neither_the_template_nor_its_pages(charlie: User, two_versions: PromptTemplate) -> None:
    client = logged_in(charlie)
    assert "support" not in client.get(url("prompttemplate_changelist")).content.decode()
    for page in (url("prompttemplate_diff", two_versions.pk), url("prompttemplate_new_version", two_versions.pk)):
        assert client.get(page).status_code == 404
    assert (
        client.get(url("prompttemplate_change", two_versions.pk)).status_code == 302
    )  # admin: "does not exist" redirect


def test_only_superusers_edit_global_templates(alice: User, root: User) -> None:
    template = save(None, "house-style").template
    assert logged_in(alice).get(url("prompttemplate_new_version", template.pk)).status_code == 403
    assert "house-style" in logged_in(alice).get(url("prompttemplate_changelist")).content.decode()
    assert logged_in(root).get(url("prompttemplate_new_version", template.pk)).status_code == 200


def test_a_member_cannot_create_a_global_template(alice: User) -> None:
    response = csrf_post(
        logged_in(alice),
        url("prompttemplate_add"),
        {"team": "", "name": "sneaky", "description": "", "tags": "", "definition": DEFINITION},
    )
    assert response.status_code == 200 and not PromptTemplate.objects.filter(name="sneaky").exists()
