"""Test-suite wiring: the real embedded Postgres (pgvector), the machine's real Redis on a
database of its own, the fake provider, and the gateway served by a real Daphne process."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings

from layercache_site import redis_store

TEST_REDIS_URL = os.environ.get("LAYERCACHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def pytest_configure(config: pytest.Config) -> None:
    from layercache_site.bootstrap import prepare_environment

    prepare_environment()
    settings.REDIS_URL = TEST_REDIS_URL
    client = redis_store.sync_client()
    if client is not None:
        client.flushdb()


@pytest.fixture(autouse=True)
def _fresh_hot_caches() -> Iterator[None]:
    """Each test starts with no cached principals/routes and empty counters."""
    from proxy import directory

    directory.invalidate()
    yield
    client = redis_store.sync_client()
    if client is not None:
        client.flushdb()
