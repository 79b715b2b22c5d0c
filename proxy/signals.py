"""Any change to keys, teams or routes invalidates the hot-path caches everywhere."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from proxy import directory
from proxy.models import ApiKey, ModelRoute, RouteFallback, Team


@receiver([post_save, post_delete], sender=ApiKey)
@receiver([post_save, post_delete], sender=Team)
@receiver([post_save, post_delete], sender=ModelRoute)
@receiver([post_save, post_delete], sender=RouteFallback)
def _config_changed(sender: Any, **kwargs: Any) -> None:
    directory.invalidate()


@receiver(m2m_changed, sender=ApiKey.scopes.through)
def _scopes_changed(sender: Any, **kwargs: Any) -> None:
    directory.invalidate()
