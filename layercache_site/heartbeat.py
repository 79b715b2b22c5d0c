"""The Celery worker's heartbeat, so /health can tell whether background work runs.

Beat schedules `analytics.tasks.heartbeat`; the worker writes the time to Redis, or to a
file in the data directory when the app runs without Redis.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

from layercache_site import redis_store

KEY = "lc:worker-heartbeat"


def _file() -> Path:
    return Path(settings.LAYERCACHE_DATA_DIR) / "worker-heartbeat"


def beat() -> None:
    now = str(time.time())
    if redis_store.sync_call("set", KEY, now, 300) is None:
        _file().write_text(now)


def worker_age_seconds() -> float | None:
    raw = redis_store.sync_call("get", KEY)
    if raw is None:
        try:
            raw = _file().read_text()
        except OSError:
            return None
    try:
        return max(time.time() - float(raw), 0.0)
    except (TypeError, ValueError):
        return None
