"""/v1/prompts: team scope by API key, versions, activate, archive, reload, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from proxy.models import Team
from templates_registry.models import PromptTemplateVersion
from tests.gateway_support import make_key
from tests.templates_registry.conftest import save, spec_dict

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, team: str) -> None:
        self.client = Client()
        self.key = make_key(team)[1]

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/v1/prompts{path}", headers=self._headers())

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/v1/prompts{path}", body or {}, content_type="application/json", headers=self._headers()
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/v1/prompts{path}", headers=self._headers())


@pytest.fixture
def alice_api() -> Api:
    return Api("alpha")


@pytest.fixture
def charlie_api() -> Api:
    return Api("gamma")


def test_it_creates_a_template_then_versions_it_and_is_idempotent(alice_api: Api) -> None:
    created = alice_api.post("/templates", spec_dict())
    assert (created.status_code, created.json()["action"], created.json()["version"]) == (201, "created", 1)
    same = alice_api.post("/templates", spec_dict())
    assert (same.status_code, same.json()["action"], same.json()["version"]) == (200, "unchanged", 1)
    changed = alice_api.post("/templates", spec_dict(L1=[{"role": "system", "content": "new policy"}]))
    assert (changed.status_code, changed.json()["action"], changed.json()["version"]) == (201, "new_version", 2)


def test_it_shows_a_template_with_its_versions(alice_api: Api) -> None:
    alice_api.post("/templates", spec_dict())
    alice_api.post("/templates", {**spec_dict(L1="v2"), "note": "shorter"})
    detail = alice_api.get("/templates/support").json()
    assert (detail["scope"], detail["active_version"]) == ("team", 2)
    assert [(v["version"], v["active"], v["note"]) for v in detail["versions"]] == [
        (2, True, "shorter"),
        (1, False, ""),
    ]
    assert detail["versions"][1]["L0"] == [{"role": "system", "content": "You support {{product}}."}]


def test_it_lists_the_teams_and_global_templates_only(alice_api: Api, charlie_api: Api) -> None:
    alice_api.post("/templates", spec_dict("alpha-bot"))
    charlie_api.post("/templates", spec_dict("gamma-bot"))
    save(None, "house-style")
    listed = alice_api.get("/templates").json()["templates"]
    assert [(t["name"], t["scope"], t["active_version"]) for t in listed] == [
        ("alpha-bot", "team", 1),
        ("house-style", "global", 1),
    ]


def test_another_teams_template_is_a_404_for_every_operation(alice_api: Api, charlie_api: Api) -> None:
    alice_api.post("/templates", spec_dict())
    for response in (
        charlie_api.get("/templates/support"),
        charlie_api.post("/templates/support/activate", {"version": 1}),
        charlie_api.delete("/templates/support"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "template_not_found"
    assert Team.objects.get(name="alpha").prompt_templates.get().archived is False


def test_posting_the_same_name_from_another_team_creates_its_own_template(alice_api: Api, charlie_api: Api) -> None:
    alice_api.post("/templates", spec_dict())
    assert charlie_api.post("/templates", spec_dict(L0="Charlie's own", variables={})).json()["action"] == "created"
    assert alice_api.get("/templates/support").json()["versions"][0]["L0"][0]["content"] == "You support {{product}}."


def test_global_templates_are_visible_but_read_only(alice_api: Api) -> None:
    save(None, "house-style")
    assert alice_api.get("/templates/house-style").json()["scope"] == "global"
    for response in (
        alice_api.post("/templates/house-style/activate", {"version": 1}),
        alice_api.delete("/templates/house-style"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "template_read_only"


def test_activate_rolls_back_and_reports_an_unknown_version(alice_api: Api) -> None:
    alice_api.post("/templates", spec_dict())
    alice_api.post("/templates", spec_dict(L1="v2"))
    rolled = alice_api.post("/templates/support/activate", {"version": 1})
    assert (rolled.status_code, rolled.json()["action"]) == (200, "activated")
    assert alice_api.get("/templates/support").json()["active_version"] == 1
    missing = alice_api.post("/templates/support/activate", {"version": 9})
    assert missing.status_code == 404 and "no version 9" in missing.json()["error"]["message"]


def test_delete_archives_and_keeps_the_history(alice_api: Api) -> None:
    alice_api.post("/templates", spec_dict())
    assert alice_api.delete("/templates/support").json() == {"name": "support", "archived": True}
    assert alice_api.get("/templates").json()["templates"] == []
    assert alice_api.get("/templates/support").json()["archived"] is True
    assert PromptTemplateVersion.objects.count() == 1
    # Posting it again brings it back without a new version.
    assert alice_api.post("/templates", spec_dict()).json()["action"] == "updated"


@pytest.mark.parametrize(
    "body, message",
    [
        ({**spec_dict(), "L0": [{"role": "user", "content": "x"}]}, "role must be 'system'"),
        (spec_dict(L0="Hi {{who}}"), "does not declare 'who'"),
        (spec_dict(name="a/b"), "name 'a/b'"),
        ({**spec_dict(), "colour": "red"}, "colour"),
        ({"description": "no name"}, "name"),
    ],
)
def test_bad_input_is_a_400_in_openai_format(alice_api: Api, body: dict[str, Any], message: str) -> None:
    response = alice_api.post("/templates", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and message in error["message"]


def test_it_needs_an_api_key(db: None) -> None:
    response = Client().get("/v1/prompts/templates")
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"


def test_reload_imports_the_directory_once_and_then_creates_nothing(
    alice_api: Api, settings: Any, tmp_path: Path
) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"templates": [spec_dict("one"), spec_dict("two")]}))
    settings.LAYERCACHE_TEMPLATES_DIR = tmp_path
    first = alice_api.post("/reload").json()
    assert [(r["name"], r["action"], r["version"]) for r in first["results"]] == [
        ("one", "created", 1),
        ("two", "created", 1),
    ]
    assert first["directory"] == tmp_path.name
    second = alice_api.post("/reload").json()
    assert [r["action"] for r in second["results"]] == ["unchanged", "unchanged"]
    assert PromptTemplateVersion.objects.count() == 2
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"templates": [spec_dict("one", L1="edited"), spec_dict("two")]}))
    third = alice_api.post("/reload").json()
    assert [(r["name"], r["action"], r["version"]) for r in third["results"]] == [
        ("one", "new_version", 2),
        ("two", "unchanged", 1),
    ]


def test_reload_of_an_invalid_directory_changes_nothing(alice_api: Api, settings: Any, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(spec_dict("good")))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(spec_dict("bad", enhancements=["telepathy"])))
    settings.LAYERCACHE_TEMPLATES_DIR = tmp_path
    response = alice_api.post("/reload")
    assert response.status_code == 400 and "b.yaml" in response.json()["error"]["message"]
    assert PromptTemplateVersion.objects.count() == 0


def test_reload_defaults_to_the_shipped_examples(alice_api: Api) -> None:
    names = {r["name"] for r in alice_api.post("/reload").json()["results"]}
    assert {"support-agent", "code-reviewer", "sql-helper"} <= names
