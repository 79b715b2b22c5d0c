"""The template file format: shapes, strict placeholders, canonical content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from templates_registry.files import load_directory, load_file
from templates_registry.spec import SpecError, dump_content, load_definition, parse_spec
from tests.templates_registry.conftest import spec_dict


def test_a_file_may_hold_one_template_a_list_or_a_templates_object(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(spec_dict("one")))
    (tmp_path / "list.json").write_text(json.dumps([spec_dict("two"), spec_dict("three")]))
    (tmp_path / "wrapped.yml").write_text(yaml.safe_dump({"templates": [spec_dict("four")]}))
    (tmp_path / "notes.txt").write_text("not a template")
    assert sorted(item.spec.name for item in load_directory(tmp_path)) == ["four", "one", "three", "two"]


def test_the_shipped_examples_are_valid() -> None:
    names = {item.spec.name for item in load_directory(Path(__file__).parents[2] / "templates_registry" / "examples")}
    assert {"support-agent", "code-reviewer", "sql-helper"} <= names


def test_it_accepts_the_original_version_field_and_ignores_it() -> None:
    assert parse_spec(spec_dict(version="1.10")).content == parse_spec(spec_dict()).content


def test_it_refuses_unknown_keys_so_typos_do_not_pass_silently() -> None:
    with pytest.raises(SpecError, match="unknown key"):
        parse_spec(spec_dict(variabels={}))


def test_it_refuses_a_placeholder_that_is_not_declared() -> None:
    with pytest.raises(SpecError, match="does not declare 'customer'"):
        parse_spec(spec_dict(L1=[{"role": "system", "content": "Hi {{customer}}"}]))


def test_it_refuses_a_spaced_placeholder_instead_of_sending_it_literally() -> None:
    with pytest.raises(SpecError, match="no spaces"):
        parse_spec(spec_dict(L0=[{"role": "system", "content": "You support {{ product }}."}]))


def test_other_double_braces_are_plain_text() -> None:
    spec = parse_spec(spec_dict(L1=[{"role": "system", "content": 'Reply as {{"ok": true}} or {{#each}}.'}]))
    assert spec.content.l1[0]["content"] == 'Reply as {{"ok": true}} or {{#each}}.'


def test_only_system_roles_belong_in_a_template() -> None:
    with pytest.raises(SpecError, match="role must be 'system'"):
        parse_spec(spec_dict(L1=[{"role": "user", "content": "hi"}]))


def test_it_refuses_unknown_enhancements_and_malformed_tools() -> None:
    with pytest.raises(SpecError, match="unknown enhancement"):
        parse_spec(spec_dict(enhancements=["telepathy"]))
    with pytest.raises(SpecError, match="tools\\[0\\]"):
        parse_spec(spec_dict(tools=[{"name": "anthropic_shaped", "input_schema": {}}]))


def test_key_order_and_line_endings_do_not_change_the_content_hash() -> None:
    tool = {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "properties": {"b": {}, "a": {}}}},
    }
    reordered = {
        "function": {"parameters": {"properties": {"a": {}, "b": {}}, "type": "object"}, "name": "f"},
        "type": "function",
    }
    first = parse_spec(spec_dict(tools=[tool], L1=[{"role": "system", "content": "line one\nline two"}]))
    second = parse_spec(spec_dict(tools=[reordered], L1=[{"content": "line one\r\nline two", "role": "system"}]))
    assert first.content.content_hash == second.content.content_hash


def test_the_yaml_definition_round_trips_exactly() -> None:
    content = parse_spec(
        spec_dict(
            L0=[{"role": "system", "content": "Multi\n  indented\nlines for {{product}}\n"}],
            enhancements=["self_critique"],
        )
    ).content
    text = dump_content(content)
    assert "|" in text  # multi-line prompts are literal blocks
    assert load_definition(text) == content


def test_a_broken_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nL0: [unclosed")
    with pytest.raises(SpecError, match="bad.yaml"):
        load_file(path)
