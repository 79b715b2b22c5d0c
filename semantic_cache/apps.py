from __future__ import annotations

from django.apps import AppConfig


class SemanticCacheConfig(AppConfig):
    name = "semantic_cache"
    default_auto_field = "django.db.models.BigAutoField"
