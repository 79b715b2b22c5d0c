"""Test-suite wiring: the real embedded Postgres (pgvector), the machine's real Redis on a
database of its own, the fake provider, and the gateway served by a real Daphne process."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from layercache_site import redis_store

# Several test runs may share a machine (and its Redis and embedded Postgres): each run gets
# a database of its own, and one of Redis's upper databases picked by process id.
TEST_REDIS_URL = os.environ.get("LAYERCACHE_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{8 + os.getpid() % 8}")


def pytest_configure(config: pytest.Config) -> None:
    from layercache_site.bootstrap import prepare_environment

    prepare_environment()
    test_database: dict[str, Any] = settings.DATABASES["default"].setdefault("TEST", {})  # type: ignore[assignment]
    test_database["NAME"] = f"test_layercache_{os.getpid()}"
    settings.REDIS_URL = TEST_REDIS_URL
    client = redis_store.sync_client()
    if client is not None:
        client.flushdb()


@pytest.fixture(autouse=True)
def _fresh_redis() -> Iterator[None]:
    """Each test starts with a new config generation (so every gateway process reloads keys
    and routes) and ends with an empty Redis database (counters, leases, tokens)."""
    from proxy import directory

    directory.invalidate()
    yield
    client = redis_store.sync_client()
    if client is not None:
        client.flushdb()


@pytest.fixture(scope="session")
def fake_provider() -> Iterator[Any]:
    from tests.fake_provider import FakeProvider

    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def fake(fake_provider: Any) -> Any:
    """The session's fake provider, emptied: no requests, faults or caches from other tests."""
    fake_provider.reset()
    return fake_provider


@pytest.fixture(scope="session")
def gateway_process(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    from django.db import connection

    from tests.gateway_support import start_gateway

    with django_db_blocker.unblock():
        database = dict(connection.settings_dict)
    process = start_gateway(database, settings.SECRET_KEY, TEST_REDIS_URL, tmp_path_factory.mktemp("gateway"))
    yield process
    process.stop()


@pytest.fixture
def daphne_gateway(gateway_process: Any, transactional_db: Any) -> Iterator[Any]:
    """The end-to-end tier: the gateway served by a real Daphne process, seeing this test's
    committed data (for what only the real server shows: status lines, its HTTP parsing,
    its process's own logs)."""
    yield gateway_process
    # Let the gateway write its last request records before the tables are truncated.
    time.sleep(0.1)


@pytest.fixture(scope="session")
def inprocess_gateway(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    from tests.gateway_support import UPSTREAM_KEY, UPSTREAM_KEY_ENV
    from tests.inprocess import InProcessGateway

    os.environ[UPSTREAM_KEY_ENV] = UPSTREAM_KEY
    settings.LAYERCACHE_RECORD_FLUSH_SECONDS = 0.02
    gateway = InProcessGateway(tmp_path_factory.mktemp("inprocess") / "gateway.log").start()
    yield gateway
    gateway.stop()
    # The gateway's worker threads keep their database connections: end them, so the test
    # database can be dropped.
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def gateway(inprocess_gateway: Any, transactional_db: Any) -> Iterator[Any]:
    """The gateway, in this process (tests/inprocess.py), with services of this test's own;
    the test's committed data is what its worker threads read."""
    inprocess_gateway.begin_test()
    yield inprocess_gateway
    inprocess_gateway.end_test()


@pytest.fixture
def routes(fake: Any, transactional_db: Any) -> dict[str, Any]:
    """An OpenAI-compatible and an Anthropic route, both served by the fake provider."""
    from tests.gateway_support import make_route

    return {
        "gpt": make_route("fake-gpt", "openai/gpt-4o", fake.openai_base),
        "claude": make_route("fake-claude", "anthropic/claude-sonnet-4-5", fake.base_url),
    }
