"""Cache endpoints for the key's team."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["cache"])
