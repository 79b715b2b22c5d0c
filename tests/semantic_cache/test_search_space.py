"""The partition codes that let one HNSW index serve filtered searches (pure functions)."""

from __future__ import annotations

import numpy as np

from semantic_cache.eligibility import DEFAULT_SIMILARITY_THRESHOLD
from semantic_cache.search_space import CODE_DIM, CODE_WEIGHT, partition_code, search_dim, search_vector


def _unit(seed: int, dim: int = 384) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _code(
    team: int = 1,
    fingerprint: str = "ctx",
    scope: str = "team",
    key_id: int | None = None,
    session_id: str = "",
    wire: str = "openai",
    model_name: str = "m",
) -> np.ndarray:
    return partition_code(team, scope, key_id, session_id, fingerprint, wire, model_name)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_a_code_is_a_deterministic_unit_vector() -> None:
    code = _code()
    assert code.shape == (CODE_DIM,) and code.dtype == np.float32
    assert abs(float(np.linalg.norm(code)) - 1.0) < 1e-6
    assert np.array_equal(code, _code())


def test_every_filtered_field_changes_the_code() -> None:
    base = _code()
    variants = [
        _code(team=2),
        _code(fingerprint="other"),
        _code(scope="key", key_id=7),
        _code(scope="session", session_id="s1"),
        _code(wire="anthropic"),
        _code(model_name="other-model"),
    ]
    for variant in variants:
        assert abs(float(base @ variant)) < 0.6


def test_within_a_partition_the_order_is_the_embeddings_own() -> None:
    code = _code()
    a, b = _unit(1), _unit(2)
    sa, sb = search_vector(a, code), search_vector(b, code)
    assert sa.shape == (search_dim(384),)
    assert np.array_equal(sa[:384], a)  # the database builds a query's search vector this way
    assert abs(_cosine(sa, sb) - (float(a @ b) + CODE_WEIGHT) / (1.0 + CODE_WEIGHT)) < 1e-6


def test_the_same_question_in_another_partition_ranks_below_a_paraphrase_in_this_one() -> None:
    query = _unit(3)
    paraphrase = query + 0.55 * _unit(4)  # cosine ~0.88: just above the default threshold
    paraphrase /= np.linalg.norm(paraphrase)
    mine, theirs = _code(team=1), _code(team=2)
    probe = search_vector(query, mine)
    assert float(query @ paraphrase) > 0.85
    assert _cosine(probe, search_vector(paraphrase, mine)) > _cosine(probe, search_vector(query, theirs))


def test_codes_of_many_partitions_are_nearly_orthogonal() -> None:
    codes = np.stack([_code(fingerprint=f"ctx-{i}") for i in range(300)])
    dots = codes @ codes.T
    np.fill_diagonal(dots, 0.0)

    # How far apart two codes must be for a row at similarity t to outrank any row of the
    # other partition, the same question included.
    def margin(t: float) -> float:
        return 1.0 - (1.0 - t) / CODE_WEIGHT

    assert float(np.abs(dots).max()) < margin(0.85)
    # At the default 0.8 a few pairs of partitions are closer than that (|dot| >= 0.4: about
    # 1 in 700 pairs of 64 random dimensions): a row of one may then outrank the other's rows
    # near the threshold in a scan. That can crowd a scan (the short-scan fallback covers it),
    # never cross the filter, which alone isolates partitions.
    pairs = len(codes) * (len(codes) - 1)
    assert DEFAULT_SIMILARITY_THRESHOLD >= 0.8
    assert float((np.abs(dots) >= margin(DEFAULT_SIMILARITY_THRESHOLD)).sum()) / pairs < 0.005
