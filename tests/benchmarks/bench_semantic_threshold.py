"""Pick the semantic-cache similarity threshold from labelled question pairs.

Not a pytest test (the name does not start with test_): run it by hand with

    .venv/bin/python tests/benchmarks/bench_semantic_threshold.py [--models-dir DIR]
        [--eval-file FILE ...] [--holdout FILE ...]

It embeds every pair with the REAL model, sweeps the cosine threshold on the tuning files
(--eval-file, default semantic_cache/eval_data/near_miss.jsonl), and prints precision /
recall / false-hit rate with similarity only, with the lexical guards, and with the guards
plus the words stage, i.e. the default verifier chain (semantic_cache/verification/), the recommended default, and load time /
latency / throughput / RSS / guard and verifier cost. Each --holdout file (default
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

from proxy.verifier_spec import DEFAULT_VERIFIER  # noqa: E402
from semantic_cache.eligibility import DEFAULT_SIMILARITY_THRESHOLD  # noqa: E402
from semantic_cache.embedder import (  # noqa: E402
    DEFAULT_EMBEDDING_MODEL,
    FastEmbedEmbedder,
    prepare_model_dir,
)
from semantic_cache.verification import language  # noqa: E402
from semantic_cache.verification.chain import Chain  # noqa: E402
from semantic_cache.verification.lexical.checks import guards_agree  # noqa: E402
from semantic_cache.verification.registry import Verifiers  # noqa: E402
from semantic_cache.verification.words import content as words_content  # noqa: E402
from semantic_cache.verification.words.stage import WordsStage  # noqa: E402

EVAL_DIR = ROOT / "semantic_cache" / "eval_data"
EVAL_FILE = EVAL_DIR / "near_miss.jsonl"
HOLDOUT_FILE = EVAL_DIR / "near_miss_holdout.jsonl"
MAX_FALSE_HIT_RATE = 0.01
MIN_RECALL = 0.5
SINGLE_QUERY_SAMPLE = 100
# The thresholds the guards-only / guards + verifier comparison is printed at.
COMPARED_THRESHOLDS = (0.8, 0.825, 0.85, 0.875, 0.9)


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
    """Pairs with their cosine similarity, whether the guards let them share an answer, and
    whether the guards and then the verifier both do."""

    pairs: list[Pair]
    sims: np.ndarray
    guard_ok: np.ndarray
    verified_ok: np.ndarray

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
    # "guards": the default chain without its words stage; "verifier": the whole default chain.
    guard_ok = np.array([guards_chain(embedder).judge(p.a, p.b).accepted for p in pairs])
    verified_ok = np.array([default_chain(embedder).judge(p.a, p.b).accepted for p in pairs])
    return Scored(pairs, sims, guard_ok, verified_ok)


_verifiers: dict[int, Verifiers] = {}


def default_chain(embedder: FastEmbedEmbedder) -> Chain:
    """The default verifier chain (proxy/verifier_spec.DEFAULT_VERIFIER), as lookups run it."""
    if id(embedder) not in _verifiers:
        _verifiers[id(embedder)] = Verifiers(DEFAULT_VERIFIER, embedder)
    return _verifiers[id(embedder)].default


def guards_chain(embedder: FastEmbedEmbedder) -> Chain:
    """The default chain up to its guards: what "guards only" measures."""
    default_chain(embedder)
    names = DEFAULT_VERIFIER.split(",")
    return _verifiers[id(embedder)].chain(names[: names.index("guards") + 1])


def words_stage(embedder: FastEmbedEmbedder) -> WordsStage:
    stage = default_chain(embedder).stages[-1]
    assert isinstance(stage, WordsStage)
    return stage


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


def describe(scored: Scored, embedder: FastEmbedEmbedder) -> None:
    """Pair counts and cosine ranges per kind, and the paraphrases the guards or the verifier reject."""
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
    rejected = scored.guard_ok & ~scored.verified_ok & same
    print(
        f"the verifier rejects {rejected.sum()} more of them (at any threshold; "
        f"{(rejected & (sims >= DEFAULT_SIMILARITY_THRESHOLD)).sum()} at or above {DEFAULT_SIMILARITY_THRESHOLD})"
    )
    for p, s, no in sorted(zip(pairs, sims, rejected, strict=True), key=lambda row: -row[1]):
        if no:
            print(f"    {s:.3f} {default_chain(embedder).judge(p.a, p.b).reason}: {p.a!r} / {p.b!r}")


def print_false_hits(scored: Scored, threshold: float, ok: np.ndarray, label: str) -> None:
    print(f"false hits at {threshold:.3f} with {label}:")
    for p, s, hit in zip(scored.pairs, scored.sims, ok, strict=True):
        if not p.same and hit and s >= threshold:
            print(f"    {s:.3f} [{p.kind}] {p.a!r} / {p.b!r}")


def print_at(label: str, row: Row, checks: str = "guards") -> None:
    print(
        f"at {label} {row.threshold:.3f} with {checks}: precision {row.precision:.3f}, recall {row.recall:.3f}, "
        f"false-hit rate {row.false_hit_rate:.3f} ({row.false_hits} false hits)"
        f" -> targets {'met' if meets_targets(row) else 'NOT met'}"
    )


def print_recommendation(title: str, rows: list[Row]) -> None:
    best = recommend(rows)
    if best is None:
        print(f"\nrecommended ({title}): none meets the targets")
    else:
        print(
            f"\nrecommended ({title}): {best.threshold:.3f} -> precision "
            f"{best.precision:.3f}, recall {best.recall:.3f}, "
            f"false-hit rate {best.false_hit_rate:.3f}"
        )


def print_comparison(title: str, scored: Scored) -> None:
    """Guards only against guards + verifier at the thresholds a default is chosen from."""
    near_misses = int((~scored.same).sum())
    print(f"\n{title}")
    print("| threshold | guards: false hits | guards: recall | + verifier: false hits | + verifier: recall |")
    print("|---:|---:|---:|---:|---:|")
    for t in COMPARED_THRESHOLDS:
        g, v = evaluate(scored, scored.guard_ok, t), evaluate(scored, scored.verified_ok, t)
        print(
            f"| {t:.3f} | {g.false_hits} of {near_misses} ({g.false_hit_rate:.1%}) | {g.recall:.3f} "
            f"| {v.false_hits} of {near_misses} ({v.false_hit_rate:.1%}) | {v.recall:.3f} |"
        )
    print("false hits left with guards + verifier, by kind:")
    for t in COMPARED_THRESHOLDS:
        hits = Counter(
            p.kind
            for p, s, ok in zip(scored.pairs, scored.sims, scored.verified_ok, strict=True)
            if ok and not p.same and s >= t
        )
        print(f"    {t:.3f}: {dict(sorted(hits.items())) or 'none'}")


def report_tuning(scored: Scored, thresholds: list[float], embedder: FastEmbedEmbedder) -> Row | None:
    describe(scored, embedder)
    no_guard = np.ones(len(scored.pairs), dtype=bool)
    plain = [evaluate(scored, no_guard, t) for t in thresholds]
    guarded = [evaluate(scored, scored.guard_ok, t) for t in thresholds]
    verified = [evaluate(scored, scored.verified_ok, t) for t in thresholds]
    print_table("Similarity only", plain)
    print_table("Similarity + guards", guarded)
    print_table("Similarity + guards + verifier", verified)
    print_comparison("Guards only vs guards + verifier", scored)

    for title, rows in (("similarity only", plain), ("with guards", guarded), ("with guards + verifier", verified)):
        print_recommendation(title, rows)
    print_at("the current default", evaluate(scored, scored.guard_ok, DEFAULT_SIMILARITY_THRESHOLD))
    print_at(
        "the current default", evaluate(scored, scored.verified_ok, DEFAULT_SIMILARITY_THRESHOLD), "guards + verifier"
    )
    print_false_hits(scored, DEFAULT_SIMILARITY_THRESHOLD, scored.guard_ok, "guards")
    chosen = recommend(guarded)
    if chosen is not None:
        if chosen.threshold != DEFAULT_SIMILARITY_THRESHOLD:
            print_false_hits(scored, chosen.threshold, scored.guard_ok, "guards")
        print(f"near misses above {chosen.threshold:.3f} that only the guards stopped:")
        for p, s, ok in zip(scored.pairs, scored.sims, scored.guard_ok, strict=True):
            if not p.same and not ok and s >= chosen.threshold:
                print(f"    {s:.3f} [{p.kind}] {guards_agree(p.a, p.b).reason}")
    with_verifier = recommend(verified)
    if with_verifier is not None:
        print_false_hits(scored, with_verifier.threshold, scored.verified_ok, "guards + verifier")
        print(f"near misses above {with_verifier.threshold:.3f} that the guards let through and the verifier stopped:")
        for p, s, g, v in zip(scored.pairs, scored.sims, scored.guard_ok, scored.verified_ok, strict=True):
            if not p.same and g and not v and s >= with_verifier.threshold:
                print(f"    {s:.3f} [{p.kind}] {default_chain(embedder).judge(p.a, p.b).reason}: {p.a!r} / {p.b!r}")
    return chosen


def report_holdout(
    path: Path, scored: Scored, thresholds: list[float], chosen: Row | None, embedder: FastEmbedEmbedder
) -> None:
    print(f"\n===== held-out: {path.name} (not used to choose anything above) =====")
    describe(scored, embedder)
    print_table(
        f"Held-out {path.name}, similarity + guards", [evaluate(scored, scored.guard_ok, t) for t in thresholds]
    )
    print_table(
        f"Held-out {path.name}, similarity + guards + verifier",
        [evaluate(scored, scored.verified_ok, t) for t in thresholds],
    )
    print_comparison(f"Held-out {path.name}: guards only vs guards + verifier", scored)
    default = evaluate(scored, scored.guard_ok, DEFAULT_SIMILARITY_THRESHOLD)
    print_at("the current default", default)
    print_at(
        "the current default", evaluate(scored, scored.verified_ok, DEFAULT_SIMILARITY_THRESHOLD), "guards + verifier"
    )
    if chosen is not None and chosen.threshold != DEFAULT_SIMILARITY_THRESHOLD:
        print_at("the tuning recommendation", evaluate(scored, scored.guard_ok, chosen.threshold))
    print_false_hits(scored, DEFAULT_SIMILARITY_THRESHOLD, scored.guard_ok, "guards")
    print_false_hits(scored, DEFAULT_SIMILARITY_THRESHOLD, scored.verified_ok, "guards + verifier")


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


def language_cost_us(pairs: list[Pair], repeats: int = 5) -> float:
    """Best-of-`repeats` mean time of the language stage on one pair, both texts read afresh
    (its per-text cache emptied first, as for a new query and a candidate not seen lately)."""
    stage = language.LanguageStage()
    best = float("inf")
    for _ in range(repeats):
        total = 0.0
        for p in pairs:
            language.readability.cache_clear()
            t0 = time.perf_counter()
            stage.judge(p.a, p.b)
            total += time.perf_counter() - t0
        best = min(best, total / len(pairs))
    return best * 1e6


@dataclass(frozen=True)
class VerifierCost:
    """Milliseconds per `verify` call: p50 and p99 with a cold and a warm word cache."""

    cold: tuple[float, float]
    cold_embedding: tuple[float, float]  # the cold calls that had words to embed
    embedding_calls: int
    warm: tuple[float, float]


def verifier_cost(embedder: FastEmbedEmbedder, pairs: list[Pair]) -> VerifierCost:
    """The cost of one `verify` call over `pairs` (those a lookup would check: above a
    threshold, guards agreeing).

    Cold: the word cache is emptied before each call, so every call embeds the words it
    lacks (the model itself is loaded and warm); many calls embed nothing at all (every
    word shared, or only words added). Warm: a second pass with every word cached. The
    verifier's parsed texts are forgotten before each call in both, as a new query would be;
    the guards run on the pair first, untimed, as they do on the request path.
    """

    stage = words_stage(embedder)

    def one_pass(cold: bool) -> tuple[list[float], list[float]]:
        times, embedding = [], []
        for p in pairs:
            if cold:
                stage.word_vectors.clear()
            words_content.forget_parsed_texts()
            guards_agree(p.a, p.b)
            t0 = time.perf_counter()
            stage.judge(p.a, p.b)
            elapsed = (time.perf_counter() - t0) * 1000
            times.append(elapsed)
            if cold and len(stage.word_vectors):
                embedding.append(elapsed)
        return times, embedding

    def p50_p99(times: list[float]) -> tuple[float, float]:
        if not times:
            return 0.0, 0.0
        return float(np.percentile(times, 50)), float(np.percentile(times, 99))

    cold, embedding = one_pass(cold=True)
    one_pass(cold=False)  # fills the cache (and the guards' own caches, as traffic would)
    warm, _ = one_pass(cold=False)
    stage.word_vectors.clear()
    return VerifierCost(p50_p99(cold), p50_p99(embedding), len(embedding), p50_p99(warm))


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
    tuning = score(embedder, pairs, vectors)
    chosen = report_tuning(tuning, thresholds, embedder)
    for path in holdouts:
        report_holdout(path, score(embedder, load_pairs([path])), thresholds, chosen, embedder)

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
    print(f"  language stage: {language_cost_us(pairs):.1f} us/pair, both texts read afresh; best of 5 passes")
    checked = [
        p
        for p, s, ok in zip(tuning.pairs, tuning.sims, tuning.guard_ok, strict=True)
        if ok and s >= min(COMPARED_THRESHOLDS)
    ]
    cost = verifier_cost(embedder, checked)
    print(
        f"  verify ({len(checked)} pairs at or above {min(COMPARED_THRESHOLDS)} the guards let through): "
        f"cold word cache p50 {cost.cold[0]:.2f} ms, p99 {cost.cold[1]:.2f} ms "
        f"({cost.embedding_calls} calls embed words: p50 {cost.cold_embedding[0]:.2f} ms, "
        f"p99 {cost.cold_embedding[1]:.2f} ms); warm p50 {cost.warm[0]:.2f} ms, p99 {cost.warm[1]:.2f} ms"
    )
    print(f"  peak RSS: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
