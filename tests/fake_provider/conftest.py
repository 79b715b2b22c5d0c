from __future__ import annotations

from collections.abc import Iterator

import pytest

from .provider import FakeProvider


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    """A fresh fake provider per test: no shared caches or faults between tests."""
    with FakeProvider() as provider:
        yield provider
