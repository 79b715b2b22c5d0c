"""A request's outcome rendered into its request record: the one place that does it.

`record(outcome)` builds the row (usage, cost and savings at the route's prices) and hands
it to the buffered writer (`analytics/recorder.py`), so it never blocks the response.
"""

from __future__ import annotations

from decimal import Decimal

from analytics.recorder import RecordDraft, recorder
from proxy.outcomes import RequestOutcome
from proxy.usage import cost_of


def record(outcome: RequestOutcome) -> None:
    principal = outcome.principal
    if principal is None:
        return  # unauthenticated: there is no team to charge it to
    usage = outcome.usage
    route = outcome.priced_route
    cost = cost_of(usage, route) if route is not None else None
    cache = outcome.cache
    saved = cost.saved_usd if cost is not None else Decimal(0)
    if cache is not None and cache.status.is_hit and cache.replaced_usage is not None and outcome.route is not None:
        saved = cost_of(cache.replaced_usage, outcome.route).cost_usd
    upstream = outcome.upstream
    recorder.record(
        RecordDraft(
            request_id=outcome.request_id,
            team_id=principal.team_id,
            api_key_id=principal.key_id,
            route_id=outcome.route.id if outcome.route else None,
            route_name=outcome.route.name if outcome.route else "",
            served_by=upstream.served_by.name if upstream is not None and upstream.served_by else "",
            endpoint=outcome.endpoint,
            stream=outcome.stream,
            status=outcome.status,
            error_type=outcome.error_type,
            cache_status=cache.status.value if cache is not None else "",
            input_tokens=usage.input_tokens,
            cached_read_tokens=usage.cached_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost.cost_usd if cost is not None else Decimal(0),
            saved_usd=saved,
            latency_ms=outcome.latency_ms,
            ttfb_ms=upstream.ttfb_ms if upstream is not None else None,
            upstream_attempts=len(upstream.attempts) if upstream is not None else 0,
            session_id=outcome.session_id,
            template_version=outcome.pipeline.template_version if outcome.pipeline else "",
            created_at=outcome.started_at,
        )
    )
