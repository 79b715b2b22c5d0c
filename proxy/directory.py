"""Read-mostly lookups on the hot path: API keys -> principals, route names -> routes.

Both are cached in process and tagged with a config generation kept in Redis. Saving a key,
team or route replaces the generation token (signals.py), so an admin edit applies to the next request
in every process without a restart. Without Redis, entries live for a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.utils import timezone

from layercache_site import redis_store
from proxy.keys import hash_key, lookup_of, matches
from proxy.models import ApiKey, ModelRoute
from proxy.principal import Principal
from proxy.route_spec import RouteKind, RouteSpec

GENERATION_KEY = "lc:config-generation"
P = ParamSpec("P")
T = TypeVar("T")
_LOCAL_TTL = 1.0


class Snapshot:
    """Principals and routes as of one config generation."""

    def __init__(self, generation: bytes | None, epoch: int) -> None:
        self.generation = generation
        self.epoch = epoch
        self.loaded_at = time.monotonic()
        self.principals: dict[str, Principal | None] = {}
        self.routes: dict[str, RouteSpec] | None = None

    def fresh(self, generation: bytes | None, epoch: int) -> bool:
        if epoch != self.epoch:
            return False
        if generation is None:
            return time.monotonic() - self.loaded_at < _LOCAL_TTL
        return generation == self.generation


# Bumped by every invalidation in this process: a change saved here is seen here at once,
# even while Redis (which carries it to the other processes) is unreachable.
_local_epoch = 0


def invalidate() -> None:
    """Keys, teams or routes changed: every process's snapshot is stale (through Redis)."""
    global _local_epoch
    _local_epoch += 1
    redis_store.new_generation(GENERATION_KEY)


class Directory:
    """The process's cache of principals and routes, one snapshot per config generation.

    A request takes `snapshot()` once (one Redis round trip) and passes it on, so it checks
    the generation once. `cached=False` makes a directory that reads the database every
    time (for the rare caller outside a server process).
    """

    def __init__(self, cached: bool = True) -> None:
        self.cached = cached
        self._snapshot = Snapshot(None, -1)

    async def snapshot(self) -> Snapshot:
        if not self.cached:
            return Snapshot(None, _local_epoch)
        generation = await redis_store.current_generation(GENERATION_KEY)
        if not self._snapshot.fresh(generation, _local_epoch):
            self._snapshot = Snapshot(generation, _local_epoch)
        return self._snapshot

    def snapshot_sync(self) -> Snapshot:
        """The same from synchronous code (the management APIs' auth)."""
        if not self.cached:
            return Snapshot(None, _local_epoch)
        generation = redis_store.sync_call("get", GENERATION_KEY)
        generation = generation if isinstance(generation, bytes) else None
        if not self._snapshot.fresh(generation, _local_epoch):
            self._snapshot = Snapshot(generation, _local_epoch)
        return self._snapshot

    async def principal_for(self, plaintext: str, snapshot: Snapshot) -> Principal | None:
        """The principal of a valid, unrevoked, unexpired key; None otherwise."""
        # Keyed by the keyed hash, so no plaintext key is kept in memory longer than a request.
        digest = hash_key(plaintext)
        if digest in snapshot.principals:
            principal = snapshot.principals[digest]
        else:
            principal = await sync_to_async(_in_worker(load_principal), thread_sensitive=False)(plaintext)
            _remember(snapshot, digest, principal)
        return _unexpired(principal)

    def principal_for_sync(self, plaintext: str) -> Principal | None:
        snapshot = self.snapshot_sync()
        digest = hash_key(plaintext)
        if digest in snapshot.principals:
            return _unexpired(snapshot.principals[digest])
        principal = load_principal(plaintext)
        _remember(snapshot, digest, principal)
        return _unexpired(principal)

    async def routes(self, snapshot: Snapshot) -> dict[str, RouteSpec]:
        if snapshot.routes is None:
            snapshot.routes = await sync_to_async(_in_worker(_load_routes), thread_sensitive=False)()
        return snapshot.routes


def _remember(snapshot: Snapshot, digest: str, principal: Principal | None) -> None:
    if len(snapshot.principals) > 10_000:
        snapshot.principals.clear()
    snapshot.principals[digest] = principal


def _unexpired(principal: Principal | None) -> Principal | None:
    if principal is not None and principal.expires_at is not None and principal.expires_at <= timezone.now():
        return None
    return principal


def _in_worker(function: Callable[P, T]) -> Callable[P, T]:
    """Wrap a database read for a thread_sensitive=False worker thread.

    Worker threads outlive requests, so Django's per-request connection cleanup never
    reaches them: drop a broken or expired connection first (e.g. after a database restart).
    """

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        close_old_connections()
        return function(*args, **kwargs)

    return run


def load_principal(plaintext: str) -> Principal | None:
    lookup = lookup_of(plaintext)
    if lookup is None:
        return None
    key = ApiKey.objects.select_related("team").filter(prefix=lookup, revoked=False).first()
    if key is None or not matches(plaintext, key.key_hash):
        return None
    scope_ids = frozenset(key.scopes.values_list("id", flat=True))
    return Principal(
        team_id=key.team_id,
        team_name=key.team.name,
        team_cache_scope=key.team.cache_scope,
        key_id=key.id,
        key_prefix=key.prefix,
        allowed_route_ids=scope_ids or None,
        rpm_limit=key.rpm_limit,
        tpm_limit=key.tpm_limit,
        monthly_budget_usd=key.monthly_budget_usd,
        expires_at=key.expires_at,
    )


def _load_routes() -> dict[str, RouteSpec]:
    routes: dict[str, RouteSpec] = {}
    for route in ModelRoute.objects.enabled().prefetch_related("fallback_links__fallback"):
        routes[route.name] = RouteSpec(
            id=route.id,
            name=route.name,
            model=route.model,
            api_base=route.api_base,
            api_key_env=route.api_key_env,
            price_input=route.price_input,
            price_cached_input=route.price_cached_input,
            price_cache_write=route.price_cache_write,
            price_output=route.price_output,
            timeout_seconds=route.timeout_seconds,
            retries=route.retries,
            min_cacheable_tokens=route.min_cacheable_tokens,
            hoist_volatile=route.hoist_volatile,
            anthropic_cache_ttl=route.anthropic_cache_ttl,
            max_session_tokens=route.max_session_tokens,
            fallback_names=tuple(link.fallback.name for link in route.fallback_links.all()),
            cache_tool_calls=route.cache_tool_calls,
            semantic_cache_enabled=route.semantic_cache_enabled,
            semantic_cache_threshold=route.semantic_cache_threshold,
            kind=RouteKind(route.kind),
            semantic_verifier=route.semantic_verifier,
        )
    return routes
