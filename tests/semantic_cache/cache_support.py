"""Helpers for response-cache tests through the real gateway.

Entries are written in the background after a response, so a test that needs "the first
answer is stored" waits for the row rather than sleeping a fixed time.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import numpy as np
import openai
from django.utils import timezone

from proxy.models import Team
from semantic_cache.models import CacheEntry


def wait_for_entries(count: int, timeout: float = 10.0) -> list[CacheEntry]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entries = list(CacheEntry.objects.order_by("id"))
        if len(entries) >= count:
            return entries
        time.sleep(0.02)
    raise AssertionError(f"expected {count} cache entries, found {CacheEntry.objects.count()}")


def settle(seconds: float = 0.4) -> None:
    """Give a background store time to happen, for tests asserting that nothing is stored."""
    time.sleep(seconds)


def ask(client: openai.OpenAI, text: str, **kwargs: Any) -> tuple[str, str, Any]:
    """(x-layercache-cache, answer text, raw response) for one chat completion."""
    raw = client.chat.completions.with_raw_response.create(
        model=kwargs.pop("model", "fake-gpt"), messages=[{"role": "user", "content": text}], **kwargs
    )
    completion = raw.parse()
    return raw.headers.get("x-layercache-cache", ""), completion.choices[0].message.content or "", raw


def vector_entry(team: Team, fingerprint: str, exact_key: str, vector: np.ndarray, **fields: Any) -> CacheEntry:
    """An unsaved team-scoped semantic entry of model "m", with its search vector, live for
    an hour: for tests that bulk-create many."""
    now = timezone.now()
    values: dict[str, Any] = {
        "team": team,
        "scope": "team",
        "route_name": "gpt",
        "wire": "openai",
        "exact_key": exact_key,
        "context_fingerprint": fingerprint,
        "embedding_model": "m",
        "embedding": vector,
        "query_text": "q",
        "response": {},
        "created_at": now,
        "expires_at": now + timedelta(hours=1),
    }
    entry = CacheEntry(**{**values, **fields})
    entry.search_vector = entry.search_vector_for(vector, "m")
    return entry
