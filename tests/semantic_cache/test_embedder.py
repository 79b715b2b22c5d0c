"""The embedder with the REAL all-MiniLM-L6-v2 model, built offline into a temp folder."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from semantic_cache import embedder as embedder_module
from semantic_cache.embedder import (
    DEFAULT_EMBEDDING_MODEL,
    MINILM_MAX_LENGTH,
    Embedder,
    FastEmbedEmbedder,
    HashingTestEmbedder,
    bundled_weights_dir,
    get_embedder,
    load_embedder,
    prepare_model_dir,
    reset_embedder,
)
from semantic_cache.onnx_export import export_model_bytes

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# fastembed's own reference values for this model (its test suite), tolerance 1e-3.
HELLO_WORLD_FIRST_FIVE = [-0.034478, 0.03102, 0.00673, 0.02611, -0.039362]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def real_embedder(models_dir: Path) -> Embedder:
    return load_embedder(DEFAULT_EMBEDDING_MODEL, models_dir)


def _cosine(embedder: Embedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return float(va @ vb)


def test_it_reproduces_fastembeds_reference_vector_for_hello_world(
    real_embedder: Embedder,
) -> None:
    vector = real_embedder.embed_one("hello world")
    assert vector.shape == (384,)
    np.testing.assert_allclose(vector[:5], HELLO_WORLD_FIRST_FIVE, atol=1e-3)


def test_it_returns_unit_length_float32_rows(real_embedder: Embedder) -> None:
    vectors = real_embedder.embed(["hello world", "a much longer sentence " * 20, "x"])
    assert vectors.shape == (3, real_embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_it_returns_no_rows_for_no_texts(real_embedder: Embedder) -> None:
    assert real_embedder.embed([]).shape == (0, real_embedder.dim)


def test_it_embeds_a_text_the_same_alone_and_in_a_padded_batch(
    real_embedder: Embedder,
) -> None:
    # Padding in a batch must not leak into the short text's vector (attention mask).
    alone = real_embedder.embed_one("hello world")
    batched = real_embedder.embed(["hello world", "a far longer text " * 30])[0]
    np.testing.assert_allclose(alone, batched, atol=1e-5)


def test_it_scores_a_paraphrase_above_an_unrelated_sentence(
    real_embedder: Embedder,
) -> None:
    question = "How do I reverse a list in Python?"
    paraphrase = _cosine(real_embedder, question, "What's the way to reverse a Python list?")
    unrelated = _cosine(real_embedder, question, "The weather in Lisbon is mild in winter.")
    assert paraphrase > 0.8
    assert unrelated < 0.3


def test_it_builds_byte_identical_onnx_twice() -> None:
    weights_dir = bundled_weights_dir(DEFAULT_EMBEDDING_MODEL)
    assert weights_dir is not None
    first = export_model_bytes(weights_dir / "model.safetensors")
    second = export_model_bytes(weights_dir / "model.safetensors")
    assert first == second


def test_it_prepares_the_model_dir_idempotently(models_dir: Path) -> None:
    first = prepare_model_dir(DEFAULT_EMBEDDING_MODEL, models_dir)
    assert first is not None
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in first.iterdir()}

    second = prepare_model_dir(DEFAULT_EMBEDDING_MODEL, models_dir)

    assert second == first
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in first.iterdir()}
    assert after == before
    assert set(before) == {
        "model.onnx",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "config.json",
    }


def test_it_writes_a_tokenizer_config_fastembed_accepts(models_dir: Path) -> None:
    import json

    model_dir = prepare_model_dir(DEFAULT_EMBEDDING_MODEL, models_dir)
    assert model_dir is not None
    config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert config["model_max_length"] == MINILM_MAX_LENGTH
    assert config["pad_token"] == "[PAD]"


def test_it_survives_two_preparations_racing(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: prepare_model_dir(DEFAULT_EMBEDDING_MODEL, tmp_path), range(2)))
    assert results[0] == results[1]
    assert results[0] is not None
    assert [p.name for p in results[0].iterdir() if p.name.endswith(".tmp")] == []
    vector = FastEmbedEmbedder(DEFAULT_EMBEDDING_MODEL, results[0]).embed_one("hello world")
    np.testing.assert_allclose(vector[:5], HELLO_WORLD_FIRST_FIVE, atol=1e-3)


def test_it_leaves_models_it_does_not_bundle_to_fastembeds_cache(
    tmp_path: Path,
) -> None:
    assert prepare_model_dir("BAAI/bge-small-en-v1.5", tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_it_fails_fast_on_a_folder_without_the_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"model\.onnx"):
        FastEmbedEmbedder(DEFAULT_EMBEDDING_MODEL, tmp_path)


def test_it_does_not_import_fastembed_or_onnx_on_import() -> None:
    code = (
        "import sys, semantic_cache.embedder; "
        "print(sorted(m for m in ('fastembed', 'onnx', 'onnxruntime') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_it_creates_the_process_embedder_once_under_concurrency(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[str, Path]] = []

    def fake_load(model_name: str, models_dir: Path) -> Embedder:
        calls.append((model_name, models_dir))
        return HashingTestEmbedder(model_name=model_name)

    monkeypatch.setattr(embedder_module, "load_embedder", fake_load)
    monkeypatch.setattr(
        embedder_module,
        "embedding_settings",
        lambda: ("some/model", tmp_path / "models"),
    )
    reset_embedder()
    try:
        start = threading.Barrier(8)
        seen: list[Embedder] = []

        def grab() -> None:
            start.wait()
            seen.append(get_embedder())

        threads = [threading.Thread(target=grab) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        reset_embedder()

    assert calls == [("some/model", tmp_path / "models")]
    assert len({id(e) for e in seen}) == 1
    assert seen[0].model_name == "some/model"


def test_it_reads_the_model_and_data_dir_from_django_settings(tmp_path: Path) -> None:
    from django.conf import settings
    from django.test import override_settings

    if not settings.configured:
        settings.configure()
    with override_settings(
        LAYERCACHE_EMBEDDING_MODEL="BAAI/bge-small-en-v1.5",
        LAYERCACHE_DATA_DIR=tmp_path,
    ):
        assert embedder_module.embedding_settings() == (
            "BAAI/bge-small-en-v1.5",
            tmp_path / "models",
        )


def test_the_hashing_embedder_is_deterministic_and_normalised() -> None:
    fake = HashingTestEmbedder()
    a = fake.embed(["turn on the light", "turn on the lights", "stock prices fell"])
    b = HashingTestEmbedder().embed(["turn on the light", "turn on the lights", "stock prices fell"])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert float(a[0] @ a[1]) > float(a[0] @ a[2])
    assert isinstance(fake, Embedder)


def test_the_prepare_command_prints_the_folder_and_the_hello_world_check(
    models_dir: Path,
) -> None:
    import io

    from django.conf import settings
    from django.core.management import call_command

    from semantic_cache.management.commands.prepare_embedding_model import Command

    if not settings.configured:
        settings.configure()
    out = io.StringIO()
    call_command(Command(), "--models-dir", str(models_dir), stdout=out)
    text = out.getvalue()
    assert f"prepared in {models_dir / 'sentence-transformers__all-MiniLM-L6-v2'}" in text
    assert "(384 dims): [-0.0344" in text
