"""Where a semantic entry sits in the vector index: its embedding plus its partition's code.

A semantic lookup wants the nearest entries *of one partition*: one team (or key, or
session), one context fingerprint, one wire format, one embedding model. pgvector 0.6 has
no filtered HNSW search: an index scan returns the `ef_search` nearest rows of the whole
table and only then applies the WHERE clause, so when the partition is a tenth of the table
most of the scan is thrown away, and when it is a thousandth nothing may be left.

So the index is built on `search_vector`, not on the embedding: the embedding with a
partition code appended, a pseudo-random unit vector of `CODE_DIM` dimensions drawn from a
hash of everything the lookup filters on, weighted so that for unit embeddings a, b

    cos(search(a), search(b)) = (cos(a, b) + CODE_WEIGHT * code_a . code_b) / (1 + CODE_WEIGHT)

Within a partition the codes are equal, so the order is exactly the embeddings' order.
Codes of two partitions are nearly orthogonal (64 random dimensions: |code_a . code_b| is
above 0.5 for about one pair in 40,000), so a row of another partition, even one with the
very same question, ranks below every row of the query's partition whose similarity is
above the threshold (see CODE_WEIGHT). The HNSW scan therefore returns the query's own partition first. The
filter still runs on the scan's result: it, not the code, is what isolates teams.

Everything here is a pure function of its arguments.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

CODE_DIM = 64
# A row of the partition at similarity t outranks any other row while
# CODE_WEIGHT * (1 - code_a . code_b) > 1 - t: at 1/3, for t = 0.85 while the codes' dot
# product is below 0.55, for t = 0.8 below 0.4 (about 1 pair of partitions in 700 is closer:
# a scan may then be crowded, never a filter crossed). A heavier code would set partitions further
# apart, but the index's graph then links a partition's rows mostly to each other, and
# searches starting elsewhere reach it less often (measured in docs/benchmarks.md).
CODE_WEIGHT = 1.0 / 3.0
# Cosine distance ignores a vector's length, so the embedding part is left as it is and only
# the code is scaled: the search vector is then the embedding followed by `scaled_code`, which
# lets the database build the query's own from the embedding it was sent (lookup.py).
_SCALE_CODE = math.sqrt(CODE_WEIGHT)


def search_dim(embedding_dim: int) -> int:
    return embedding_dim + CODE_DIM


def partition_code(
    team_id: int, scope: str, key_id: int | None, session_id: str, fingerprint: str, wire: str, model_name: str
) -> NDArray[np.float32]:
    """The unit code of one partition; the same inputs give the same code in every process."""
    identity = "\x1f".join(
        (str(team_id), scope, "" if key_id is None else str(key_id), session_id, fingerprint, wire, model_name)
    )
    seed = int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "little")
    code = np.random.default_rng(seed).standard_normal(CODE_DIM)
    return (code / np.linalg.norm(code)).astype(np.float32)


def search_vector(embedding: Any, code: NDArray[np.float32]) -> NDArray[np.float32]:
    """The vector the index holds for `embedding` (unit length) in `code`'s partition: the
    embedding followed by the scaled code (length sqrt(1 + CODE_WEIGHT), which cosine ignores)."""
    return np.concatenate((np.asarray(embedding, dtype=np.float32), scaled_code(code)))


def scaled_code(code: NDArray[np.float32]) -> NDArray[np.float32]:
    return (code * _SCALE_CODE).astype(np.float32)
