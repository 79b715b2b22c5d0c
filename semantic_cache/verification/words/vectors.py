"""Word vectors for the content-word stage, kept in a bounded per-process cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from semantic_cache.embedder import Embedder, FloatMatrix

# Distinct words and phrases kept per stage (one per process); one vector is 384 float32 (1.5 KiB).
WORD_CACHE_SIZE = 8192


class WordVectors:
    """Vectors of single words and short phrases, least recently used dropped first.

    Words repeat across requests far more than questions do, so after warm-up most checks
    embed nothing. One lock guards the dictionary; the embedding itself runs outside it.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._vectors: OrderedDict[tuple[str, str], FloatMatrix] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder: Embedder, texts: Iterable[str]) -> dict[str, FloatMatrix]:
        model = embedder.model_name
        found: dict[str, FloatMatrix] = {}
        missing: list[str] = []
        with self._lock:
            for text in dict.fromkeys(texts):
                vector = self._vectors.get((model, text))
                if vector is None:
                    missing.append(text)
                else:
                    self._vectors.move_to_end((model, text))
                    found[text] = vector
        if missing:
            rows = embedder.embed(missing)  # one batched call for everything this check lacks
            with self._lock:
                for text, row in zip(missing, rows, strict=True):
                    self._vectors[(model, text)] = row
                    found[text] = row
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return found

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()

    def __len__(self) -> int:
        return len(self._vectors)
