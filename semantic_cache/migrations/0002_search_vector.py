"""The HNSW index moves from `embedding` to `search_vector` (semantic_cache/search_space.py).

Existing entries get their search vector here, in batches, before the index is built (a
build over filled rows is faster than growing the index row by row).
"""

import pgvector.django.indexes
import pgvector.django.vector
from django.db import migrations

from semantic_cache.search_space import partition_code, search_vector

BATCH = 1000


def fill_search_vectors(apps, schema_editor):  # type: ignore[no-untyped-def]
    entry_model = apps.get_model("semantic_cache", "CacheEntry")
    pending = entry_model.objects.filter(embedding__isnull=False, search_vector__isnull=True).order_by("id")
    fields = ("id", "team_id", "scope", "key_id", "session_id", "context_fingerprint", "wire", "embedding_model")
    last_id = 0
    while True:
        batch = list(pending.filter(id__gt=last_id).values(*fields, "embedding")[:BATCH])
        if not batch:
            return
        for row in batch:
            code = partition_code(
                row["team_id"],
                row["scope"],
                row["key_id"],
                row["session_id"],
                row["context_fingerprint"],
                row["wire"],
                row["embedding_model"],
            )
            entry_model.objects.filter(id=row["id"]).update(search_vector=search_vector(row["embedding"], code))
        last_id = batch[-1]["id"]


class Migration(migrations.Migration):
    dependencies = [
        ("semantic_cache", "0001_cache_entries_and_few_shot_examples"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="cacheentry", name="cacheentry_embedding_hnsw"),
        migrations.AddField(
            model_name="cacheentry",
            name="search_vector",
            field=pgvector.django.vector.VectorField(blank=True, dimensions=448, editable=False, null=True),
        ),
        migrations.RunPython(fill_search_vectors, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="cacheentry",
            index=pgvector.django.indexes.HnswIndex(
                ef_construction=64,
                fields=["search_vector"],
                m=16,
                name="cacheentry_search_hnsw",
                opclasses=["vector_cosine_ops"],
            ),
        ),
    ]
