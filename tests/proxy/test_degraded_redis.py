"""With Redis gone the gateway keeps serving (degraded) instead of failing requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests.gateway_support import GatewayProcess, free_port, make_key, start_gateway


@pytest.fixture
def gateway_without_redis(transactional_db: Any, tmp_path: Any) -> Iterator[GatewayProcess]:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    process = start_gateway(dict(connection.settings_dict), settings.SECRET_KEY, dead_redis, tmp_path)
    yield process
    process.stop()


def test_it_serves_requests_and_reports_redis_down(
    gateway_without_redis: GatewayProcess, routes: dict[str, Any], fake: Any
) -> None:
    _, plaintext = make_key()
    response = httpx.post(
        f"{gateway_without_redis.openai_base}/chat/completions",
        json={"model": "fake-gpt", "messages": [{"role": "user", "content": "still there?"}]},
        headers={"authorization": f"Bearer {plaintext}"},
        timeout=15,
    )
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "Answer to: still there?"
    health = httpx.get(f"{gateway_without_redis.base_url}/health", timeout=10).json()
    assert health["database"] is True and health["redis"] is False and health["status"] != "ok"
