"""The hot path's view of templates: compiled versions cached in process.

Which version a (team, name[@version]) resolves to is cached and tagged with a generation
kept in Redis; every template write sets a new random generation (so a Redis flush or restart
can never bring an old value back), and each process drops its entries on the next request.
Without Redis, entries live for a second. Compiled versions are immutable and cached by id.
"""

from __future__ import annotations

import time

from asgiref.sync import sync_to_async

from layercache_site import redis_store
from templates_registry.models import PromptTemplate
from templates_registry.render import CompiledTemplate, compile_version

GENERATION_KEY = "lc:templates-generation"
_LOCAL_TTL = 1.0
_MAX_ENTRIES = 10_000

ResolutionKey = tuple[int, str, int | None]


class _Snapshot:
    def __init__(self, generation: bytes | None, epoch: int) -> None:
        self.generation = generation
        self.epoch = epoch
        self.loaded_at = time.monotonic()
        self.resolved: dict[ResolutionKey, CompiledTemplate | None] = {}

    def fresh(self, generation: bytes | None, epoch: int) -> bool:
        if epoch != self.epoch:
            return False
        if generation is None:
            return time.monotonic() - self.loaded_at < _LOCAL_TTL
        return generation == self.generation


# Bumped by every template write in this process: seen here at once, even without Redis.
_local_epoch = 0


def invalidate() -> None:
    """Templates changed: every process's resolutions are stale (through Redis)."""
    global _local_epoch
    _local_epoch += 1
    redis_store.new_generation(GENERATION_KEY)


class TemplateDirectory:
    """A process's resolved and compiled templates (the gateway's services hold one)."""

    def __init__(self) -> None:
        self._snapshot = _Snapshot(None, -1)
        self._compiled: dict[int, CompiledTemplate] = {}

    def load(self, team_id: int, name: str, pinned: int | None) -> CompiledTemplate | None:
        """The version a request names: the active one, or the pinned number; None if none."""
        template = PromptTemplate.objects.for_team(team_id).usable().named(name)
        if template is None:
            return None
        versions = template.versions.filter(version=pinned) if pinned is not None else template.versions.active()
        version = versions.first()
        if version is None:
            return None
        version.template = template
        compiled = self._compiled.get(version.pk)
        if compiled is None:
            compiled = compile_version(version)
            if len(self._compiled) > _MAX_ENTRIES:
                self._compiled.clear()
            self._compiled[version.pk] = compiled
        return compiled

    async def resolve(self, team_id: int, name: str, pinned: int | None) -> CompiledTemplate | None:
        generation = await redis_store.current_generation(GENERATION_KEY)
        if not self._snapshot.fresh(generation, _local_epoch):
            self._snapshot = _Snapshot(generation, _local_epoch)
        snapshot = self._snapshot
        key = (team_id, name, pinned)
        if key in snapshot.resolved:
            return snapshot.resolved[key]
        compiled = await sync_to_async(self.load, thread_sensitive=False)(team_id, name, pinned)
        if len(snapshot.resolved) > _MAX_ENTRIES:
            snapshot.resolved.clear()
        snapshot.resolved[key] = compiled
        return compiled
