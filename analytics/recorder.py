"""Writes request records without delaying responses.

Records go into a bounded in-process buffer that a background thread flushes to Postgres
in batches. A failed write is retried with back-off, not dropped; only when the buffer is
full (the database has been down for a long time) are the oldest records dropped, and that
is logged with a count.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_BUFFERED = 100_000
BATCH = 500


@dataclass
class RecordDraft:
    request_id: str
    team_id: int
    api_key_id: int | None
    route_id: int | None
    route_name: str
    endpoint: str
    stream: bool
    status: int
    served_by: str = ""
    error_type: str = ""
    cache_status: str = ""
    input_tokens: int = 0
    cached_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    saved_usd: Decimal = Decimal(0)
    latency_ms: float = 0.0
    ttfb_ms: float | None = None
    upstream_attempts: int = 0
    session_id: str = ""
    template_version: str = ""
    created_at: datetime = field(default_factory=timezone.now)


_FIELD_NAMES = tuple(f.name for f in fields(RecordDraft))


def _columns(draft: RecordDraft) -> dict[str, object]:
    # Not dataclasses.asdict: it deep-copies every value, CPU this thread would spend holding
    # the GIL while the event loop waits for it.
    return {name: getattr(draft, name) for name in _FIELD_NAMES}


class Recorder:
    def __init__(self) -> None:
        self._buffer: deque[RecordDraft] = deque()
        self._lock = threading.Lock()
        # Held while a batch is written: flush() returns only once no write is in flight.
        self._writing = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._dropped = 0

    def record(self, draft: RecordDraft) -> None:
        with self._lock:
            if len(self._buffer) >= MAX_BUFFERED:
                self._buffer.popleft()
                self._dropped += 1
                if self._dropped % 1000 == 1:
                    logger.error("request-record buffer full; %d oldest records dropped", self._dropped)
            self._buffer.append(draft)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="layercache-recorder", daemon=True)
                self._thread.start()

    def pending(self) -> int:
        return len(self._buffer)

    def flush(self) -> None:
        """Write everything buffered now, and wait for a write in flight (tests, shutdown)."""
        while self._buffer:
            if not self._write_batch():
                break
        with self._writing:
            pass

    def _take(self) -> list[RecordDraft]:
        with self._lock:
            return [self._buffer.popleft() for _ in range(min(BATCH, len(self._buffer)))]

    def _write_batch(self) -> bool:
        with self._writing:
            return self._write_taken()

    def _write_taken(self) -> bool:
        from analytics.models import RequestRecord

        batch = self._take()
        if not batch:
            return True
        try:
            close_old_connections()
            RequestRecord.objects.bulk_create([RequestRecord(**_columns(d)) for d in batch])
            self._touch_keys(batch)
            return True
        except IntegrityError:
            # A team, key or route was deleted while its records waited: write the rest one
            # by one rather than block every later record behind them.
            self._write_one_by_one(batch)
            return True
        except Exception:  # the database may be down: put the batch back and retry later
            logger.exception("writing %d request records failed; will retry", len(batch))
            with self._lock:
                self._buffer.extendleft(reversed(batch))
            return False

    def _touch_keys(self, batch: list[RecordDraft]) -> None:
        """Keys' last-used time, written here once per batch rather than once per request."""
        from proxy.models import ApiKey

        last_used: dict[int, datetime] = {}
        for draft in batch:
            if draft.api_key_id is not None:
                last_used[draft.api_key_id] = max(draft.created_at, last_used.get(draft.api_key_id, draft.created_at))
        for key_id, when in last_used.items():
            # update() on purpose: no save signals, so the auth caches are not invalidated.
            ApiKey.objects.filter(id=key_id).update(last_used_at=when)

    def _write_one_by_one(self, batch: list[RecordDraft]) -> None:
        from analytics.models import RequestRecord

        for draft in batch:
            try:
                RequestRecord.objects.create(**_columns(draft))
            except IntegrityError:
                logger.warning("request record %s refers to a deleted team/key/route; skipped", draft.request_id)

    def _run(self) -> None:
        backoff = settings.LAYERCACHE_RECORD_FLUSH_SECONDS
        while True:
            self._wake.wait(backoff)
            self._wake.clear()
            if self._write_batch():
                backoff = settings.LAYERCACHE_RECORD_FLUSH_SECONDS
                while len(self._buffer) >= BATCH and self._write_batch():
                    pass
            else:
                backoff = min(backoff * 2, 30.0)
            time.sleep(0)


recorder = Recorder()
atexit.register(recorder.flush)
