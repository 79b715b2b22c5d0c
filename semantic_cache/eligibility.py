"""Which prompts get a semantic (nearest-neighbour) lookup, and how similar a hit must be."""

from __future__ import annotations

import re

# Chosen with tests/benchmarks/bench_semantic_threshold.py on the labelled pairs in
# semantic_cache/eval_data/ for sentence-transformers/all-MiniLM-L6-v2, with the default
# verifier chain; the table and the reasoning are in docs/semantic-threshold.md. Re-measure
# for another model.
DEFAULT_SIMILARITY_THRESHOLD = 0.80

# Shorter turns ("hi", "thanks", "ok do it") carry too little meaning for a nearest
# neighbour to be trusted: they go to the exact-match cache only.
MIN_ELIGIBLE_CHARS = 10
MIN_ELIGIBLE_WORDS = 3

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def is_eligible_for_semantic(text: str) -> bool:
    """Whether a prompt is long enough for a semantic (nearest-neighbour) lookup at all."""
    stripped = text.strip()
    return len(stripped) >= MIN_ELIGIBLE_CHARS and len(_WORD_RE.findall(stripped.lower())) >= MIN_ELIGIBLE_WORDS
