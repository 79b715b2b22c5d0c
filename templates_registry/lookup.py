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
    def __init__(self, generation: bytes | None = None) -> None:
        self.generation = generation
        self.loaded_at = time.monotonic()
        self.resolved: dict[ResolutionKey, CompiledTemplate | None] = {}

    def fresh(self, generation: bytes | None) -> bool:
        if generation is None:
            return time.monotonic() - self.loaded_at < _LOCAL_TTL
        return generation == self.generation


_snapshot = _Snapshot()
_compiled: dict[int, CompiledTemplate] = {}


def invalidate() -> None:
    """Forget resolved templates here and, through Redis, in every other process."""
    global _snapshot
    _snapshot = _Snapshot()
    redis_store.new_generation(GENERATION_KEY)


def load(team_id: int, name: str, pinned: int | None) -> CompiledTemplate | None:
    """The version a request names: the active one, or the pinned number; None if none."""
    template = PromptTemplate.objects.for_team(team_id).usable().named(name)
    if template is None:
        return None
    versions = template.versions.filter(version=pinned) if pinned is not None else template.versions.active()
    version = versions.first()
    if version is None:
        return None
    version.template = template
    compiled = _compiled.get(version.pk)
    if compiled is None:
        compiled = compile_version(version)
        if len(_compiled) > _MAX_ENTRIES:
            _compiled.clear()
        _compiled[version.pk] = compiled
    return compiled


async def resolve(team_id: int, name: str, pinned: int | None) -> CompiledTemplate | None:
    global _snapshot
    generation = await redis_store.current_generation(GENERATION_KEY)
    if not _snapshot.fresh(generation):
        _snapshot = _Snapshot(generation)
    key = (team_id, name, pinned)
    if key in _snapshot.resolved:
        return _snapshot.resolved[key]
    compiled = await sync_to_async(load, thread_sensitive=False)(team_id, name, pinned)
    if len(_snapshot.resolved) > _MAX_ENTRIES:
        _snapshot.resolved.clear()
    _snapshot.resolved[key] = compiled
    return compiled
