"""Runs the layer pipeline for a request and reports what it did.

The step chains are built once per route configuration (and kept by the `Pipelines`
object the gateway's services hold), never per request. `lc_bypass_cache` leaves cache
markers out of the chain.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable

from asgiref.sync import sync_to_async

from proxy.enhancements.few_shot import FewShotPicker
from proxy.outcomes import PipelineReport
from proxy.pipeline.config import PipelineConfig
from proxy.pipeline.request import PipelineRequest
from proxy.pipeline.run import Step, build_steps, run_pipeline
from proxy.principal import Principal
from proxy.route_spec import RouteSpec

logger = logging.getLogger(__name__)

# One line per route per minute at most: a short prefix is a hint, not an incident.
SHORT_PREFIX_LOG_INTERVAL = 60.0


def cache_key_salt(secret_key: str) -> str:
    """Derived from the install's secret so prompt_cache_key values are not guessable."""
    return hashlib.sha256(b"prompt-cache-key:" + secret_key.encode()).hexdigest()[:16]


def report_of(req: PipelineRequest, route: RouteSpec) -> PipelineReport:
    d = req.diagnostics
    ttl = route.anthropic_cache_ttl if route.provider_family in ("anthropic", "gemini") else ""
    return PipelineReport(
        prefix_tokens=d.prefix_tokens,
        prefix_hash=d.prefix_hash,
        context_hash=d.context_hash,
        context_tokens=d.context_tokens,
        markers_placed=d.markers_placed,
        hoisted=d.hoisted,
        truncated_messages=d.dropped_messages,
        enhancements=d.enhancements_applied,
        warnings=d.warnings,
        min_cacheable_tokens=route.min_cacheable_tokens,
        cache_ttl=ttl,
        template_version=req.template_version,
    )


class Pipelines:
    """The step chain for each route configuration, built on first use and kept."""

    def __init__(self, few_shot: Callable[[], FewShotPicker | None], salt: str) -> None:
        self._few_shot = few_shot
        self._salt = salt
        self._chains: dict[tuple[RouteSpec, bool], tuple[Step, ...]] = {}
        self._last_short_prefix_log: dict[str, float] = {}

    def steps_for(self, route: RouteSpec, markers: bool) -> tuple[Step, ...]:
        chain = self._chains.get((route, markers))
        if chain is None:
            if len(self._chains) > 256:  # routes edited many times: drop the old chains
                self._chains.clear()
            config = PipelineConfig(
                min_prefix_tokens=route.min_cacheable_tokens,
                hoist_volatile=route.hoist_volatile,
                anthropic_cache_ttl="1h" if route.anthropic_cache_ttl == "1h" else "5m",
                max_session_tokens=route.max_session_tokens,
                few_shot_picker=self._few_shot(),
                cache_key_salt=self._salt,
                cache_markers=markers,
            )
            chain = self._chains[(route, markers)] = build_steps(config)
        return chain

    def run(
        self, req: PipelineRequest, route: RouteSpec, principal: Principal
    ) -> tuple[PipelineRequest, PipelineReport]:
        req = dataclasses.replace(
            req,
            provider_family=route.provider_family,
            options=dataclasses.replace(req.options, team_id=str(principal.team_id)),
        )
        prepared = run_pipeline(req, self.steps_for(route, not req.options.bypass_cache))
        report = report_of(prepared, route)
        if report.below_provider_minimum:
            self._log_short_prefix(route, report)
        return prepared, report

    async def prepare(
        self, req: PipelineRequest, route: RouteSpec, principal: Principal
    ) -> tuple[PipelineRequest, PipelineReport]:
        if "dynamic_few_shot" in req.options.enhancements:
            # Picking examples embeds the query and reads the database: not on the event loop.
            return await sync_to_async(self.run, thread_sensitive=False)(req, route, principal)
        return self.run(req, route, principal)

    def _log_short_prefix(self, route: RouteSpec, report: PipelineReport) -> None:
        now = time.monotonic()
        if now - self._last_short_prefix_log.get(route.name, 0.0) < SHORT_PREFIX_LOG_INTERVAL:
            return
        self._last_short_prefix_log[route.name] = now
        logger.info(
            "route %s: prefix of %d tokens is below the %d-token minimum the provider caches",
            route.name,
            report.prefix_tokens,
            route.min_cacheable_tokens,
        )
