"""Shared test helpers: a real Daphne process serving the gateway, and data factories.

The gateway runs as its own process (as in production) against the test database, so tests
that use it need committed data: they take the `transactional_db` fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from proxy.models import ApiKey, ModelRoute, RouteFallback, Team
from proxy.services import create_api_key
from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM_KEY_ENV = "FAKE_PROVIDER_KEY"
UPSTREAM_KEY = "sk-upstream-secret-value"


@dataclass
class GatewayProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def openai_base(self) -> str:
        return f"{self.base_url}/v1"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_gateway(
    database: dict[str, Any], secret_key: str, redis_url: str, log_dir: Path, extra_env: dict[str, str] | None = None
) -> GatewayProcess:
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgresql://{database['USER']}:@/{database['NAME']}?host={database['HOST']}",
            "SECRET_KEY": secret_key,
            "LAYERCACHE_REDIS_URL": redis_url,
            UPSTREAM_KEY_ENV: UPSTREAM_KEY,
            "LAYERCACHE_RECORD_FLUSH_MS": "20",
            **(extra_env or {}),
        }
    )
    log_path = log_dir / f"gateway-{port}.log"
    with log_path.open("wb") as log:  # the child keeps its own handle to the file
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "layercache_site.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    gateway = GatewayProcess(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gateway exited early:\n{gateway.log()}")
        try:
            httpx.get(f"{gateway.base_url}/health", timeout=1)
            return gateway
        except httpx.HTTPError:
            time.sleep(0.2)
    gateway.stop()
    raise RuntimeError(f"gateway did not start:\n{gateway.log()}")


def make_route(name: str, model: str, api_base: str, **fields: Any) -> ModelRoute:
    defaults: dict[str, Any] = {
        "model": model,
        "api_base": api_base,
        "api_key_env": UPSTREAM_KEY_ENV,
        "price_input": Decimal("3.00"),
        "price_cached_input": Decimal("0.30"),
        "price_cache_write": Decimal("3.75"),
        "price_output": Decimal("15.00"),
        "timeout_seconds": 5.0,
    }
    defaults.update(fields)
    route, _ = ModelRoute.objects.update_or_create(name=name, defaults=defaults)
    return route


def add_fallbacks(route: ModelRoute, *fallbacks: ModelRoute) -> None:
    for position, fallback in enumerate(fallbacks):
        RouteFallback.objects.create(route=route, fallback=fallback, position=position)


def make_key(team_name: str = "alpha", **limits: Any) -> tuple[ApiKey, str]:
    team, _ = Team.objects.get_or_create(name=team_name)
    return create_api_key(team, "test", **limits)


def wait_for_records(count: int, timeout: float = 5.0) -> list[Any]:
    """The gateway writes request records in the background: wait until `count` exist."""
    from analytics.models import RequestRecord

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = list(RequestRecord.objects.order_by("created_at"))
        if len(records) >= count:
            return records
        time.sleep(0.05)
    raise AssertionError(f"expected {count} request records, found {RequestRecord.objects.count()}")
