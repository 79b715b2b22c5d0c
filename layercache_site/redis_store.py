"""The one home of the Redis client (hot cache, counters, single-flight).

Redis is optional at run time: with no REDIS_URL, or while it does not answer, callers get
None / a RedisUnavailable and carry on degraded; `degraded()` says so for /health.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
import weakref
from typing import Any

import redis
import redis.asyncio as aioredis
from django.conf import settings

logger = logging.getLogger(__name__)

_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = weakref.WeakKeyDictionary()
_sync_client: redis.Redis | None = None
_last_failure = 0.0
_RETRY_AFTER_FAILURE = 2.0

RedisError = redis.RedisError


def configured() -> bool:
    return bool(settings.REDIS_URL)


def degraded() -> bool:
    return not configured() or (time.monotonic() - _last_failure) < _RETRY_AFTER_FAILURE


def mark_failure(exc: BaseException) -> None:
    global _last_failure
    if time.monotonic() - _last_failure > 60:
        logger.warning("redis unavailable, running degraded: %s", exc.__class__.__name__)
    _last_failure = time.monotonic()


def async_client() -> aioredis.Redis | None:
    """The client for the running event loop, or None while Redis is off or failing."""
    if degraded():
        return None
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=0.5,
            socket_timeout=1.0,
            health_check_interval=30,
            # RESP2 with hiredis costs the least CPU per command (a few run per request).
            protocol=2,
        )
        _async_clients[loop] = client
    return client


def sync_client() -> redis.Redis | None:
    global _sync_client
    if degraded():
        return None
    if _sync_client is None:
        _sync_client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1.0)
    return _sync_client


def ping() -> bool:
    if not configured():
        return False
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        return bool(client.ping())
    except RedisError:
        return False


def sync_call(method: str, *args: Any) -> Any:
    """Run one command on the sync client; None when Redis is unavailable."""
    client = sync_client()
    if client is None:
        return None
    try:
        return getattr(client, method)(*args)
    except RedisError as exc:
        mark_failure(exc)
        return None


def new_generation(key: str) -> None:
    """Mark every process's in-memory cache tagged with `key` as stale.

    A fresh random token, not a counter: a counter restarts after a Redis flush and could
    repeat a value some process still holds.
    """
    sync_call("set", key, uuid.uuid4().hex)


async def current_generation(key: str) -> bytes | None:
    """The token in-memory caches compare against; None while Redis is unavailable."""
    client = async_client()
    if client is None:
        return None
    try:
        value = await client.get(key)
        if value is None:
            # Redis lost the key (restart, flush): start a generation no process has seen.
            await client.set(key, uuid.uuid4().hex, nx=True)
            value = await client.get(key)
    except RedisError as exc:
        mark_failure(exc)
        return None
    return value if isinstance(value, bytes) else None
