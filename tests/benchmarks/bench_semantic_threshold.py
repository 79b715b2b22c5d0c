"""Pick the semantic-cache similarity threshold from labelled question pairs.

Not a pytest test (the name does not start with test_): run it by hand with

    /work/venv/bin/python tests/benchmarks/bench_semantic_threshold.py [--models-dir DIR]

It embeds every pair in semantic_cache/eval_data/near_miss.jsonl with the REAL model, sweeps
the cosine threshold, and prints precision / recall / false-hit rate with and without the
lexical guards, the recommended default, and load time / latency / throughput / RSS. The
numbers it printed last are recorded in docs/semantic-threshold.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
# Run as a plain script from anywhere: make the project importable.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from semantic_cache.embedder import (  # noqa: E402
    DEFAULT_EMBEDDING_MODEL,
    FastEmbedEmbedder,
    prepare_model_dir,
)
from semantic_cache.guards import (  # noqa: E402
    DEFAULT_SIMILARITY_THRESHOLD,
    guards_agree,
)

EVAL_FILE = ROOT / "semantic_cache" / "eval_data" / "near_miss.jsonl"
MAX_FALSE_HIT_RATE = 0.01
MIN_RECALL = 0.5


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool
    kind: str


@dataclass(frozen=True)
class Row:
    threshold: float
    precision: float
    recall: float
    false_hit_rate: float
    false_hits: int


def load_pairs(path: Path) -> list[Pair]:
    return [Pair(r["a"], r["b"], bool(r["same"]), r["kind"]) for r in map(json.loads, path.read_text().splitlines())]


def evaluate(pairs: list[Pair], sims: np.ndarray, guard_ok: np.ndarray, threshold: float) -> Row:
    same = np.array([p.same for p in pairs])
    hit = (sims >= threshold) & guard_ok
    tp = int((hit & same).sum())
    fp = int((hit & ~same).sum())
    return Row(
        threshold=threshold,
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / int(same.sum()),
        false_hit_rate=fp / int((~same).sum()),
        false_hits=fp,
    )


def recommend(rows: list[Row]) -> Row | None:
    """Lowest threshold (most hits) meeting both targets, if the step below it does too.

    Requiring the neighbour to pass as well keeps the choice off the knife edge, where one
    more near-miss pair in real traffic would break the false-hit target.
    """
    ok = [r.false_hit_rate <= MAX_FALSE_HIT_RATE and r.recall >= MIN_RECALL for r in rows]
    for i, row in enumerate(rows):
        if ok[i] and i > 0 and ok[i - 1]:
            return row
    return next((row for i, row in enumerate(rows) if ok[i]), None)


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    print("| threshold | precision | recall | false-hit rate | false hits |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.threshold:.3f} | {r.precision:.3f} | {r.recall:.3f} | {r.false_hit_rate:.3f} | {r.false_hits} |")


def rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the peak, which is what matters for sizing a worker.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_EMBEDDING_MODEL)
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--step", type=float, default=0.025)
    parser.add_argument(
        "--eval-file",
        type=Path,
        default=EVAL_FILE,
        help="labelled pairs; near_miss_holdout.jsonl is the set not used for tuning",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        models_dir = args.models_dir or Path(tmp)
        t0 = time.perf_counter()
        model_dir = prepare_model_dir(args.model, models_dir)
        prepare_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        embedder = FastEmbedEmbedder(args.model, model_dir)
        embedder.embed_one("warm-up")
        load_s = time.perf_counter() - t0
        run(embedder, args.eval_file, args.step, prepare_s, load_s)


def run(
    embedder: FastEmbedEmbedder,
    eval_file: Path,
    step: float,
    prepare_s: float,
    load_s: float,
) -> None:
    pairs = load_pairs(eval_file)
    texts = sorted({t for p in pairs for t in (p.a, p.b)})
    index = {t: i for i, t in enumerate(texts)}

    t0 = time.perf_counter()
    vectors = embedder.embed(texts)
    batch_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for text in texts:
        embedder.embed_one(text)
    single_ms = (time.perf_counter() - t0) / len(texts) * 1000

    sims = np.array([float(vectors[index[p.a]] @ vectors[index[p.b]]) for p in pairs])
    guard_ok = np.array([bool(guards_agree(p.a, p.b)) for p in pairs])
    no_guard = np.ones(len(pairs), dtype=bool)
    thresholds = [round(t, 3) for t in np.arange(0.5, 0.95 + 1e-9, step)]

    kinds = Counter(p.kind for p in pairs)
    print(f"model: {embedder.model_name}, pairs: {len(pairs)} {dict(kinds)}")
    for kind in kinds:
        ks = sims[[p.kind == kind for p in pairs]]
        print(f"  {kind:<10} cosine min {ks.min():.3f} median {np.median(ks):.3f} max {ks.max():.3f}")
    same = np.array([p.same for p in pairs])
    blocked = (~guard_ok & same).sum()
    print(f"guards reject {blocked} of {same.sum()} true paraphrases (at any threshold)")
    for p, ok in zip(pairs, guard_ok, strict=True):
        if p.same and not ok:
            print(f"    {guards_agree(p.a, p.b).reason}: {p.a!r} / {p.b!r}")

    plain = [evaluate(pairs, sims, no_guard, t) for t in thresholds]
    guarded = [evaluate(pairs, sims, guard_ok, t) for t in thresholds]
    print_table("Similarity only", plain)
    print_table("Similarity + guards", guarded)

    for title, rows in (("similarity only", plain), ("with guards", guarded)):
        best = recommend(rows)
        if best is None:
            print(f"\nrecommended ({title}): none meets the targets")
        else:
            print(
                f"\nrecommended ({title}): {best.threshold:.3f} -> precision "
                f"{best.precision:.3f}, recall {best.recall:.3f}, "
                f"false-hit rate {best.false_hit_rate:.3f}"
            )
    current = evaluate(pairs, sims, guard_ok, DEFAULT_SIMILARITY_THRESHOLD)
    print(
        f"at the current default {current.threshold:.3f} with guards: precision "
        f"{current.precision:.3f}, recall {current.recall:.3f}, "
        f"false-hit rate {current.false_hit_rate:.3f} ({current.false_hits} false hits)"
    )
    chosen = recommend(guarded)
    if chosen is not None:
        print(f"false hits at {chosen.threshold:.3f} with guards:")
        for p, s, ok in zip(pairs, sims, guard_ok, strict=True):
            if not p.same and ok and s >= chosen.threshold:
                print(f"    {s:.3f} [{p.kind}] {p.a!r} / {p.b!r}")
        print(f"near misses above {chosen.threshold:.3f} that only the guards stopped:")
        for p, s, ok in zip(pairs, sims, guard_ok, strict=True):
            if not p.same and not ok and s >= chosen.threshold:
                print(f"    {s:.3f} [{p.kind}] {guards_agree(p.a, p.b).reason}")

    print("\nperformance (this machine, one run, noisy):")
    print(f"  prepare model dir (ONNX build if absent): {prepare_s:.2f} s")
    print(f"  load model + first query: {load_s:.2f} s")
    print(f"  one short query at a time: {single_ms:.2f} ms/query")
    print(f"  batched ({len(texts)} texts, batches of 32): {len(texts) / batch_s:.0f} texts/s")
    print(f"  peak RSS: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
