"""Prompt enhancements: their texts (data, not code) and the default few-shot picker.

The texts live in `texts.json` next to this module, one key per text; the pipeline reads
them once when its configuration is built, and the gateway may pass its own mapping instead
(for instance from an admin-managed table). Keys:

- `chain_of_thought`, `self_critique`, `structured_json`: the instruction itself;
- `structured_json.schema`: used instead when the request carries a `response_format`
  JSON schema; `{schema}` is replaced by the schema;
- `dynamic_few_shot.header` and `dynamic_few_shot.example` (with `{input}` and `{output}`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from proxy.enhancements.few_shot import FewShotPicker, LexicalPicker, load_examples

__all__ = [
    "DEFAULT_TEXTS_PATH",
    "REQUIRED_KEYS",
    "FewShotPicker",
    "LexicalPicker",
    "load_examples",
    "load_texts",
]

DEFAULT_TEXTS_PATH = Path(__file__).with_name("texts.json")

REQUIRED_KEYS = frozenset(
    {
        "chain_of_thought",
        "structured_json",
        "structured_json.schema",
        "self_critique",
        "dynamic_few_shot.header",
        "dynamic_few_shot.example",
    }
)


def load_texts(path: Path | str = DEFAULT_TEXTS_PATH) -> Mapping[str, str]:
    """Read an enhancement-text file; fails loudly on missing keys or non-string values."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"{path}: expected an object of strings")
    missing = REQUIRED_KEYS - data.keys()
    if missing:
        raise ValueError(f"{path}: missing enhancement texts {sorted(missing)}")
    return MappingProxyType(dict(data))
