"""Site-level views: health, and JSON (never HTML) for unknown paths and crashes."""

from __future__ import annotations

import time

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from layercache_site import redis_store
from layercache_site.heartbeat import worker_age_seconds
from proxy.wire import errors as wire_errors

WORKER_STALE_AFTER = 90.0


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


async def health(request: HttpRequest) -> JsonResponse:
    """Liveness plus what the gateway depends on; 503 only when the database is gone."""
    started = time.perf_counter()
    database = await sync_to_async(_database_ok, thread_sensitive=False)()
    redis_ok = await sync_to_async(redis_store.ping, thread_sensitive=False)()
    age = await sync_to_async(worker_age_seconds, thread_sensitive=False)()
    worker_ok = age is not None and age < WORKER_STALE_AFTER
    body = {
        "status": "ok" if database and redis_ok and worker_ok else ("degraded" if database else "down"),
        "database": database,
        "redis": redis_ok if redis_store.configured() else "not configured",
        "worker": worker_ok,
        "worker_heartbeat_age_s": None if age is None else round(age, 1),
        "check_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if database else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return wire_errors.render_for_path(request.path, wire_errors.for_status(404, request.method or "GET", request.path))


def server_error(request: HttpRequest) -> HttpResponse:
    return wire_errors.render_for_path(request.path, wire_errors.for_status(500, request.method or "GET", request.path))
