"""Wire schemas of the /v1/cache endpoints."""

from __future__ import annotations

from ninja import Schema


class InvalidateIn(Schema):
    """What to drop from the key's team's cache: one route, one template version, or all."""

    route: str | None = None
    template_version: str | None = None
    all: bool = False


class InvalidateOut(Schema):
    deleted: int


class RouteStatsOut(Schema):
    route: str
    entries: int
    semantic_entries: int
    hits: int


class StatsOut(Schema):
    team: str
    entries: int
    live_entries: int
    semantic_entries: int
    hits: int
    by_route: list[RouteStatsOut]
