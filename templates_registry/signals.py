"""Any saved or deleted template or version invalidates the hot-path lookups everywhere."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from templates_registry import lookup
from templates_registry.models import PromptTemplate, PromptTemplateVersion


@receiver([post_save, post_delete], sender=PromptTemplate)
@receiver([post_save, post_delete], sender=PromptTemplateVersion)
def _templates_changed(sender: Any, **kwargs: Any) -> None:
    # After commit: another process must not reload before it can see the change.
    transaction.on_commit(lookup.invalidate)
