"""Per-key requests-per-minute, tokens-per-minute and monthly budget.

Counters live in Redis so limits hold across replicas; while Redis is down they fall back to
per-process counters (degraded, logged by redis_store), which the `Limits` object of the
gateway's services holds. The token and spend counters are charged after a response, so a
request that starts under the limit is allowed to finish.
"""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.db.models import Sum
from django.utils import timezone

from analytics.models import RequestRecord
from layercache_site import redis_store
from proxy.errors import ErrorKind, GatewayError
from proxy.principal import Principal


def _minute() -> tuple[int, int]:
    now = time.time()
    return int(now // 60), 60 - int(now % 60)


def _month() -> str:
    return timezone.now().strftime("%Y%m")


def _too_many(message: str, retry_after: int, openai_type: str) -> GatewayError:
    return GatewayError(
        ErrorKind.RATE_LIMIT, message, openai_type=openai_type, headers={"retry-after": str(max(retry_after, 1))}
    )


def _month_spend_from_db(key_id: int) -> Decimal:
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    total = RequestRecord.objects.filter(api_key_id=key_id, created_at__gte=start).aggregate(s=Sum("cost_usd"))["s"]
    return total or Decimal(0)


def _seconds_to_next_month() -> int:
    now = timezone.now()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (
        first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    )
    return int((next_month - now).total_seconds())


class Limits:
    """Checks and charges a key's limits; holds the per-process fallback counters."""

    def __init__(self) -> None:
        self._local_counts: defaultdict[str, float] = defaultdict(float)

    async def check(self, principal: Principal) -> None:
        """Count this request and refuse it (429 with retry-after) when over a limit."""
        if principal.rpm_limit is None and principal.tpm_limit is None and principal.monthly_budget_usd is None:
            return
        minute, retry_after = _minute()
        rpm_key = f"lc:rpm:{principal.key_id}:{minute}"
        tpm_key = f"lc:tpm:{principal.key_id}:{minute}"
        spend_key = f"lc:spend:{principal.key_id}:{_month()}"
        client = redis_store.async_client()
        requests = tokens = 0.0
        spend: Decimal | None = None
        if client is not None:
            try:
                pipe = client.pipeline(transaction=False)
                pipe.incr(rpm_key)
                pipe.expire(rpm_key, 120)
                pipe.get(tpm_key)
                pipe.get(spend_key)
                requests_raw, _, tokens_raw, spend_raw = await pipe.execute()
                requests, tokens = float(requests_raw), float(tokens_raw or 0)
                spend = Decimal(spend_raw.decode()) if spend_raw is not None else None
            except redis_store.RedisError as exc:
                redis_store.mark_failure(exc)
                client = None
        if client is None:
            self._local_counts[rpm_key] += 1
            requests, tokens = self._local_counts[rpm_key], self._local_counts[tpm_key]
            spend = Decimal(str(self._local_counts[spend_key])) if spend_key in self._local_counts else None
        if principal.rpm_limit is not None and requests > principal.rpm_limit:
            raise _too_many(
                f"Rate limit reached: {principal.rpm_limit} requests per minute for this key", retry_after, "requests"
            )
        if principal.tpm_limit is not None and tokens >= principal.tpm_limit:
            raise _too_many(
                f"Rate limit reached: {principal.tpm_limit} tokens per minute for this key", retry_after, "tokens"
            )
        if principal.monthly_budget_usd is not None:
            if spend is None:
                spend = await sync_to_async(_month_spend_from_db, thread_sensitive=False)(principal.key_id)
                await self._set_spend(spend_key, spend)
            if spend >= principal.monthly_budget_usd:
                seconds_to_month_end = _seconds_to_next_month()
                raise _too_many(
                    f"Monthly budget of ${principal.monthly_budget_usd} for this key is used up",
                    seconds_to_month_end,
                    "insufficient_quota",
                )

    async def _set_spend(self, spend_key: str, spend: Decimal) -> None:
        client = redis_store.async_client()
        if client is None:
            self._local_counts[spend_key] = float(spend)
            return
        try:
            await client.set(spend_key, str(spend), ex=40 * 24 * 3600, nx=True)
        except redis_store.RedisError as exc:
            redis_store.mark_failure(exc)

    async def charge(self, principal: Principal, tokens: int, cost_usd: Decimal) -> None:
        """Add a finished request's tokens and cost to the key's counters."""
        if principal.tpm_limit is None and principal.monthly_budget_usd is None:
            return
        minute, _ = _minute()
        tpm_key = f"lc:tpm:{principal.key_id}:{minute}"
        spend_key = f"lc:spend:{principal.key_id}:{_month()}"
        client = redis_store.async_client()
        if client is not None:
            try:
                pipe = client.pipeline(transaction=False)
                pipe.incrby(tpm_key, tokens)
                pipe.expire(tpm_key, 120)
                # Only once the month's total is known (set by check()) is adding meaningful.
                if principal.monthly_budget_usd is not None and await client.exists(spend_key):
                    pipe.incrbyfloat(spend_key, float(cost_usd))
                await pipe.execute()
                return
            except redis_store.RedisError as exc:
                redis_store.mark_failure(exc)
        self._local_counts[tpm_key] += tokens
        if spend_key in self._local_counts:
            self._local_counts[spend_key] += float(cost_usd)
