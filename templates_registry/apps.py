from __future__ import annotations

from django.apps import AppConfig


class TemplatesRegistryConfig(AppConfig):
    name = "templates_registry"
    default_auto_field = "django.db.models.BigAutoField"
