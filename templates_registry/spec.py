"""The template file format: validation into a canonical `TemplateSpec`, and back to YAML.

Files, the API, the admin and the management command all go through `parse_spec` /
`parse_content`, so every source is held to the same rules and produces the same canonical
content: newlines normalised, tool schemas with sorted keys, enhancements de-duplicated.
Equal content therefore has an equal `content_hash`, which is what makes importing the same
file twice a no-op, whatever its key order or line endings.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from proxy.pipeline.names import ENHANCEMENT_NAMES
from templates_registry.models import NAME_PATTERN

IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
# The only substitution syntax: exactly `{{name}}`, no spaces, no filters, no logic.
PLACEHOLDER = re.compile(r"\{\{(" + IDENTIFIER + r")\}\}")
# `{{ name }}` is almost certainly meant as a placeholder; refuse it rather than send it literally.
_SPACED_PLACEHOLDER = re.compile(r"\{\{\s+(" + IDENTIFIER + r")\s*\}\}|\{\{(" + IDENTIFIER + r")\s+\}\}")
_NAME = re.compile(NAME_PATTERN)
_IDENTIFIER = re.compile(r"^" + IDENTIFIER + r"$")
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

CONTENT_KEYS = ("L0", "L1", "tools", "variables", "enhancements")
SPEC_KEYS = frozenset({"name", "version", "description", "tags", "note", *CONTENT_KEYS})

Scalar = str | int | float | bool


class SpecError(ValueError):
    """A template definition that breaks the file format; the message says where."""


@dataclass(frozen=True)
class Content:
    """A version's content in canonical form (the fields of PromptTemplateVersion)."""

    l0: tuple[Mapping[str, str], ...] = ()
    l1: tuple[Mapping[str, str], ...] = ()
    tools: tuple[Mapping[str, Any], ...] = ()
    variables: Mapping[str, Scalar | None] = field(default_factory=dict)
    enhancements: tuple[str, ...] = ()

    def as_fields(self) -> dict[str, Any]:
        """Plain JSON values for the model's fields."""
        return {
            "l0": [dict(m) for m in self.l0],
            "l1": [dict(m) for m in self.l1],
            "tools": [_canonical_json(t) for t in self.tools],
            "variables": {k: self.variables[k] for k in sorted(self.variables)},
            "enhancements": list(self.enhancements),
        }

    @property
    def content_hash(self) -> str:
        blob = json.dumps(self.as_fields(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    content: Content
    # None: not given, so an existing template's value is left alone.
    description: str | None = None
    tags: tuple[str, ...] | None = None
    note: str = ""


def _canonical_json(value: Any) -> Any:
    """The value with every object's keys sorted, so key order never changes bytes sent."""
    result: Any = json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False))
    return result


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{where} must be a string")
    # Admin textareas post CRLF; a line-ending change must not look like new content.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _messages(value: Any, where: str) -> tuple[Mapping[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [{"role": "system", "content": value}]
    if not isinstance(value, list):
        raise SpecError(f"{where} must be a list of {{role, content}} entries")
    messages = []
    for i, entry in enumerate(value):
        at = f"{where}[{i}]"
        if isinstance(entry, str):
            entry = {"content": entry}
        if not isinstance(entry, Mapping):
            raise SpecError(f"{at} must be an object with role and content")
        unknown = set(entry) - {"role", "content"}
        if unknown:
            raise SpecError(f"{at} has unknown key(s) {sorted(unknown)}; expected role and content")
        role = entry.get("role", "system")
        if role != "system":
            # A template supplies the cached system layers; turns belong to the client.
            raise SpecError(f"{at}.role must be 'system' (templates supply system layers only), got {role!r}")
        content = _text(entry.get("content"), f"{at}.content")
        if not content.strip():
            raise SpecError(f"{at}.content must not be empty")
        messages.append({"role": "system", "content": content})
    return tuple(messages)


def _variables(value: Any) -> dict[str, Scalar | None]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError("variables must be an object of name -> default (null for required)")
    variables: dict[str, Scalar | None] = {}
    for name, default in value.items():
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise SpecError(f"variable name {name!r} must be letters, digits and '_', not starting with a digit")
        if default is not None and not isinstance(default, str | int | float | bool):
            raise SpecError(f"variables.{name}: a default must be a string, number, boolean or null")
        variables[name] = _text(default, f"variables.{name}") if isinstance(default, str) else default
    return variables


