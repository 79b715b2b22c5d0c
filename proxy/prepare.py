"""Runs the layer pipeline for a request and says what it did.

Kept apart from gateway.py so the HTTP flow does not know pipeline details: it gets back
the prepared request, the response headers describing the prefix, and a decorator that adds
`lc_prefix_hash` / `lc_prefix_tokens` to non-streamed JSON bodies (as the original
LayerCache did). The step chains are built once per route configuration, not per request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings

from proxy.pipeline.config import PipelineConfig
from proxy.pipeline.request import PipelineRequest
from proxy.pipeline.run import Step, build_steps, run_pipeline
from proxy.principal import Principal
from proxy.route_spec import RouteSpec

logger = logging.getLogger(__name__)

FewShotSource = Callable[[], Callable[[str, int], list[tuple[str, str]]] | None]
_few_shot_source: FewShotSource = lambda: None  # noqa: E731  (replaced by semantic_cache when it is ready)


def set_few_shot_source(source: FewShotSource) -> None:
    """Where dynamic_few_shot examples come from (semantic_cache registers its picker)."""
    global _few_shot_source
    _few_shot_source = source
    _steps_for.cache_clear()


@dataclass(frozen=True)
class Prepared:
    request: PipelineRequest
    headers: Mapping[str, str] = field(default_factory=dict)

    def decorate_body(self, body: dict[str, Any]) -> dict[str, Any]:
        diagnostics = self.request.diagnostics
        if diagnostics.prefix_hash:
            body["lc_prefix_hash"] = diagnostics.prefix_hash
            body["lc_prefix_tokens"] = diagnostics.prefix_tokens
        return body


def _salt() -> str:
    # Derived from the install's secret so prompt_cache_key values are not guessable.
    return hashlib.sha256(b"prompt-cache-key:" + settings.SECRET_KEY.encode()).hexdigest()[:16]


@lru_cache(maxsize=256)
def _steps_for(route: RouteSpec, markers: bool) -> tuple[Step, ...]:
    config = PipelineConfig(
        min_prefix_tokens=route.min_cacheable_tokens,
        hoist_volatile=route.hoist_volatile,
        anthropic_cache_ttl="1h" if route.anthropic_cache_ttl == "1h" else "5m",
        max_session_tokens=route.max_session_tokens,
        few_shot_picker=_few_shot_source(),
        cache_key_salt=_salt(),
        cache_markers=markers,
    )
    return build_steps(config)


_last_short_prefix_log: dict[str, float] = {}


def _log_short_prefix(route: RouteSpec, req: PipelineRequest) -> None:
    """One line per route per minute at most: a short prefix is a hint, not an incident."""
    now = time.monotonic()
    if now - _last_short_prefix_log.get(route.name, 0.0) < 60:
        return
    _last_short_prefix_log[route.name] = now
    logger.info(
        "route %s: prefix of %d tokens is below the %d-token minimum the provider caches",
        route.name,
        req.diagnostics.prefix_tokens,
        route.min_cacheable_tokens,
    )


def _headers(req: PipelineRequest) -> dict[str, str]:
    diagnostics = req.diagnostics
    headers = {
        "x-layercache-prefix-tokens": str(diagnostics.prefix_tokens),
        "x-layercache-prefix-hash": diagnostics.prefix_hash,
        "x-layercache-markers": str(diagnostics.markers_placed),
    }
    if diagnostics.hoisted:
        headers["x-layercache-hoisted"] = ",".join(diagnostics.hoisted)
    if diagnostics.dropped_messages:
        headers["x-layercache-truncated"] = str(diagnostics.dropped_messages)
    if diagnostics.enhancements_applied:
        headers["x-layercache-enhancements"] = ",".join(diagnostics.enhancements_applied)
    if diagnostics.warnings:
        # Header values must stay on one line and ASCII.
        headers["x-layercache-warnings"] = "; ".join(diagnostics.warnings).encode("ascii", "replace").decode()[:500]
    return headers


def prepare(req: PipelineRequest, route: RouteSpec, principal: Principal) -> Prepared:
    """Run the pipeline; `lc_bypass_cache` leaves cache markers out of the chain."""
    req = dataclasses.replace(req, options=dataclasses.replace(req.options, team_id=str(principal.team_id)))
    prepared = run_pipeline(req, _steps_for(route, not req.options.bypass_cache))
    if prepared.diagnostics.prefix_tokens < route.min_cacheable_tokens:
        _log_short_prefix(route, prepared)
    return Prepared(request=prepared, headers=_headers(prepared))
