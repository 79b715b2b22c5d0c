"""createapikey, loadroutes and the route config file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from proxy.keys import matches
from proxy.models import ApiKey, ModelRoute
from proxy.route_config import RouteConfigError, load_file, parse_config

ROOT = Path(__file__).resolve().parents[2]


def test_createapikey_prints_the_key_alone_on_the_last_line(db: Any) -> None:
    out = io.StringIO()
    call_command("createapikey", "--team", "newteam", "--name", "laptop", stdout=out, stderr=io.StringIO())
    last = out.getvalue().strip().splitlines()[-1]
    key = ApiKey.objects.get(name="laptop")
    assert key.team.name == "newteam" and matches(last, key.key_hash) and last.startswith("lc_")


def test_the_shipped_example_config_loads(db: Any) -> None:
    report = load_file(ROOT / "docs" / "layercache.example.yaml")
    assert any("claude-sonnet-4-5" in line for line in report)
    claude = ModelRoute.objects.get(name="claude-sonnet-4-5")
    assert [link.fallback.name for link in claude.fallback_links.all()] == ["gpt-4o"]
    assert str(claude.price_cache_write) == "3.750000"


def test_loading_twice_updates_by_name(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text("routes:\n  - name: a\n    model: openai/gpt-4o\n    prices: {input: 1}\n")
    load_file(path)
    path.write_text("routes:\n  - name: a\n    model: openai/gpt-4o-mini\n    prices: {input: 2}\n")
    assert load_file(path) == ["updated route a"]
    route = ModelRoute.objects.get(name="a")
    assert route.model == "openai/gpt-4o-mini" and str(route.price_input) == "2.000000"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("routes: 5", "'routes' list"),
        ("routes:\n  - model: openai/x\n", "needs a 'name'"),
        ("routes:\n  - name: a\n", "'model'"),
        ("routes:\n  - name: a\n    model: openai/x\n    prices: {input: cheap}\n", "must be a number"),
        ("routes:\n  - name: a\n    model: openai/x\n    timeout: soon\n", "'timeout' must be float"),
        ("routes:\n  - name: a\n    model: openai/x\n    colour: red\n", "unknown field"),
        ("routes:\n  - name: a\n    model: openai/x\n  - name: a\n    model: openai/y\n", "duplicate"),
        ("routes: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_config_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(RouteConfigError, match=message):
        parse_config(text)


def test_an_unknown_fallback_changes_nothing(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text("routes:\n  - name: a\n    model: openai/x\n    fallbacks: [ghost]\n")
    with pytest.raises(CommandError, match="ghost"):
        call_command("loadroutes", str(path), stdout=io.StringIO())
    assert not ModelRoute.objects.filter(name="a").exists()
