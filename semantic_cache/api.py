"""Cache endpoints for the key's team (mounted at /v1/cache).

Both endpoints act on the key's team and nothing else, through `CacheEntry.objects.for_team`.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from ninja import Router

from proxy.auth import api_key_auth, principal_of
from proxy.errors import bad_request
from semantic_cache.models import CacheEntry
from semantic_cache.schemas import InvalidateIn, InvalidateOut, RouteStatsOut, StatsOut

router = Router(tags=["cache"], auth=api_key_auth)


@router.post("/invalidate", response=InvalidateOut)
def invalidate(request: HttpRequest, payload: InvalidateIn) -> InvalidateOut:
    principal = principal_of(request)
    if not (payload.all or payload.route or payload.template_version):
        # An empty body must not mean "everything".
        raise bad_request("Say what to invalidate: route, template_version, or all=true", "all")
    entries = CacheEntry.objects.for_team(principal.team_id)
    if not payload.all:
        if payload.route:
            entries = entries.filter(route_name=payload.route)
        if payload.template_version:
            entries = entries.filter(template_version=payload.template_version)
    return InvalidateOut(deleted=entries.invalidate())


@router.get("/stats", response=StatsOut)
def stats(request: HttpRequest) -> StatsOut:
    principal = principal_of(request)
    entries = CacheEntry.objects.for_team(principal.team_id)
    totals = entries.aggregate(
        entries=Count("id"), semantic=Count("id", filter=Q(embedding__isnull=False)), hits=Sum("hit_count")
    )
    rows = (
        entries.order_by("route_name")
        .values("route_name")
        .annotate(entries=Count("id"), semantic=Count("id", filter=Q(embedding__isnull=False)), hits=Sum("hit_count"))
    )
    return StatsOut(
        team=principal.team_name,
        entries=totals["entries"],
        live_entries=entries.live().count(),
        semantic_entries=totals["semantic"],
        hits=totals["hits"] or 0,
        by_route=[
            RouteStatsOut(
                route=row["route_name"], entries=row["entries"], semantic_entries=row["semantic"], hits=row["hits"] or 0
            )
            for row in rows
        ],
    )
