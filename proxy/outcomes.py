"""What happened to one request, as values: the pipeline's report, the response cache's
outcome, the upstream outcome, and the `RequestOutcome` that holds them.

The gateway builds these as the request goes; nothing mutates them afterwards. Two
renderers read them, each in one place: `gateway.headers` turns them into response headers,
and `analytics.recording` into the request record (usage, cost and savings). No part of the
request path keeps a dict of headers or a mutable context instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from proxy.principal import Principal
from proxy.route_spec import RouteSpec
from proxy.usage import Usage


@dataclass(frozen=True)
class PipelineReport:
    """What the layer pipeline did to the prompt, and what it knows about the prefix cache."""

    prefix_tokens: int = 0
    prefix_hash: str = ""
    # Tools + L0 + L1 alone: the part a provider caches across sessions.
    context_hash: str = ""
    context_tokens: int = 0
    markers_placed: int = 0
    hoisted: tuple[str, ...] = ()
    truncated_messages: int = 0
    enhancements: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # The provider's minimum cacheable prefix for this route, and whether the prefix is under it.
    min_cacheable_tokens: int = 0
    # Which layer changed since this session's previous request: "L0_SYSTEM" ... "L4_USER",
    # "none", "new" (the session's first request), or None when unknown (no Redis).
    changed_layer: str | None = None
    # Seconds since the session's previous request (None for a first request or unknown): a
    # provider prefix cache whose TTL ran out in between explains a miss.
    seconds_since_previous: float | None = None
    # The session's earlier turns are not a prefix of this request's (edited, compacted or
    # truncated history): the provider cache is lost from the first differing turn.
    history_rewritten: bool = False
    # The provider cache TTL the markers asked for ("5m" / "1h"; "" where the provider sets it).
    cache_ttl: str = ""
    template_version: str = ""

    @property
    def below_provider_minimum(self) -> bool:
        return self.prefix_tokens < self.min_cacheable_tokens


class CacheStatus(enum.Enum):
    HIT = "HIT"
    SEMANTIC_HIT = "SEMANTIC_HIT"
    MISS = "MISS"
    BYPASS = "BYPASS"

    @property
    def is_hit(self) -> bool:
        return self in (CacheStatus.HIT, CacheStatus.SEMANTIC_HIT)


@dataclass(frozen=True)
class Verdict:
    """The semantic verifier's judgement of one candidate: which stage decided and why."""

    accepted: bool
    stage: str
    reason: str = ""


@dataclass(frozen=True)
class CacheOutcome:
    status: CacheStatus
    # Why the cache was not used at all (BYPASS), e.g. "lc_bypass_cache".
    bypass_reason: str = ""
    similarity: float | None = None
    age_seconds: int | None = None
    entry_id: int | None = None
    # The usage of the stored answer a hit served: what the upstream call it replaced cost.
    replaced_usage: Usage | None = None
    # The verdict on the semantic candidate that decided the lookup (served, or the nearest
    # one turned away); None when no candidate reached the threshold.
    verdict: Verdict | None = None
    # Whether this request waited on an identical request in flight (single-flight).
    waited_for_leader: bool = False

    @classmethod
    def bypass(cls, reason: str) -> CacheOutcome:
        return cls(CacheStatus.BYPASS, bypass_reason=reason)


class ErrorClass(enum.Enum):
    """Why an upstream attempt (or the request's answer) failed."""

    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    CLIENT = "client"  # the provider refused the request itself: no retry or fallback helps
    STREAM_CUT = "stream_cut"  # a stream that started and ended before its terminal event

    @property
    def retryable(self) -> bool:
        return self is not ErrorClass.CLIENT


@dataclass(frozen=True)
class UpstreamAttempt:
    route_name: str
    status: int
    error: ErrorClass | None = None
    duration_ms: float = 0.0


@dataclass(frozen=True)
class UpstreamOutcome:
    attempts: tuple[UpstreamAttempt, ...] = ()
    # The route that answered (the requested one, or a fallback); None if none did.
    served_by: RouteSpec | None = None
    error: ErrorClass | None = None
    usage: Usage = field(default_factory=Usage)
    ttfb_ms: float | None = None
    # Whether a stream reached its terminal event (always True for a non-streamed answer).
    completed: bool = True

    @property
    def fallback_used(self) -> bool:
        return bool(self.attempts) and self.served_by is not None and self.served_by.name != self.attempts[0].route_name


@dataclass(frozen=True)
class RequestOutcome:
    """Everything the request record is made from; built once the response has ended."""

    request_id: str
    # The protocol's name ("openai", "anthropic", "openai_responses", ...) and endpoint
    # ("chat.completions", "messages", "responses", "embeddings", ...).
    wire: str
    endpoint: str
    started_at: datetime
    latency_ms: float
    status: int
    stream: bool = False
    error_type: str = ""
    session_id: str = ""
    principal: Principal | None = None
    route: RouteSpec | None = None
    pipeline: PipelineReport | None = None
    cache: CacheOutcome | None = None
    upstream: UpstreamOutcome | None = None

    @property
    def usage(self) -> Usage:
        """Provider tokens this request consumed (none for a response-cache hit)."""
        return self.upstream.usage if self.upstream is not None else Usage()

    @property
    def priced_route(self) -> RouteSpec | None:
        """The route whose prices apply: the one that answered, else the one asked for."""
        if self.upstream is not None and self.upstream.served_by is not None:
            return self.upstream.served_by
        return self.route
