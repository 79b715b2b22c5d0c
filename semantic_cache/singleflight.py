"""Single-flight: concurrent identical requests make one upstream call.

The first request for an exact key takes a lease in Redis (`SET NX PX`) and becomes the
leader; the others poll the lease (a few ms apart, bounded) until it goes away. The leader
ends its flight in one of three ways:

- `STORED`: the answer is in the cache; the lease is deleted and waiters read the entry;
- `UNCACHEABLE`: the answer will never be stored (cut off by length, a tool call on a
  route that does not cache them, ...); the lease is replaced by a short-lived marker so
  waiters, and requests arriving just after, call upstream themselves instead of
  queueing behind one another;
- `FAILED`: the call failed; the lease is deleted and one waiter becomes the next leader.

A leader that dies keeps the lease only until it expires. Redis makes this hold across
processes; while Redis is down, an in-process registry of asyncio events does the same
within one process (degraded, but never waiting forever).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
import uuid
from dataclasses import dataclass, field

from layercache_site import redis_store

logger = logging.getLogger(__name__)

PREFIX = "lc:flight:"
UNCACHEABLE_MARK = b"!uncacheable"
UNCACHEABLE_MARK_MS = 5000
_POLL_FIRST = 0.005
_POLL_MAX = 0.05


class Outcome(enum.Enum):
    STORED = "stored"
    UNCACHEABLE = "uncacheable"
    FAILED = "failed"


class Waited(enum.Enum):
    LANDED = "landed"  # the leader finished (stored or failed): look again
    UNCACHEABLE = "uncacheable"  # go upstream alone
    TIMEOUT = "timeout"


@dataclass
class _LocalFlight:
    done: asyncio.Event = field(default_factory=asyncio.Event)
    outcome: Outcome = Outcome.FAILED


_local: dict[str, _LocalFlight] = {}


@dataclass
class Flight:
    """A lease held by this request. `land()` exactly once (later calls do nothing)."""

    key: str
    token: bytes
    lease_ms: int
    local: _LocalFlight | None = None
    landed: bool = False

    async def land(self, outcome: Outcome) -> None:
        if self.landed:
            return
        self.landed = True
        if self.local is not None:
            self.local.outcome = outcome
            _local.pop(self.key, None)
            self.local.done.set()
            return
        client = redis_store.async_client()
        if client is None:
            return  # the lease expires by itself
        name = PREFIX + self.key
        try:
            # Only our own lease is touched: after an expiry someone else may hold it.
            if await client.get(name) != self.token:
                return
            if outcome is Outcome.UNCACHEABLE:
                await client.set(name, UNCACHEABLE_MARK, px=UNCACHEABLE_MARK_MS)
            else:
                await client.delete(name)
        except redis_store.RedisError as exc:
            redis_store.mark_failure(exc)


async def lead(key: str, lease_ms: int) -> Flight | None:
    """Take the lease for `key`, or None if someone holds it (or marked it uncacheable)."""
    client = redis_store.async_client()
    if client is not None:
        token = uuid.uuid4().hex.encode()
        try:
            if await client.set(PREFIX + key, token, nx=True, px=lease_ms):
                return Flight(key, token, lease_ms)
            return None
        except redis_store.RedisError as exc:
            redis_store.mark_failure(exc)
    if key in _local:
        return None
    local = _LocalFlight()
    _local[key] = local
    return Flight(key, b"", lease_ms, local=local)


async def wait(key: str, timeout: float) -> Waited:
    """Wait until the flight for `key` lands, at most `timeout` seconds."""
    local = _local.get(key)
    if local is not None:
        try:
            await asyncio.wait_for(local.done.wait(), timeout)
        except TimeoutError:
            return Waited.TIMEOUT
        return Waited.UNCACHEABLE if local.outcome is Outcome.UNCACHEABLE else Waited.LANDED
    client = redis_store.async_client()
    if client is None:
        return Waited.LANDED
    deadline = time.monotonic() + timeout
    pause = _POLL_FIRST
    try:
        while True:
            value = await client.get(PREFIX + key)
            if value is None:
                return Waited.LANDED
            if value == UNCACHEABLE_MARK:
                return Waited.UNCACHEABLE
            if time.monotonic() >= deadline:
                return Waited.TIMEOUT
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_MAX)
    except redis_store.RedisError as exc:
        redis_store.mark_failure(exc)
        return Waited.TIMEOUT
