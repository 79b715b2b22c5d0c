"""Provider usage, normalised, and what it cost.

Providers count differently (PROVIDER_CACHING.md §0): OpenAI and DeepSeek include cached
tokens in `prompt_tokens`; Anthropic's `input_tokens` excludes cache reads and writes. Here
`input_tokens` always means every prompt token, cached ones included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from proxy.route_spec import RouteSpec

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Usage:
    """One call's tokens, in one convention whatever the provider's.

    `input_tokens` is every prompt token: uncached, read from a provider cache and written
    to one. `cache_write_tokens` is every write, of which `cache_write_1h_tokens` were
    written with a one-hour TTL (Anthropic); `output_tokens` includes `reasoning_tokens`.
    """

    input_tokens: int = 0
    cached_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def uncached_input_tokens(self) -> int:
        return max(self.input_tokens - self.cached_read_tokens - self.cache_write_tokens, 0)

    @property
    def cache_write_5m_tokens(self) -> int:
        return max(self.cache_write_tokens - self.cache_write_1h_tokens, 0)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def from_openai(usage: Mapping[str, Any] | None) -> Usage:
    if not usage:
        return Usage()
    details = usage.get("prompt_tokens_details") or {}
    cached = _int(details.get("cached_tokens")) or _int(usage.get("prompt_cache_hit_tokens"))
    cached = cached or _int(usage.get("cache_read_input_tokens"))
    write = _int(details.get("cache_write_tokens")) or _int(usage.get("cache_creation_input_tokens"))
    return Usage(
        input_tokens=_int(usage.get("prompt_tokens")),
        cached_read_tokens=cached,
        cache_write_tokens=write,
        output_tokens=_int(usage.get("completion_tokens")),
    )


def from_anthropic(usage: Mapping[str, Any] | None) -> Usage:
    if not usage:
        return Usage()
    read = _int(usage.get("cache_read_input_tokens"))
    write = _int(usage.get("cache_creation_input_tokens"))
    return Usage(
        input_tokens=_int(usage.get("input_tokens")) + read + write,
        cached_read_tokens=read,
        cache_write_tokens=write,
        output_tokens=_int(usage.get("output_tokens")),
    )


def merge_anthropic_stream(start: Mapping[str, Any] | None, delta: Mapping[str, Any] | None) -> Usage:
    """message_start carries the input side; message_delta's counts are cumulative."""
    combined: dict[str, Any] = dict(start or {})
    for key, value in (delta or {}).items():
        if value is not None:
            combined[key] = value
    return from_anthropic(combined)


@dataclass(frozen=True)
class Cost:
    cost_usd: Decimal
    saved_usd: Decimal


def cost_of(usage: Usage, route: RouteSpec) -> Cost:
    """Cost at the route's prices; savings against paying full input price for every token.

    A route without a cache-write price pays writes at the input price (OpenAI's rule).
    """
    write_price = route.price_cache_write or route.price_input
    uncached = max(usage.input_tokens - usage.cached_read_tokens - usage.cache_write_tokens, 0)
    input_cost = (
        uncached * route.price_input
        + usage.cached_read_tokens * route.price_cached_input
        + usage.cache_write_tokens * write_price
    )
    full_price = usage.input_tokens * route.price_input
    output_cost = usage.output_tokens * route.price_output
    return Cost(cost_usd=(input_cost + output_cost) / MILLION, saved_usd=(full_price - input_cost) / MILLION)
