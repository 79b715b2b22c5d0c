"""Embedding-based example picker for the `dynamic_few_shot` enhancement.

Same signature as `proxy.enhancements.few_shot.FewShotPicker`: `(query, k) -> [(input,
output), ...]`, nearest examples first. Examples live in `FewShotExample` (admin) and are
embedded in bulk by a Celery task; one not yet embedded with the current model is skipped.
"""

from __future__ import annotations

from pgvector.django import CosineDistance

from proxy.enhancements.few_shot import FewShotPicker
from semantic_cache.embedder import get_embedder
from semantic_cache.models import FewShotExample

# An unrelated example teaches the model the wrong thing; with all-MiniLM-L6-v2 unrelated
# texts score under 0.1 and loosely related ones 0.3-0.5.
MIN_SIMILARITY = 0.3


def pick_examples(query: str, k: int, collection: str = "default") -> list[tuple[str, str]]:
    if k <= 0 or not query.strip():
        return []
    embedder = get_embedder()
    candidates = FewShotExample.objects.enabled().filter(
        collection=collection, embedding_model=embedder.model_name, embedding__isnull=False
    )
    if not candidates.exists():
        return []  # spares the embedding when there is nothing to compare with
    vector = embedder.embed_one(query)
    ranked = candidates.annotate(distance=CosineDistance("embedding", vector)).order_by("distance")[:k]
    return [(row.input, row.output) for row in ranked if 1.0 - row.distance >= MIN_SIMILARITY]


def picker_source() -> FewShotPicker:
    """For the gateway's pipelines (dynamic_few_shot): the picker for the default collection."""
    return pick_examples
