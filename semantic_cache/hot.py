"""Recently served exact answers, kept in this process: an exact hit without SQL.

An exact hit from Postgres costs a worker-thread hop and an indexed read (~1.5 ms of CPU
here, most of the hit's own cost); from this map it costs one Redis round trip, which
proves the copy is still the stored answer. Two tokens in Redis decide that:

- the team's cache generation, replaced whenever entries are invalidated in bulk
  (`CacheEntryQuerySet.invalidate`: the API, the admin), so no process keeps serving an
  answer someone deleted;
- the entry's version, replaced on every store of that exact key, so an answer re-stored
  by another process (after `Cache-Control: no-cache`, say) replaces this copy too.

Both are read *before* the database read that fills the map, so an invalidation that
lands between the two makes the copy stale at once rather than valid. Without Redis the
map is not used at all: nothing could tell a stale copy from a good one. Expiry and
`max-age` are checked on the copy itself.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from layercache_site import redis_store
from semantic_cache.generations import generation_key
from semantic_cache.lookup import Found
from semantic_cache.models import CacheScope

# Versions outlive their entries a little, so a copy never outlives its version.
_VERSION_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class Tokens:
    """What Redis said about a team and an entry when a copy was made or checked."""

    generation: bytes
    version: bytes | None


@dataclass(frozen=True)
class HotKey:
    scope: CacheScope
    exact_key: str
    wire: str

    def version_key(self) -> str:
        partition = f"{self.scope.scope}|{self.scope.key_id}|{self.scope.session_id}|{self.wire}|{self.exact_key}"
        digest = hashlib.sha256(partition.encode()).hexdigest()[:32]
        return f"lc:cache-version:{self.scope.team_id}:{digest}"


async def read_tokens(key: HotKey) -> Tokens | None:
    """The team's generation and the entry's version in one round trip; None without Redis."""
    client = redis_store.async_client()
    if client is None:
        return None
    team_key = generation_key(key.scope.team_id)
    try:
        generation, version = await client.mget(team_key, key.version_key())
        if generation is None:
            # Redis lost the key (restart, flush): start a generation no copy has seen.
            await client.set(team_key, uuid.uuid4().hex, nx=True)
            generation = await client.get(team_key)
    except redis_store.RedisError as exc:
        redis_store.mark_failure(exc)
        return None
    if not isinstance(generation, bytes):
        return None
    return Tokens(generation, version if isinstance(version, bytes) else None)


async def mark_stored(key: HotKey, ttl_seconds: int) -> None:
    """A new answer was stored under this key: copies of the previous one are stale."""
    client = redis_store.async_client()
    if client is None:
        return
    try:
        await client.set(key.version_key(), uuid.uuid4().hex, ex=ttl_seconds + _VERSION_MARGIN_SECONDS)
    except redis_store.RedisError as exc:
        redis_store.mark_failure(exc)


@dataclass(frozen=True)
class HotAnswer:
    found: Found
    tokens: Tokens


class HotAnswers:
    """A bounded LRU map from exact key to the stored answer, with the tokens it was read at."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[HotKey, HotAnswer] = OrderedDict()

    def get(self, key: HotKey, tokens: Tokens, max_age_seconds: int | None) -> Found | None:
        """The stored answer if this process holds a copy the tokens prove current."""
        answer = self._answers.get(key)
        if answer is None:
            return None
        now = timezone.now()
        if answer.tokens != tokens or answer.found.expires_at <= now:
            del self._answers[key]
            return None
        if max_age_seconds is not None and answer.found.created_at < now - timedelta(seconds=max_age_seconds):
            return None  # too old for this request, not for others
        self._answers.move_to_end(key)
        return answer.found

    def put(self, key: HotKey, found: Found, tokens: Tokens) -> None:
        """Keep an exact answer read from the database after `tokens` were read."""
        if self.capacity <= 0:
            return
        self._answers[key] = HotAnswer(found, tokens)
        self._answers.move_to_end(key)
        while len(self._answers) > self.capacity:
            self._answers.popitem(last=False)

    def clear(self) -> None:
        self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)
