"""Reading template files: YAML or JSON, one template, a list, or {"templates": [...]}."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from templates_registry.spec import SpecError, TemplateSpec, parse_spec

SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_DIR = Path(__file__).resolve().parent / "examples"


@dataclass(frozen=True)
class FileTemplate:
    path: Path
    spec: TemplateSpec


def templates_dir() -> Path:
    """LAYERCACHE_TEMPLATES_DIR (setting, else environment), default the shipped examples."""
    configured = getattr(settings, "LAYERCACHE_TEMPLATES_DIR", None)
    if configured is None:
        configured = os.environ.get("LAYERCACHE_TEMPLATES_DIR") or DEFAULT_DIR
    return Path(configured).expanduser()


def entries_of(document: Any) -> list[Any]:
    """The template entries of one parsed file, in the three shapes the original accepted."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and "templates" in document and "name" not in document:
        templates = document["templates"]
        if not isinstance(templates, list):
            raise SpecError('"templates" must be a list')
        return templates
    return [document]


def load_file(path: Path) -> list[FileTemplate]:
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"{path.name}: cannot read: {exc}") from None
    loaded = []
    for i, entry in enumerate(entries_of(document)):
        try:
            loaded.append(FileTemplate(path, parse_spec(entry)))
        except SpecError as exc:
            raise SpecError(f"{path.name} (entry {i}): {exc}") from None
    return loaded


def load_directory(directory: Path) -> list[FileTemplate]:
    """Every template in the directory's files, in file-name order; all valid or SpecError."""
    if not directory.is_dir():
        raise SpecError(f"templates directory {str(directory)!r} does not exist")
    loaded: list[FileTemplate] = []
    seen: dict[str, Path] = {}
    for path in sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in SUFFIXES):
        for item in load_file(path):
            if item.spec.name in seen:
                raise SpecError(
                    f"{path.name}: template {item.spec.name!r} is also defined in {seen[item.spec.name].name}"
                )
            seen[item.spec.name] = path
            loaded.append(item)
    return loaded
