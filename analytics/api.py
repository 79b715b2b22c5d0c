"""Analytics endpoints (metrics JSON) — scoped to the calling key's team."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["analytics"])