def _tools(value: Any) -> tuple[Mapping[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise SpecError("tools must be a list of OpenAI function tools")
    tools: list[Mapping[str, Any]] = []
    names: set[str] = set()
    for i, tool in enumerate(value):
        at = f"tools[{i}]"
        if (
            not isinstance(tool, Mapping)
            or tool.get("type") != "function"
            or not isinstance(tool.get("function"), Mapping)
        ):
            raise SpecError(f'{at} must be {{"type": "function", "function": {{"name", "description", "parameters"}}}}')
        unknown = set(tool) - {"type", "function"}
        if unknown:
            raise SpecError(f"{at} has unknown key(s) {sorted(unknown)}")
        function = tool["function"]
        name = function.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            raise SpecError(f"{at}.function.name must be 1-64 letters, digits, '_' or '-'")
        if name in names:
            raise SpecError(f"{at}: tool {name!r} is defined twice")
        names.add(name)
        if "description" in function and not isinstance(function["description"], str):
            raise SpecError(f"{at}.function.description must be a string")
        if "parameters" in function and not isinstance(function["parameters"], Mapping):
            raise SpecError(f"{at}.function.parameters must be a JSON schema object")
        tools.append(_canonical_json(tool))
    return tuple(tools)


def _enhancements(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError("enhancements must be a list of enhancement names")
    unknown = [v for v in value if v not in ENHANCEMENT_NAMES]
    if unknown:
        raise SpecError(f"unknown enhancement(s) {unknown}; known: {', '.join(ENHANCEMENT_NAMES)}")
    return tuple(dict.fromkeys(value))


def _check_placeholders(content: Content) -> None:
    for layer, messages in (("L0", content.l0), ("L1", content.l1)):
        for i, message in enumerate(messages):
            text = message["content"]
            spaced = _SPACED_PLACEHOLDER.search(text)
            if spaced:
                name = spaced.group(1) or spaced.group(2)
                raise SpecError(
                    f"{layer}[{i}]: write the placeholder {spaced.group(0)!r} as '{{{{{name}}}}}' (no spaces)"
                )
            for name in PLACEHOLDER.findall(text):
                if name not in content.variables:
                    raise SpecError(f"{layer}[{i}] uses {{{{{name}}}}} but variables does not declare {name!r}")


def parse_content(raw: Mapping[str, Any]) -> Content:
    """Validate the content keys of a definition (L0, L1, tools, variables, enhancements)."""
    content = Content(
        l0=_messages(raw.get("L0"), "L0"),
        l1=_messages(raw.get("L1"), "L1"),
        tools=_tools(raw.get("tools")),
        variables=_variables(raw.get("variables")),
        enhancements=_enhancements(raw.get("enhancements")),
    )
    if not (content.l0 or content.l1 or content.tools):
        raise SpecError("a template needs at least one of L0, L1 or tools")
    _check_placeholders(content)
    return content


def parse_spec(raw: Any) -> TemplateSpec:
    """One template definition (a file entry, an API body) -> TemplateSpec, or SpecError."""
    if not isinstance(raw, Mapping):
        raise SpecError("a template must be an object")
    unknown = set(raw) - SPEC_KEYS
    if unknown:
        raise SpecError(f"unknown key(s) {sorted(unknown)}; known: {', '.join(sorted(SPEC_KEYS))}")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError(
            f"name {name!r} must be 1-100 letters, digits, '_', '-' or '.', starting with a letter or digit"
        )
    try:
        content = parse_content(raw)
    except SpecError as exc:
        raise SpecError(f"template {name!r}: {exc}") from None
    description = raw.get("description")
    tags = raw.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) and "," not in t for t in tags)):
        raise SpecError(f"template {name!r}: tags must be a list of strings without commas")
    return TemplateSpec(
        name=name,
        content=content,
        description=None if description is None else _text(description, "description"),
        tags=None if tags is None else tuple(t.strip() for t in tags if t.strip()),
        note=_text(raw.get("note") or "", "note"),
    )


def content_of(fields: Mapping[str, Any]) -> Content:
    """A stored version's fields (l0, l1, ...) back into `Content`, without re-validation."""
    return Content(
        l0=tuple(fields["l0"]),
        l1=tuple(fields["l1"]),
        tools=tuple(fields["tools"]),
        variables=dict(fields["variables"]),
        enhancements=tuple(fields["enhancements"]),
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line prompts read (and diff) best as literal blocks.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_content(content: Content) -> str:
    """The content as a YAML definition in the file format (for editing and diffs)."""
    fields = content.as_fields()
    document: dict[str, Any] = {"L0": fields["l0"], "L1": fields["l1"]}
    for key in ("tools", "variables", "enhancements"):
        if fields[key]:
            document[key] = fields[key]
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def load_definition(text: str) -> Content:
    """A YAML (or JSON) content definition, as edited in the admin, -> Content."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}") from None
    if not isinstance(raw, Mapping):
        raise SpecError("the definition must be a YAML object with L0, L1, tools, variables, enhancements")
    unknown = set(raw) - set(CONTENT_KEYS)
    if unknown:
        raise SpecError(f"unknown key(s) {sorted(unknown)}; known: {', '.join(CONTENT_KEYS)}")
    return parse_content(raw)
