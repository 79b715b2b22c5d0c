"""Pick the semantic-cache similarity threshold from labelled question pairs.

Not a pytest test (the name does not start with test_): run it by hand with

    .venv/bin/python tests/benchmarks/bench_semantic_threshold.py [--models-dir DIR]
        [--eval-file FILE ...] [--holdout FILE ...]

It embeds every pair with the REAL model, sweeps the cosine threshold on the tuning files
(--eval-file, default semantic_cache/eval_data/near_miss.jsonl), and prints precision /
recall / false-hit rate with and without the lexical guards, the recommended default, and
load time / latency / throughput / RSS / guard cost. Each --holdout file (default
near_miss_holdout.jsonl) is then reported on its own, at the same thresholds and at the
current default: held-out pairs never take part in the recommendation. The numbers it
printed last are recorded in docs/semantic-threshold.md.
"""

from __future__ import annotations

import argparse
import gc
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

EVAL_DIR = ROOT / "semantic_cache" / "eval_data"
EVAL_FILE = EVAL_DIR / "near_miss.jsonl"
HOLDOUT_FILE = EVAL_DIR / "near_miss_holdout.jsonl"
MAX_FALSE_HIT_RATE = 0.01
MIN_RECALL = 0.5
SINGLE_QUERY_SAMPLE = 100


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


@dataclass(frozen=True)
class Scored:
    """Pairs with their cosine similarity and whether the guards let them share an answer."""

    pairs: list[Pair]
    sims: np.ndarray
    guard_ok: np.ndarray

    @property
    def same(self) -> np.ndarray:
        return np.array([p.same for p in self.pairs])


def load_pairs(paths: list[Path]) -> list[Pair]:
    return [
        Pair(r["a"], r["b"], bool(r["same"]), r["kind"])
        for path in paths
        for r in map(json.loads, path.read_text().splitlines())
    ]


def score(embedder: FastEmbedEmbedder, pairs: list[Pair], vectors: dict[str, np.ndarray] | None = None) -> Scored:
    if vectors is None:
        texts = sorted({t for p in pairs for t in (p.a, p.b)})
        vectors = dict(zip(texts, embedder.embed(texts), strict=True))
    sims = np.array([float(vectors[p.a] @ vectors[p.b]) for p in pairs])
    guard_ok = np.array([bool(guards_agree(p.a, p.b)) for p in pairs])
    return Scored(pairs, sims, guard_ok)


def evaluate(scored: Scored, guard_ok: np.ndarray, threshold: float) -> Row:
    same = scored.same
    hit = (scored.sims >= threshold) & guard_ok
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


def meets_targets(row: Row) -> bool:
    return row.false_hit_rate <= MAX_FALSE_HIT_RATE and row.recall >= MIN_RECALL


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    print("| threshold | precision | recall | false-hit rate | false hits |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r.threshold:.3f} | {r.precision:.3f} | {r.recall:.3f} | {r.false_hit_rate:.3f} | {r.false_hits} |")


def describe(scored: Scored) -> None:
    """Pair counts and cosine ranges per kind, and the paraphrases the guards reject."""
    pairs, sims = scored.pairs, scored.sims
    kinds = Counter(p.kind for p in pairs)
    print(f"pairs: {len(pairs)} {dict(kinds)}")
    for kind in kinds:
        ks = sims[[p.kind == kind for p in pairs]]
        print(f"  {kind:<10} cosine min {ks.min():.3f} median {np.median(ks):.3f} max {ks.max():.3f}")
    same = scored.same
    print(f"guards reject {(~scored.guard_ok & same).sum()} of {same.sum()} true paraphrases (at any threshold)")
    for p, ok in zip(pairs, scored.guard_ok, strict=True):
        if p.same and not ok:
            print(f"    {guards_agree(p.a, p.b).reason}: {p.a!r} / {p.b!r}")


def print_false_hits(scored: Scored, threshold: float) -> None:
    print(f"false hits at {threshold:.3f} with guards:")
    for p, s, ok in zip(scored.pairs, scored.sims, scored.guard_ok, strict=True):
        if not p.same and ok and s >= threshold:
            print(f"    {s:.3f} [{p.kind}] {p.a!r} / {p.b!r}")


def print_at(label: str, row: Row) -> None:
    print(
        f"at {label} {row.threshold:.3f} with guards: precision {row.precision:.3f}, recall {row.recall:.3f}, "
        f"false-hit rate {row.false_hit_rate:.3f} ({row.false_hits} false hits)"
        f" -> targets {'met' if meets_targets(row) else 'NOT met'}"
    )


def report_tuning(scored: Scored, thresholds: list[float]) -> Row | None:
    describe(scored)
    no_guard = np.ones(len(scored.pairs), dtype=bool)
    plain = [evaluate(scored, no_guard, t) for t in thresholds]
    guarded = [evaluate(scored, scored.guard_ok, t) for t in thresholds]
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
    print_at("the current default", evaluate(scored, scored.guard_ok, DEFAULT_SIMILARITY_THRESHOLD))
    print_false_hits(scored, DEFAULT_SIMILARITY_THRESHOLD)
    chosen = recommend(guarded)
    if chosen is not None:
        if chosen.threshold != DEFAULT_SIMILARITY_THRESHOLD:
            print_false_hits(scored, chosen.threshold)
        print(f"near misses above {chosen.threshold:.3f} that only the guards stopped:")
        for p, s, ok in zip(scored.pairs, scored.sims, scored.guard_ok, strict=True):
            if not p.same and not ok and s >= chosen.threshold:
                print(f"    {s:.3f} [{p.kind}] {guards_agree(p.a, p.b).reason}")
    return chosen


