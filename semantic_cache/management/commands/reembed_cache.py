"""Re-embed cache entries (and few-shot examples) with the configured embedding model."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from semantic_cache import maintenance
from semantic_cache.embedder import get_embedder


class Command(BaseCommand):
    help = "Re-embed response-cache entries and few-shot examples whose vectors come from another model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=256)

    def handle(self, *args: Any, **options: Any) -> None:
        embedder = get_embedder()
        self.stdout.write(f"model: {embedder.model_name}")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total}")

        self.stdout.write("cache entries:")
        entries = maintenance.reembed_entries(embedder, options["batch_size"], progress)
        self.stdout.write("few-shot examples:")
        examples = maintenance.embed_few_shot_examples(embedder, options["batch_size"], progress)
        self.stdout.write(self.style.SUCCESS(f"re-embedded {entries} entries and {examples} examples"))
