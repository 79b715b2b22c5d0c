"""A lookup thread whose database connection broke (a database restart, a killed backend)
recovers on its next lookup instead of failing every one after."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import DatabaseError, connection

from semantic_cache.integration import _reconnecting
from semantic_cache.lookup import find_exact
from semantic_cache.models import CacheScope
from tests.gateway_support import make_key


def _lookups_after_a_killed_backend(wrap: Callable[[Callable[[], Any]], Callable[[], Any]]) -> list[str]:
    key, _ = make_key("alpha")
    lookup = wrap(lambda: find_exact(CacheScope(team_id=key.team_id, scope="team"), "k", "openai", None))

    def in_one_worker_thread() -> list[str]:
        outcomes = []
        lookup()  # opens this thread's connection
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        except DatabaseError:
            pass
        for _ in range(3):
            try:
                lookup()
                outcomes.append("ok")
            except DatabaseError:
                outcomes.append("error")
        connection.close()
        return outcomes

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_one_worker_thread).result()


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_fails_one_lookup_then_reconnects() -> None:
    assert _lookups_after_a_killed_backend(_reconnecting) == ["error", "ok", "ok"]


@pytest.mark.django_db(transaction=True)
def test_without_it_every_later_lookup_of_the_thread_fails() -> None:
    # Why _reconnecting exists: Django's per-request cleanup never reaches worker threads.
    assert _lookups_after_a_killed_backend(lambda f: f) == ["error", "error", "error"]