def report_holdout(path: Path, scored: Scored, thresholds: list[float], chosen: Row | None) -> None:
    print(f"\n===== held-out: {path.name} (not used to choose anything above) =====")
    describe(scored)
    print_table(
        f"Held-out {path.name}, similarity + guards", [evaluate(scored, scored.guard_ok, t) for t in thresholds]
    )
    default = evaluate(scored, scored.guard_ok, DEFAULT_SIMILARITY_THRESHOLD)
    print_at("the current default", default)
    if chosen is not None and chosen.threshold != DEFAULT_SIMILARITY_THRESHOLD:
        print_at("the tuning recommendation", evaluate(scored, scored.guard_ok, chosen.threshold))
    print_false_hits(scored, DEFAULT_SIMILARITY_THRESHOLD)


def guard_cost_us(pairs: list[Pair], repeats: int = 5) -> float:
    """Best-of-`repeats` mean time of one guards_agree call over `pairs`, in microseconds.

    Deliberately short (a few thousand calls in all): the box is shared with latency
    benchmarks, and the best of a few passes is stable enough to compare guard versions.
    """
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            for p in pairs:
                guards_agree(p.a, p.b)
            best = min(best, (time.perf_counter() - t0) / len(pairs))
    finally:
        gc.enable()
    return best * 1e6


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
        action="append",
        help=f"tuning pairs the threshold is chosen on; repeat to pool files (default: {EVAL_FILE.name})",
    )
    parser.add_argument(
        "--holdout",
        type=Path,
        action="append",
        help=f"held-out pairs, each reported on its own and never tuned on; repeatable (default: {HOLDOUT_FILE.name})",
    )
    args = parser.parse_args()
    # action="append" would add to a list default instead of replacing it, hence None here.
    eval_files: list[Path] = args.eval_file or [EVAL_FILE]
    tuned = {p.resolve() for p in eval_files}
    # The default held-out file simply drops out when it is pooled into the tuning files.
    holdouts: list[Path] = args.holdout or [p for p in [HOLDOUT_FILE] if p.resolve() not in tuned]
    overlap = tuned & {p.resolve() for p in holdouts}
    if overlap:
        parser.error(f"a file cannot be both tuning and held-out data: {sorted(map(str, overlap))}")

    with tempfile.TemporaryDirectory() as tmp:
        models_dir = args.models_dir or Path(tmp)
        t0 = time.perf_counter()
        model_dir = prepare_model_dir(args.model, models_dir)
        prepare_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        embedder = FastEmbedEmbedder(args.model, model_dir)
        embedder.embed_one("warm-up")
        load_s = time.perf_counter() - t0
        run(embedder, eval_files, holdouts, args.step, prepare_s, load_s)


def run(
    embedder: FastEmbedEmbedder,
    eval_files: list[Path],
    holdouts: list[Path],
    step: float,
    prepare_s: float,
    load_s: float,
) -> None:
    pairs = load_pairs(eval_files)
    texts = sorted({t for p in pairs for t in (p.a, p.b)})

    t0 = time.perf_counter()
    vectors = dict(zip(texts, embedder.embed(texts), strict=True))
    batch_s = time.perf_counter() - t0

    # A sample is enough for the per-query latency, and keeps the run short on a shared box.
    sample = texts[:: max(1, len(texts) // SINGLE_QUERY_SAMPLE)][:SINGLE_QUERY_SAMPLE]
    t0 = time.perf_counter()
    for text in sample:
        embedder.embed_one(text)
    single_ms = (time.perf_counter() - t0) / len(sample) * 1000

    thresholds = [round(t, 3) for t in np.arange(0.5, 0.95 + 1e-9, step)]
    print(f"model: {embedder.model_name}")
    print(f"tuning files: {', '.join(p.name for p in eval_files)}")
    chosen = report_tuning(score(embedder, pairs, vectors), thresholds)
    for path in holdouts:
        report_holdout(path, score(embedder, load_pairs([path])), thresholds, chosen)

    paraphrases = [p for p in pairs if p.same]
    print("\nperformance (this machine, one run, noisy):")
    print(f"  prepare model dir (ONNX build if absent): {prepare_s:.2f} s")
    print(f"  load model + first query: {load_s:.2f} s")
    print(f"  one short query at a time: {single_ms:.2f} ms/query ({len(sample)} queries)")
    print(f"  batched ({len(texts)} texts, batches of 32): {len(texts) / batch_s:.0f} texts/s")
    print(
        f"  guards_agree: {guard_cost_us(pairs):.1f} us/call over the tuning pairs, "
        f"{guard_cost_us(paraphrases):.1f} us/call over paraphrases (every check runs); best of 5 passes"
    )
    print(f"  peak RSS: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
