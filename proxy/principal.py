"""Who is calling: the team and API key a request authenticated as, with the key's limits.

A frozen value made once per key (cached by the directory) and passed down: nothing below
the gateway reads a key or a team from the database on the request path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Principal:
    team_id: int
    team_name: str
    team_cache_scope: str
    key_id: int
    key_prefix: str
    allowed_route_ids: frozenset[int] | None
    rpm_limit: int | None
    tpm_limit: int | None
    monthly_budget_usd: Decimal | None
    expires_at: datetime | None

    def may_use(self, route_id: int) -> bool:
        return self.allowed_route_ids is None or route_id in self.allowed_route_ids
