"""Helpers for response-cache tests through the real gateway.

Entries are written in the background after a response, so a test that needs "the first
answer is stored" waits for the row rather than sleeping a fixed time.
"""

from __future__ import annotations

import time
from typing import Any

import openai

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
