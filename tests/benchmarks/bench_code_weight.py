"""How heavy the partition code in `search_vector` should be (semantic_cache/search_space.py).

    .venv/bin/python -m tests.benchmarks.bench_code_weight [--rows 20000] [--weights 1,0.3333,0.1]

A fresh embedded Postgres under /tmp holds `--rows` vectors: one large partition (a quarter)
and 100 small ones of equal size, in random order, as `random` unit vectors or `clustered`
ones (500 topics plus noise). For each weight and kind, an HNSW index (m=16,
ef_construction=64) is built on embedding + weight-scaled code, and 300 probes near stored
vectors (cosine ~0.95) are searched the way the lookup does (a 40-row scan, then the
partition filter): recall@1 against exact search in the partition, and how many of the
partition's rows the scan returned. A heavier code sets partitions further apart in the
scan; a lighter one keeps the graph linked across them.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from tests.benchmarks.bench_cache import setup_django

CODE_DIM = 64


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def run(rows: int, kind: str, weight: float, seed: int = 1) -> dict[str, float]:
    from django.db import connection

    from semantic_cache.lookup import vector_literal as literal
    from semantic_cache.search_space import partition_code

    rng = np.random.default_rng(seed)
    large = rows // 4
    small = (rows - large) // 100
    contexts = np.array(["large"] * large + [f"s{i}" for i in range(100) for _ in range(small)])
    rng.shuffle(contexts)
    if kind == "random":
        vectors = unit(rng.standard_normal((len(contexts), 384)))
    else:
        topics = unit(rng.standard_normal((500, 384)))
        vectors = unit(topics[rng.integers(0, 500, len(contexts))] + unit(rng.standard_normal((len(contexts), 384))))
    codes = {c: partition_code(1, "team", None, "", c, "openai", "m") * np.sqrt(weight) for c in set(contexts.tolist())}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_code_weight")
        cursor.execute(
            f"CREATE TABLE bench_code_weight (id serial PRIMARY KEY, ctx text, e vector(384), s vector({384 + CODE_DIM}))"
        )
        with cursor.connection.cursor().copy("COPY bench_code_weight (ctx, e, s) FROM STDIN") as copy:
            for context, vector in zip(contexts.tolist(), vectors, strict=True):
                copy.write_row((context, literal(vector), literal(np.concatenate((vector, codes[context])))))
        cursor.execute(
            "CREATE INDEX ON bench_code_weight USING hnsw (s vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        results: dict[str, float] = {}
        for label in ("large", "small"):
            hits = returned = 0
            for _ in range(300):
                context = "large" if label == "large" else f"s{rng.integers(0, 100)}"
                members = np.where(contexts == context)[0]
                probe = unit(vectors[members[rng.integers(0, len(members))]] + 0.3 * unit(rng.standard_normal(384)))
                truth = int(members[np.argmax(vectors[members] @ probe)]) + 1
                cursor.execute(
                    "SELECT id FROM (SELECT id, ctx, e FROM bench_code_weight ORDER BY s <=> %s::vector LIMIT 40) x "
                    "WHERE ctx = %s ORDER BY e <=> %s::vector",
                    [literal(np.concatenate((probe, codes[context]))), context, literal(probe)],
                )
                found = [row[0] for row in cursor.fetchall()]
                returned += len(found)
                hits += bool(found) and found[0] == truth
            results[f"{label} recall@1"] = hits / 300
            results[f"{label} rows of the partition in the scan"] = returned / 300
        cursor.execute("DROP TABLE bench_code_weight")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--weights", default="1,0.3333,0.1")
    parser.add_argument("--kinds", default="random,clustered")
    args = parser.parse_args()
    setup_django(Path(tempfile.mkdtemp(prefix="bench-cache-weight-")))
    print(f"\n{args.rows} rows: one partition of {args.rows // 4}, 100 of {(args.rows - args.rows // 4) // 100}\n")
    print("| vectors | code weight | recall@1, large | recall@1, small | partition rows in a 40-row scan, small |")
    print("|---|---:|---:|---:|---:|")
    for kind in args.kinds.split(","):
        for weight in (float(w) for w in args.weights.split(",")):
            r = run(args.rows, kind, weight)
            print(
                f"| {kind} | {weight:.3g} | {r['large recall@1']:.3f} | {r['small recall@1']:.3f} "
                f"| {r['small rows of the partition in the scan']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
