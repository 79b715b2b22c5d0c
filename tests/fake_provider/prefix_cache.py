"""Prompt-cache simulators for the fake provider (PROVIDER_CACHING.md A.6, B.2-B.5).

Both simulators are pure in-memory state machines with a two-step API:
``lookup()`` computes what a request would read and write and returns a plan,
``commit(plan)`` stores the writes. The provider commits when the response
starts, because a real cache entry only becomes readable once the first response
byte is out (B.2.4): parallel cold requests therefore all miss.

Entries never expire: tests and benchmarks run for seconds, far below any TTL.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

OPENAI_BLOCK_TOKENS = 128
OPENAI_MIN_CACHED_TOKENS = 1024
ANTHROPIC_LOOKBACK_POSITIONS = 20


def chain_digest(previous: bytes, payload: str) -> bytes:
    """Digest of a cumulative prefix, extended by one more piece."""
    return hashlib.blake2b(previous + payload.encode(), digest_size=16).digest()


# --------------------------------------------------------------------- OpenAI


@dataclass(frozen=True)
class OpenAICacheReport:
    prompt_tokens: int
    cached_tokens: int


@dataclass(frozen=True)
class OpenAICachePlan:
    scope: Hashable
    report: OpenAICacheReport
    # Digest of the prefix ending at each full block, from the first block
    # that is long enough to be cached.
    block_digests: tuple[bytes, ...]


class OpenAIPrefixCache:
    """The classic automatic regime: exact prefix, 1024-token minimum, 128-token steps.

    ``cached = floor(LCP / 128) * 128`` only needs to know the longest *block-aligned*
    common prefix, so instead of comparing token lists we store a chained digest at
    every 128-token boundary from 1024 on. A stored digest at block ``k`` means some
    earlier prompt shared the first ``k`` blocks, so the walk stops at the first miss.
    The last prompt token is never served from cache (``cached < prompt_tokens``),
    which real responses show and which keeps the reported value block-aligned.
    """

    def __init__(
        self,
        block_tokens: int = OPENAI_BLOCK_TOKENS,
        min_cached_tokens: int = OPENAI_MIN_CACHED_TOKENS,
    ) -> None:
        self._block = block_tokens
        self._first_block = max(1, -(-min_cached_tokens // block_tokens))
        self._digests: dict[Hashable, set[bytes]] = {}
        self._lock = threading.Lock()

    def lookup(self, scope: Hashable, tokens: Sequence[str]) -> OpenAICachePlan:
        digests = self._block_digests(tokens)
        usable_blocks = max(0, (len(tokens) - 1) // self._block)
        cached_blocks = 0
        with self._lock:
            stored = self._digests.get(scope, set())
            for number, digest in enumerate(digests, start=self._first_block):
                if number > usable_blocks or digest not in stored:
                    break
                cached_blocks = number
        report = OpenAICacheReport(prompt_tokens=len(tokens), cached_tokens=cached_blocks * self._block)
        return OpenAICachePlan(scope=scope, report=report, block_digests=tuple(digests))

    def commit(self, plan: OpenAICachePlan) -> None:
        if not plan.block_digests:
            return
        with self._lock:
            self._digests.setdefault(plan.scope, set()).update(plan.block_digests)

    def clear(self) -> None:
        with self._lock:
            self._digests.clear()

    def _block_digests(self, tokens: Sequence[str]) -> list[bytes]:
        digest = b""
        result: list[bytes] = []
        for number in range(1, len(tokens) // self._block + 1):
            block = tokens[(number - 1) * self._block : number * self._block]
            digest = chain_digest(digest, "\x1f".join(block))
            if number >= self._first_block:
                result.append(digest)
        return result


# ------------------------------------------------------------------ Anthropic


@dataclass(frozen=True)
class Position:
    """One lookback position of an Anthropic prompt (a block, or a collapsed run)."""

    digest: bytes  # of the cumulative prefix through this position
    end_tokens: int  # cumulative token count through this position
    ttl: str | None  # "5m" or "1h" when the position carries a breakpoint


@dataclass(frozen=True)
class AnthropicCacheReport:
    total_tokens: int
    input_tokens: int
    cache_read_input_tokens: int
    cache_creation_input_tokens: int
    ephemeral_5m_input_tokens: int
    ephemeral_1h_input_tokens: int
    breakpoints: tuple[int, ...]  # position indexes carrying cache_control
    hit_position: int | None  # position whose entry was read, if any
    written_positions: tuple[int, ...]  # breakpoints long enough to store an entry


@dataclass(frozen=True)
class AnthropicCachePlan:
    scope: Hashable
    report: AnthropicCacheReport
    writes: tuple[bytes, ...]


class AnthropicPrefixCache:
    """Breakpoint caching: writes only at breakpoints, reads with a 20-position lookback."""

    def __init__(self, lookback: int = ANTHROPIC_LOOKBACK_POSITIONS) -> None:
        self._lookback = lookback
        self._entries: dict[Hashable, set[bytes]] = {}
        self._lock = threading.Lock()

    def lookup(self, scope: Hashable, positions: Sequence[Position], min_tokens: int) -> AnthropicCachePlan:
        breakpoints = tuple(i for i, p in enumerate(positions) if p.ttl is not None)
        hit = self._longest_hit(scope, positions, breakpoints)
        read = positions[hit].end_tokens if hit is not None else 0
        written = tuple(b for b in breakpoints if positions[b].end_tokens >= min_tokens)
        # Breakpoints at or before the hit only refresh entries; what lies beyond
        # the hit is billed as a write, the 1h part first (B.4 positions A, B, C).
        billed = [b for b in written if hit is None or b > hit]
        last_write = positions[billed[-1]].end_tokens if billed else read
        one_hour = [b for b in billed if positions[b].ttl == "1h"]
        one_hour_end = positions[one_hour[-1]].end_tokens if one_hour else read
        total = positions[-1].end_tokens if positions else 0
        report = AnthropicCacheReport(
            total_tokens=total,
            input_tokens=total - last_write,
            cache_read_input_tokens=read,
            cache_creation_input_tokens=last_write - read,
            ephemeral_5m_input_tokens=last_write - one_hour_end,
            ephemeral_1h_input_tokens=one_hour_end - read,
            breakpoints=breakpoints,
            hit_position=hit,
            written_positions=written,
        )
        writes = tuple(positions[b].digest for b in written)
        return AnthropicCachePlan(scope=scope, report=report, writes=writes)

    def commit(self, plan: AnthropicCachePlan) -> None:
        if not plan.writes:
            return
        with self._lock:
            self._entries.setdefault(plan.scope, set()).update(plan.writes)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _longest_hit(self, scope: Hashable, positions: Sequence[Position], breakpoints: Sequence[int]) -> int | None:
        best: int | None = None
        with self._lock:
            stored = self._entries.get(scope, set())
            for breakpoint in breakpoints:
                # The window counts the breakpoint itself, so 20 positions in all.
                floor = max(-1, breakpoint - self._lookback)
                for index in range(breakpoint, floor, -1):
                    if positions[index].digest in stored:
                        if best is None or index > best:
                            best = index
                        break
        return best
