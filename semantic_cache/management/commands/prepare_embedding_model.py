"""`manage.py prepare_embedding_model`: build the offline model folder ahead of first use.

Run it at deploy time (or in CI) so the first request that needs an embedding does not pay
the ~1 s ONNX build, and so a broken install fails the deploy instead of a request.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from semantic_cache.embedder import embedding_settings, load_embedder, prepare_model_dir


class Command(BaseCommand):
    help = "Prepare the embedding model folder and check that it embeds 'hello world'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--model", help="model name (default: LAYERCACHE_EMBEDDING_MODEL)")
        parser.add_argument("--models-dir", type=Path, help="default: LAYERCACHE_DATA_DIR / 'models'")

    def handle(self, *args: Any, **options: Any) -> None:
        default_model, default_dir = embedding_settings()
        model_name: str = options["model"] or default_model
        models_dir: Path = options["models_dir"] or default_dir

        model_dir = prepare_model_dir(model_name, models_dir)
        if model_dir is None:
            self.stdout.write(f"{model_name}: not bundled; fastembed will use its own cache")
        else:
            self.stdout.write(f"{model_name}: prepared in {model_dir}")

        vector = load_embedder(model_name, models_dir).embed_one("hello world")
        first_five = ", ".join(f"{x:.6f}" for x in vector[:5])
        self.stdout.write(f"self-check 'hello world' ({vector.shape[0]} dims): [{first_five}]")
