"""Single-flight leases: across processes through Redis, in process while Redis is down."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from layercache_site import redis_store
from semantic_cache import singleflight
from semantic_cache.singleflight import Outcome, Waited


@pytest.fixture
def redis_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(redis_store, "async_client", lambda: None)
    yield
    singleflight._local.clear()


async def test_one_leader_and_waiters_see_it_land(redis_down: Any) -> None:
    leader = await singleflight.lead("k", 1000)
    assert leader is not None
    assert await singleflight.lead("k", 1000) is None
    waiter = asyncio.create_task(singleflight.wait("k", 1.0))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await leader.land(Outcome.STORED)
    assert await waiter == Waited.LANDED
    assert await singleflight.lead("k", 1000) is not None  # free again


async def test_an_uncacheable_answer_sends_waiters_upstream(redis_down: Any) -> None:
    leader = await singleflight.lead("k", 1000)
    assert leader is not None
    waiter = asyncio.create_task(singleflight.wait("k", 1.0))
    await asyncio.sleep(0)
    await leader.land(Outcome.UNCACHEABLE)
    assert await waiter == Waited.UNCACHEABLE


async def test_waiting_is_bounded(redis_down: Any) -> None:
    assert await singleflight.lead("k", 1000) is not None
    assert await singleflight.wait("k", 0.05) == Waited.TIMEOUT


async def test_with_redis_the_lease_is_shared_and_only_its_holder_releases_it() -> None:
    client = redis_store.async_client()
    # The suite runs against the machine's real Redis (.ci/run starts it): no silent skip.
    assert client is not None, "Redis is not running; the tests need it on 127.0.0.1:6379"
    key = "test-shared"
    await client.delete(singleflight.PREFIX + key)
    leader = await singleflight.lead(key, 5000)
    assert leader is not None and leader.local is None
    assert await singleflight.lead(key, 5000) is None
    assert await client.get(singleflight.PREFIX + key) == leader.token
    await leader.land(Outcome.UNCACHEABLE)
    assert await client.get(singleflight.PREFIX + key) == singleflight.UNCACHEABLE_MARK
    assert await singleflight.wait(key, 0.1) == Waited.UNCACHEABLE
    await client.delete(singleflight.PREFIX + key)
    stale = await singleflight.lead(key, 5000)
    assert stale is not None
    await client.set(singleflight.PREFIX + key, b"someone-else")  # our lease expired, another took it
    await stale.land(Outcome.FAILED)
    assert await client.get(singleflight.PREFIX + key) == b"someone-else"
    await client.delete(singleflight.PREFIX + key)
