"""Response-cache benchmark: end-to-end hit latency over HTTP, false hits, HNSW recall.

    python -m tests.benchmarks.bench_cache [--entries 100000] [--requests 300]
    python -m tests.benchmarks.bench_cache --recall-only --entries 1000000

What it does, all on 127.0.0.1, in a fresh data dir under /tmp (embedded Postgres +
pgvector 0.6, Redis db 13, the fake provider, the gateway under Daphne, the real
all-MiniLM-L6-v2 model):

1. The "a" side of every labelled pair in semantic_cache/eval_data/ is stored through the
   gateway, then `--entries` synthetic rows (`--vectors`: random unit vectors, or noisy
   variants of real embeddings) are bulk-loaded, a tenth of them into the very same context
   as the real ones, and the HNSW index is rebuilt.
2. False hits: each "b" is asked once (never stored): a near miss must not hit at all, a
   paraphrase must get its own "a"'s answer. The tuning files and each `--held-out` file
   are reported apart.
3. Latency, `--requests` rounds of one request per path, interleaved so that the load of a
   shared machine falls on all alike: a bare Daphne app (the HTTP floor), the fake provider
   direct, the gateway's MISS path (`lc_bypass_cache`), an exact HIT, and a SEMANTIC_HIT
   (cycling over the "b"s that hit).
4. Recall@1 of the lookup's own vector search (as it chooses for the partition, then an
   HNSW scan of each of `--efs` rows, then the partition filter) against exact search within
   the partition, for the large context (a tenth of the table) and a small one (1/500 of the
   rest).

Every number is printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "semantic_cache" / "eval_data"
REDIS_URL = "redis://127.0.0.1:6379/13"
UPSTREAM_KEY_ENV = "BENCH_CACHE_PROVIDER_KEY"
SYSTEM = "You are a helpful assistant. Answer briefly."


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def setup_django(data_dir: Path) -> None:
    os.environ["LAYERCACHE_DATA_DIR"] = str(data_dir)
    os.environ["LAYERCACHE_REDIS_URL"] = REDIS_URL
    os.environ.pop("DATABASE_URL", None)
    # Reuse the prepared model folder of the checkout if there is one (saves the ONNX build).
    models = ROOT / ".data" / "models"
    if models.is_dir():
        (data_dir / "models").symlink_to(models)
    from layercache_site.bootstrap import prepare_environment

    prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_world(provider_base: str) -> str:
    from proxy.models import ModelRoute, Team
    from proxy.services import create_api_key

    team = Team.objects.create(name="bench")
    ModelRoute.objects.create(
        name="bench-gpt", model="openai/gpt-4o", api_base=f"{provider_base}/v1", api_key_env=UPSTREAM_KEY_ENV
    )
    _, plaintext = create_api_key(team, "bench")
    return plaintext


def body(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "bench-gpt",
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}],
        **extra,
    }


def timed(
    client: httpx.Client, url: str, payload: dict[str, Any], headers: dict[str, str]
) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = client.post(url, json=payload, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed, response


def wait_entries(count: int, timeout: float = 60) -> None:
    from semantic_cache.models import CacheEntry

    deadline = time.monotonic() + timeout
    while CacheEntry.objects.count() < count and time.monotonic() < deadline:
        time.sleep(0.05)


def load_pairs(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (EVAL / name).read_text().splitlines() if line.strip()]


# --- bulk load and recall --------------------------------------------------------------------


# Semi-synthetic "clustered" vectors: real model embeddings of templated questions, each
# stored with many noisy variants, the way a cache holds many phrasings of popular questions.
_TEMPLATES = (
    "How do I {verb} a {thing} in {lang}?",
    "What is the best way to {verb} a {thing} with {lang}?",
    "Why does my {thing} fail to {verb} in {lang}?",
    "Explain how to {verb} a {thing} for a beginner using {lang}",
    "Can you show an example that {verb}s a {thing} in {lang}?",
    "What is the capital of {place} and what is it known for?",
    "Plan a {days}-day trip to {place} in {season}",
    "Summarize the history of {place} in {days} sentences",
    "Write a {tone} email about {topic}",
    "Give me {days} tips about {topic} for {season}",
)
_FILLERS = {
    "verb": ("sort", "reverse", "parse", "serialize", "merge", "split", "filter", "copy", "validate", "cache"),
    "thing": (
        "list",
        "dictionary",
        "string",
        "date",
        "file",
        "JSON document",
        "HTTP request",
        "matrix",
        "set",
        "queue",
    ),
    "lang": ("Python", "JavaScript", "Go", "Rust", "Java", "C#", "Ruby", "Kotlin", "SQL", "Bash"),
    "place": ("France", "Japan", "Brazil", "Kenya", "Canada", "Norway", "India", "Peru", "Egypt", "Vietnam"),
    "days": ("two", "three", "five", "seven", "ten"),
    "season": ("spring", "summer", "autumn", "winter"),
    "tone": ("formal", "friendly", "short", "apologetic"),
    "topic": ("a late delivery", "a refund", "a job offer", "a team offsite", "saving money", "sleeping better"),
}


def clustered_bases(limit: int) -> np.ndarray:
    """Embeddings of up to `limit` distinct templated questions (the real model)."""
    import itertools

    from semantic_cache.embedder import get_embedder

    texts: list[str] = []
    for template in _TEMPLATES:
        names = [name for name in _FILLERS if "{" + name + "}" in template]
        for values in itertools.product(*(_FILLERS[name] for name in names)):
            texts.append(template.format(**dict(zip(names, values, strict=True))))
    rng = np.random.default_rng(5)
    chosen = [texts[i] for i in rng.permutation(len(texts))[:limit]]
    embedder = get_embedder()
    return np.vstack([embedder.embed(chosen[i : i + 256]) for i in range(0, len(chosen), 256)])


def vector_blocks(entries: int, kind: str, seed: int) -> Iterator[np.ndarray]:
    """`entries` unit vectors in blocks of 10,000: uniformly random, or clustered."""
    rng = np.random.default_rng(seed)
    bases = clustered_bases(20_000) if kind == "clustered" else None
    for start_row in range(0, entries, 10_000):
        size = min(10_000, entries - start_row)
        if bases is None:
            block = rng.standard_normal((size, 384)).astype(np.float32)
        else:
            # Each row: a base question's embedding plus noise of norm ~0.4 (cosine ~0.93 to it,
            # ~0.86 to a sibling), so the nearest neighbour of a probe is well defined.
            picks = bases[rng.integers(0, len(bases), size)]
            block = picks + (0.4 / np.sqrt(384)) * rng.standard_normal((size, 384)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        yield block


def bulk_load(
    entries: int, same_context: int, fingerprint: str, team_id: int, model: str, vectors: str = "random", seed: int = 7
) -> dict[str, float]:
    """COPY synthetic rows (`same_context` of them into `fingerprint`, the rest spread over
    500 other contexts), then (re)build the HNSW index; timings."""
    from django.db import connection
    from pgvector.psycopg import register_vector

    from semantic_cache.search_space import partition_code, search_vector

    codes: dict[str, np.ndarray] = {}
    with connection.cursor() as cursor:
        raw = cursor.connection
        register_vector(raw)
        cursor.execute("DROP INDEX IF EXISTS cacheentry_search_hnsw")
        start = time.perf_counter()
        columns = "team_id, scope, session_id, route_name, wire, exact_key, context_fingerprint, template_version, embedding_model, embedding, search_vector, query_text, response, usage, created_at, expires_at, hit_count"
        with raw.cursor().copy(f"COPY semantic_cache_cacheentry ({columns}) FROM STDIN") as copy:
            i = 0
            for block in vector_blocks(entries, vectors, seed):
                for vector in block:
                    context = fingerprint if i < same_context else synthetic_context(i)
                    if context not in codes:
                        codes[context] = partition_code(team_id, "team", None, "", context, "openai", model)
                    copy.write_row(
                        (
                            team_id,
                            "team",
                            "",
                            "bench-gpt",
                            "openai",
                            f"synthetic-{i}",
                            context,
                            "",
                            model,
                            vector,
                            search_vector(vector, codes[context]),
                            f"synthetic question {i}",
                            '{"synthetic": true}',
                            "{}",
                            "2026-01-01T00:00:00Z",
                            "2099-01-01T00:00:00Z",
                            0,
                        )
                    )
                    i += 1
        loaded = time.perf_counter() - start
        cursor.execute("SET maintenance_work_mem = '4GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        start = time.perf_counter()
        cursor.execute(
            "CREATE INDEX cacheentry_search_hnsw ON semantic_cache_cacheentry USING hnsw (search_vector vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
        )
        built = time.perf_counter() - start
        cursor.execute("ANALYZE semantic_cache_cacheentry")
    return {"load_s": loaded, "index_s": built}


def synthetic_context(row: int) -> str:
    return f"synthetic-context-{row % 500}"


def recall(
    queries: int, team_id: int, contexts: dict[str, str], efs: tuple[int, ...] = (40, 100, 400), seed: int = 11
) -> list[dict[str, Any]]:
    """The lookup's own search (an HNSW scan of search vectors, then the partition filter)
    against exact search within the partition, top-1, for probes near stored vectors.

    `contexts`: label -> context fingerprint, e.g. the benchmark's large context (a tenth of
    the table) and one small synthetic one (1/500 of the rest).
    """
    from django.conf import settings
    from django.db import connection

    from semantic_cache import lookup
    from semantic_cache.models import CacheScope

    model = settings.LAYERCACHE_EMBEDDING_MODEL
    scope = CacheScope(team_id, "team")
    rng = np.random.default_rng(seed)
    results = []
    for label, fingerprint in contexts.items():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, embedding::text FROM semantic_cache_cacheentry WHERE team_id = %s AND context_fingerprint = %s "
                "AND embedding IS NOT NULL",
                [team_id, fingerprint],
            )
            rows = cursor.fetchall()
        ids = np.array([row[0] for row in rows])
        matrix = np.array([json.loads(row[1]) for row in rows], dtype=np.float32)
        anchors = matrix[rng.integers(0, len(matrix), queries)]
        noisy = anchors + 0.3 * rng.standard_normal(anchors.shape).astype(np.float32) / np.sqrt(384)
        probes = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
        truth = ids[np.argmax(probes @ matrix.T, axis=1)]
        lookup.nearest_in_partition(scope, fingerprint, "openai", model, probes[0], 1, None)  # counts the partition
        # 0: the lookup's own choice for this partition; else every index scan that wide
        # (not for a partition the lookup searches exactly: no index scan would be made).
        choice = lookup_choice(len(ids))
        for ef in (0, *efs) if choice else (0,):
            found, took = [], []
            saved = lookup.SCAN_ROWS, lookup.WIDE_SCAN_ROWS
            if ef:
                lookup.SCAN_ROWS = lookup.WIDE_SCAN_ROWS = ef
            try:
                for probe in probes:
                    start = time.perf_counter()
                    ranked = lookup.nearest_in_partition(scope, fingerprint, "openai", model, probe, 1, None)
                    took.append((time.perf_counter() - start) * 1000)
                    found.append(ranked[0][0] if ranked else None)
            finally:
                lookup.SCAN_ROWS, lookup.WIDE_SCAN_ROWS = saved
            hits = sum(a == b for a, b in zip(found, truth.tolist(), strict=True))
            results.append(
                {
                    "partition": f"{label} ({len(ids)} rows)",
                    "ef_search": ef or f"lookup's choice ({f'{choice}-row index scan' if choice else 'exact search'})",
                    "recall@1": hits / len(truth),
                    "search_p50_ms": percentile(took, 50),
                    "search_p99_ms": percentile(took, 99),
                }
            )
    return results


def lookup_choice(partition_rows: int) -> int:
    """What the lookup does for a partition this size in this table: 0 = exact search."""
    from django.db import connection

    from semantic_cache import lookup

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'semantic_cache_cacheentry'")
        table_rows = float(cursor.fetchone()[0])
    return lookup.rows_to_scan(partition_rows, table_rows)


# --- the run ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    setup_django(data_dir)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "entries": args.entries,
        "vectors": args.vectors,
    }
    from django.conf import settings

    if args.recall_only:
        from proxy.models import Team

        team = Team.objects.create(name="bench")
        model = settings.LAYERCACHE_EMBEDDING_MODEL
        report["load"] = bulk_load(args.entries, args.entries // 10, LARGE_CONTEXT, team.id, model, args.vectors)
        contexts = {"large context": LARGE_CONTEXT, "small context": synthetic_context(1)}
        report["recall"] = recall(args.queries, team.id, contexts, parse_efs(args.efs))
        return report

    provider_port, gateway_port = free_port(), free_port()
    env = dict(os.environ, **{UPSTREAM_KEY_ENV: "sk-bench"})
    from django.db import connection

    env["DATABASE_URL"] = f"postgresql://postgres:@/postgres?host={connection.settings_dict['HOST']}"
    env["SECRET_KEY"] = settings.SECRET_KEY
    provider_base = f"http://127.0.0.1:{provider_port}"
    with process(
        [sys.executable, "-m", "tests.fake_provider", "--port", str(provider_port)], env, data_dir / "provider.log"
    ):
        wait_http(f"{provider_base}/v1/models")
        plaintext = make_world(provider_base)
        bare_port = free_port()
        daphne = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p"]
        with (
            process([*daphne, str(bare_port), "tests.benchmarks.bare_asgi:application"], env, data_dir / "bare.log"),
            process([*daphne, str(gateway_port), "layercache_site.asgi:application"], env, data_dir / "gateway.log"),
        ):
            targets = {
                "bare": f"http://127.0.0.1:{bare_port}/v1/chat/completions",
                "provider": f"{provider_base}/v1/chat/completions",
                "gateway": f"http://127.0.0.1:{gateway_port}/v1/chat/completions",
            }
            wait_http(targets["bare"])
            wait_http(f"http://127.0.0.1:{gateway_port}/health")
            report.update(measure(targets, plaintext, args))
    return report


LARGE_CONTEXT = "bench-large-context"
EXACT_QUESTION = "What is the exact-hit benchmark question?"
DAY = 86_400


def measure(targets: dict[str, str], plaintext: str, args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings

    from proxy.models import Team
    from semantic_cache.models import CacheEntry

    url = targets["gateway"]
    auth = {"authorization": f"Bearer {plaintext}"}
    out: dict[str, Any] = {}
    with httpx.Client(timeout=30) as client:
        # Warm-up: the first semantic request loads the model in the gateway.
        for i in range(20):
            timed(client, url, body(f"warm-up question number {i} about python lists"), auth)
        wait_entries(20)

        # Real entries: the "a" side of every labelled pair.
        pairs = {
            "tuning": load_pairs("near_miss.jsonl") + load_pairs("near_miss_holdout.jsonl"),
            "held-out B": load_pairs("near_miss_holdout_b.jsonl"),
        }
        for name in args.held_out:
            pairs[f"held-out {name}"] = load_pairs(name)
        stored_a = sorted({pair["a"] for group in pairs.values() for pair in group})
        for text in stored_a:
            # A day's TTL: the bulk load below can outlast the default five minutes.
            timed(client, url, body(text, lc_cache_ttl=DAY), auth)
        wait_entries(20 + len(stored_a))
        sample = CacheEntry.objects.filter(query_text__in=stored_a[:1]).first()
        assert sample is not None
        team = Team.objects.get(name="bench")
        share = args.entries // 10
        out["load"] = bulk_load(
            args.entries, share, sample.context_fingerprint, team.id, settings.LAYERCACHE_EMBEDDING_MODEL, args.vectors
        )
        out["context_rows"] = CacheEntry.objects.filter(context_fingerprint=sample.context_fingerprint).count()
        out["table_rows"] = CacheEntry.objects.count()

        # False hits: every "b" once, through the gateway, among all stored "a"s and the
        # synthetic rows (lc_cache_ttl 0: a "b" is never stored itself). A hit is scored
        # by the question whose answer was served: b's own text or, for a paraphrase, its
        # pair's "a" is right; for a near miss, its pair's "a" is wrong. Another pair's "a"
        # is not labelled against this "b": such hits are listed for a reader to judge.
        by_prefix = {f"Answer to: {text[:60]}": text for text in stored_a}
        outcomes: dict[str, dict[str, list[str]]] = {}
        unlabelled: list[str] = []
        semantic_hits: list[str] = []
        for group, rows in pairs.items():
            for pair in rows:
                response = timed(client, url, body(pair["b"], lc_cache_ttl=0), auth)[1]
                status = response.headers["x-layercache-cache"]
                source = by_prefix.get(response.json()["choices"][0]["message"]["content"], "")
                if status == "SEMANTIC_HIT":
                    semantic_hits.append(pair["b"])
                if status not in ("SEMANTIC_HIT", "HIT"):
                    verdict = "miss"
                elif source == pair["b"] or (pair["same"] and source == pair["a"]):
                    verdict = "right"
                elif source == pair["a"]:
                    verdict = "wrong"
                else:
                    verdict = "unlabelled"
                    unlabelled.append(f"{group} [{pair['kind']}] {pair['b']!r} was served the answer to {source!r}")
                kind = "paraphrase" if pair["same"] else "near miss"
                outcomes.setdefault(group, {}).setdefault(kind, []).append(verdict)
        out["outcomes"] = outcomes
        out["unlabelled_hits"] = unlabelled

        timed(client, url, body(EXACT_QUESTION, lc_cache_ttl=DAY), auth)
        wait_entries(out["table_rows"] + 1)

        # Latency, interleaved: one request of each path per round, so the load of a shared
        # machine falls on every path alike.
        paths: dict[str, tuple[str, Any, dict[str, str], str | None]] = {
            "bare Daphne app (floor)": (targets["bare"], lambda i: body("bare"), {}, None),
            "fake provider, direct": (
                targets["provider"],
                lambda i: {**body("direct baseline question"), "model": "gpt-4o"},
                {"authorization": "Bearer sk-bench"},
                None,
            ),
            "gateway MISS path (lc_bypass_cache)": (
                url,
                lambda i: body("bypass baseline question", lc_bypass_cache=True),
                auth,
                "BYPASS",
            ),
            "exact HIT": (url, lambda i: body(EXACT_QUESTION), auth, "HIT"),
            "SEMANTIC_HIT": (
                url,
                lambda i: body(semantic_hits[i % len(semantic_hits)], lc_cache_ttl=0),
                auth,
                "SEMANTIC_HIT",
            ),
        }
        latency: dict[str, list[float]] = {name: [] for name in paths}
        for i in range(args.requests):
            for name, (target, make_body, headers, expected) in paths.items():
                took, response = timed(client, target, make_body(i), headers)
                if expected is not None:
                    assert response.headers["x-layercache-cache"] == expected, (name, response.headers)
                latency[name].append(took)
        out["latency"] = latency
    print_report({**out, "machine": "", "entries": args.entries, "vectors": args.vectors, "recall": []})
    contexts = {"benchmark context": sample.context_fingerprint, "small context": synthetic_context(1)}
    out["recall"] = recall(args.queries, team.id, contexts, parse_efs(args.efs))
    return out


def parse_efs(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(","))


def print_report(report: dict[str, Any]) -> None:
    print(
        f"\nMachine: {report['machine']}; synthetic entries loaded: {report['entries']} "
        f"({report.get('vectors', 'random')} vectors)"
    )
    if "table_rows" in report:
        print(f"Table rows: {report['table_rows']}; rows in the benchmark's context: {report['context_rows']}")
    load = report["load"]
    print(
        f"Bulk load: {load['load_s']:.1f} s; HNSW build (m=16, ef_construction=64, 2 workers): {load['index_s']:.1f} s\n"
    )
    if "latency" in report:
        print("| path | n | p50 ms | p99 ms |\n|---|---:|---:|---:|")
        for name, values in report["latency"].items():
            print(f"| {name} | {len(values)} | {percentile(values, 50):.2f} | {percentile(values, 99):.2f} |")
        print("\n| set | kind | pairs | right hit | wrong hit | hit on another pair's question | miss |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for group, kinds in report["outcomes"].items():
            for kind, verdicts in kinds.items():
                counts = [verdicts.count(v) for v in ("right", "wrong", "unlabelled", "miss")]
                print(f"| {group} | {kind} | {len(verdicts)} | " + " | ".join(str(c) for c in counts) + " |")
        print("\nHits on another pair's question (judge by hand):")
        for line in report["unlabelled_hits"]:
            print(f"- {line}")
    print(
        "\n| partition | ef_search (rows scanned) | recall@1 vs exact search in the partition | search p50 ms | p99 ms |"
        "\n|---|---:|---:|---:|---:|"
    )
    for row in report["recall"]:
        print(
            f"| {row['partition']} | {row['ef_search']} | {row['recall@1']:.3f} | {row['search_p50_ms']:.2f} "
            f"| {row['search_p99_ms']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--recall-only", action="store_true")
    parser.add_argument(
        "--vectors",
        choices=("random", "clustered"),
        default="random",
        help="synthetic rows: uniformly random unit vectors (the worst case for HNSW) or noisy "
        "variants of real embeddings of templated questions (closer to a real cache)",
    )
    parser.add_argument(
        "--held-out",
        action="append",
        default=[],
        metavar="FILE",
        help="an eval_data file to report apart (a held-out set, evaluated once the guards are frozen)",
    )
    parser.add_argument("--efs", default="40,100,400", help="ef_search values for the recall table")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = run(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    print_report(report)


if __name__ == "__main__":
    main()
