"""Outcomes rendered into response headers: the one place that does it.

`x-layercache-cache` (HIT, SEMANTIC_HIT, MISS, BYPASS), the similarity and age of a hit,
the route that answered, and what the pipeline did to the prefix. Header values stay on
one line and ASCII.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxy.outcomes import CacheOutcome, PipelineReport, UpstreamOutcome
from proxy.route_spec import RouteSpec


@dataclass(frozen=True)
class RequestIds:
    request_id: str
    session_id: str


def _ascii_line(value: str, limit: int = 500) -> str:
    return value.encode("ascii", "replace").decode().replace("\r", " ").replace("\n", " ")[:limit]


def pipeline_headers(report: PipelineReport) -> dict[str, str]:
    headers = {
        "x-layercache-prefix-tokens": str(report.prefix_tokens),
        "x-layercache-prefix-hash": report.prefix_hash,
        "x-layercache-markers": str(report.markers_placed),
    }
    if report.hoisted:
        headers["x-layercache-hoisted"] = ",".join(report.hoisted)
    if report.truncated_messages:
        headers["x-layercache-truncated"] = str(report.truncated_messages)
    if report.enhancements:
        headers["x-layercache-enhancements"] = ",".join(report.enhancements)
    if report.warnings:
        headers["x-layercache-warnings"] = _ascii_line("; ".join(report.warnings))
    if report.changed_layer is not None:
        headers["x-layercache-changed-layer"] = report.changed_layer
    return headers


def cache_headers(outcome: CacheOutcome) -> dict[str, str]:
    headers = {"x-layercache-cache": outcome.status.value}
    if outcome.similarity is not None:
        headers["x-layercache-similarity"] = f"{outcome.similarity:.4f}"
    if outcome.age_seconds is not None:
        headers["x-layercache-cache-age"] = str(outcome.age_seconds)
    if outcome.verdict is not None:
        verdict = outcome.verdict
        headers["x-layercache-verdict"] = _ascii_line(
            f"{verdict.stage}: {verdict.reason}" if verdict.reason else verdict.stage, 200
        )
    return headers


def response_headers(
    ids: RequestIds,
    route: RouteSpec | None = None,
    report: PipelineReport | None = None,
    cache: CacheOutcome | None = None,
    upstream: UpstreamOutcome | None = None,
) -> dict[str, str]:
    # The lean wire handler skips SecurityMiddleware, so its one relevant header is set here.
    headers = {"x-request-id": ids.request_id, "x-content-type-options": "nosniff"}
    if ids.session_id:
        headers["x-session-id"] = ids.session_id
    if report is not None:
        headers.update(pipeline_headers(report))
    if cache is not None:
        headers.update(cache_headers(cache))
    served_by = upstream.served_by if upstream is not None and upstream.served_by is not None else None
    # A hit is this route's answer (answers of fallbacks are never stored for it).
    answered = served_by or (route if cache is not None and cache.status.is_hit else None)
    if answered is not None:
        headers["x-layercache-route"] = answered.name
    if upstream is not None and upstream.attempts:
        headers["x-layercache-attempts"] = str(len(upstream.attempts))
    return headers
