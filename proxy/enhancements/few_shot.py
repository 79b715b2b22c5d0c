"""Picking few-shot examples for the `dynamic_few_shot` enhancement.

A picker is any callable `(query, k) -> [(input, output), ...]`. The default one here ranks
examples by word overlap with the query (Jaccard over lower-cased word sets, common English
function words left out), a documented
fallback that needs no model; the embedding-based picker will come from `semantic_cache`
and plugs in through the same signature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

FewShotPicker = Callable[[str, int], list[tuple[str, str]]]

_WORD = re.compile(r"\w+")

# Words every query shares; counting them would rank examples by chance.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower())) - _STOPWORDS


class LexicalPicker:
    """Top-k examples by word overlap; examples sharing no word with the query are never
    returned (an unrelated example teaches the model the wrong thing)."""

    def __init__(self, examples: Iterable[tuple[str, str]]) -> None:
        self.examples = tuple(examples)
        self._words = tuple(_words(text) for text, _ in self.examples)

    def __call__(self, query: str, k: int) -> list[tuple[str, str]]:
        query_words = _words(query)
        if not query_words or k <= 0:
            return []
        scored = []
        for index, words in enumerate(self._words):
            common = len(query_words & words)
            if common:
                scored.append((-common / len(query_words | words), index))
        scored.sort()
        return [self.examples[index] for _, index in scored[:k]]


def load_examples(path: Path | str) -> list[tuple[str, str]]:
    """Read `{"examples": [{"input": ..., "output": ...}]}` from a JSON or YAML file (the
    original LayerCache's examples-file format)."""
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) if path.suffix in (".yaml", ".yml") else json.load(handle)
    items = data.get("examples") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise TypeError(f"{path}: expected an object with an 'examples' list")
    examples = []
    for n, item in enumerate(items):
        if not (isinstance(item, dict) and isinstance(item.get("input"), str) and isinstance(item.get("output"), str)):
            raise TypeError(f"{path}: example {n} needs string 'input' and 'output'")
        examples.append((item["input"], item["output"]))
    return examples
