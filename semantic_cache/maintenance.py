"""Bulk work on the cache tables, run by Celery tasks and management commands.

Each function works in bounded batches and claims nothing for long, so a worker killed by a
time limit leaves the tables consistent and the next run carries on where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from semantic_cache.embedder import Embedder, get_embedder
from semantic_cache.models import EMBEDDING_DIM, CacheEntry, FewShotExample

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


def delete_expired(batch_size: int = 5000) -> int:
    """Delete expired entries in batches (short transactions, no long table locks)."""
    deleted = 0
    while True:
        ids = list(CacheEntry.objects.expired().order_by().values_list("id", flat=True)[:batch_size])
        if not ids:
            return deleted
        # Re-checked in the DELETE: an entry re-stored meanwhile has a new expiry.
        count, _ = CacheEntry.objects.expired().filter(id__in=ids).delete()
        deleted += count


def _check_dimension(embedder: Embedder) -> None:
    if embedder.dim != EMBEDDING_DIM:
        raise ValueError(
            f"{embedder.model_name} gives {embedder.dim}-d vectors; the cache column holds {EMBEDDING_DIM}. "
            "Changing the dimension needs a migration of CacheEntry.embedding."
        )


def reembed_entries(embedder: Embedder | None = None, batch_size: int = 256, progress: Progress = _no_progress) -> int:
    """Give every semantic entry a vector from the current model.

    Until an entry is re-embedded it is simply invisible to semantic lookups (they filter
    on the model name), so running this after a model change only restores hits.
    """
    embedder = embedder or get_embedder()
    _check_dimension(embedder)
    stale = CacheEntry.objects.live().exclude(query_text="").exclude(embedding_model=embedder.model_name)
    return _embed_in_batches(stale, "query_text", embedder, batch_size, progress, _entry_search_vector)


def _entry_search_vector(entry: Any, vector: Any, model_name: str) -> dict[str, Any]:
    return {"search_vector": entry.search_vector_for(vector, model_name)}


def embed_few_shot_examples(
    embedder: Embedder | None = None, batch_size: int = 128, progress: Progress = _no_progress
) -> int:
    """Embed every enabled example that has no vector from the current model."""
    embedder = embedder or get_embedder()
    _check_dimension(embedder)
    pending = FewShotExample.objects.enabled().needing_embedding(embedder.model_name)
    return _embed_in_batches(pending, "input", embedder, batch_size, progress)


def _vector_columns(model: Any) -> list[str]:
    names = {field.name for field in model._meta.get_fields()}
    return [name for name in ("embedding", "search_vector") if name in names]


def _no_extra_fields(row: Any, vector: Any, model_name: str) -> dict[str, Any]:
    return {}


def _embed_in_batches(
    pending: QuerySet[Any],
    text_field: str,
    embedder: Embedder,
    batch_size: int,
    progress: Progress,
    extra_fields: Callable[[Any, Any, str], dict[str, Any]] = _no_extra_fields,
) -> int:
    """Embed `text_field` of every row in `pending` with `embedder`, a batch at a time.

    `pending` must stop matching a row once it has a vector from this model, so each pass
    takes the next batch; progress is reported after every batch. `extra_fields` gives
    further columns that follow from a row (as loaded in the batch) and its new vector.
    """
    total = pending.count()
    done = 0
    while True:
        # Whole rows but the vector columns: the extra fields may need any of them.
        batch = list(pending.order_by("id").defer(*_vector_columns(pending.model))[:batch_size])
        if not batch:
            return done
        vectors = embedder.embed([getattr(row, text_field) for row in batch])
        with transaction.atomic():
            for row, vector in zip(batch, vectors, strict=True):
                pending.model.objects.filter(id=row.pk).update(
                    embedding=vector,
                    embedding_model=embedder.model_name,
                    **extra_fields(row, vector, embedder.model_name),
                )
        done += len(batch)
        progress(done, total)
