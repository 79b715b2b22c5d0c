from __future__ import annotations

from django.apps import AppConfig


class TemplatesRegistryConfig(AppConfig):
    name = "templates_registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from templates_registry import signals  # noqa: F401  (connects the receivers)
