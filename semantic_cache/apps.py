from __future__ import annotations

from django.apps import AppConfig


class SemanticCacheConfig(AppConfig):
    name = "semantic_cache"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # dynamic_few_shot picks examples by embedding similarity once this app is loaded;
        # the pipeline itself knows nothing about Django or the database.
        from proxy.prepare import set_few_shot_source
        from semantic_cache.few_shot import picker_source

        set_few_shot_source(picker_source)
