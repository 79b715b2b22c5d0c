"""Usage summaries built from request records (per template version, for admin)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from analytics.models import RequestRecord


@dataclass(frozen=True)
class VersionUsage:
    requests: int
    provider_cached_share: float
    response_cache_hits: int
    cost_usd: Decimal

    def __str__(self) -> str:
        return (
            f"{self.requests} requests, {self.provider_cached_share:.0%} provider-cached, "
            f"{self.response_cache_hits} cache hits, ${self.cost_usd:.4f}"
        )


def template_usage(name: str, team_id: int | None) -> dict[str, VersionUsage]:
    """Usage per "name@version" tag; a team template counts its team's requests only."""
    records = RequestRecord.objects.filter(template_version__startswith=f"{name}@")
    if team_id is not None:
        records = records.filter(team_id=team_id)
    rows = records.values("template_version").annotate(
        requests=Count("id"),
        input_tokens=Sum("input_tokens"),
        cached=Sum("cached_read_tokens"),
        hits=Count("id", filter=Q(cache_status__in=["HIT", "SEMANTIC_HIT"])),
        cost=Sum("cost_usd"),
    )
    return {
        row["template_version"]: VersionUsage(
            requests=row["requests"],
            provider_cached_share=(row["cached"] or 0) / row["input_tokens"] if row["input_tokens"] else 0.0,
            response_cache_hits=row["hits"],
            cost_usd=row["cost"] or Decimal(0),
        )
        for row in rows
    }
