"""Calling upstream: the route, its retries, then its fallbacks, the same way on every path.

Per route, a request goes in the client's protocol when the route speaks it natively, and
otherwise as chat completions (over the route's own chat endpoint, or through LiteLLM to
any other provider), translated by the client's `WireFormat`. Retries (`route.retries`) and
fallbacks happen on 429, 5xx, timeouts and connection failures, never on a refusal of the
request itself. A 429 is retried only after the provider's `retry-after` has passed (and
only when that fits in the route's timeout), other failures after a short back-off; a
fallback gets the pipeline run again for its own provider.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from proxy.errors import GatewayError
from proxy.outcomes import ErrorClass, UpstreamAttempt
from proxy.pipeline.request import PipelineRequest
from proxy.route_spec import RouteSpec, UpstreamApi
from proxy.transport import Reply, StreamReply, Transport, UpstreamCall, UpstreamFailure
from proxy.wire.base import WireFormat

logger = logging.getLogger(__name__)

# Back-off before retrying a failure that carries no retry-after: 0.25 s, 0.5 s, 1 s ...
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 2.0

Prepare = Callable[[RouteSpec], Awaitable[PipelineRequest]]


@dataclass(frozen=True)
class Leg:
    """How a request reaches one route: which API, and whether it was translated."""

    route: RouteSpec
    api: UpstreamApi
    bridged: bool


def leg_for(wire: WireFormat, route: RouteSpec) -> Leg:
    if route.speaks(wire.native_api):
        return Leg(route, wire.native_api, bridged=False)
    chat = UpstreamApi.OPENAI_CHAT if route.speaks(UpstreamApi.OPENAI_CHAT) else UpstreamApi.LITELLM_CHAT
    return Leg(route, chat, bridged=True)


Context = TypeVar("Context")
# For a route of the chain (and whether it is the first), the call to make and whatever the
# caller needs back about it; raising GatewayError means "this route cannot take it".
Build = Callable[[RouteSpec, bool], Awaitable[tuple[UpstreamCall, Context]]]


@dataclass
class Answer(Generic[Context]):
    reply: Reply | StreamReply
    route: RouteSpec
    attempts: tuple[UpstreamAttempt, ...]
    context: Context


class UpstreamExhausted(Exception, Generic[Context]):
    """Every attempt failed; `failure` is the last one (what the client is told)."""

    def __init__(
        self, failure: UpstreamFailure, attempts: tuple[UpstreamAttempt, ...], context: Context | None
    ) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.attempts = attempts
        self.context = context


def _pause(failure: UpstreamFailure, attempt: int, route: RouteSpec) -> float | None:
    """Seconds to wait before retrying the same route, or None to move on instead."""
    if failure.error is ErrorClass.RATE_LIMIT and failure.retry_after is not None:
        # Waiting longer than a request may take is worse than trying the next route.
        return failure.retry_after if failure.retry_after <= route.timeout_seconds else None
    return min(BACKOFF_FIRST_SECONDS * 2**attempt, BACKOFF_MAX_SECONDS)


async def call(transport: Transport, chain: list[RouteSpec], build: Build[Context]) -> Answer[Context]:
    attempts: list[UpstreamAttempt] = []
    last: UpstreamFailure | None = None
    last_context: Context | None = None
    for position, route in enumerate(chain):
        try:
            upstream, context = await build(route, position == 0)
        except GatewayError:
            if position == 0:
                raise  # the request itself cannot be sent: the client's error
            continue  # this fallback cannot take the request; the last failure stands
        last_context = context
        for attempt in range(1 + route.retries):
            started = time.perf_counter()
            try:
                reply = await transport.send(upstream)
            except UpstreamFailure as failure:
                elapsed = (time.perf_counter() - started) * 1000
                attempts.append(UpstreamAttempt(route.name, failure.status, failure.error, elapsed))
                last = failure
                logger.info("upstream %s failed (%s): %s", route.name, failure.error.value, failure.message)
                if not failure.error.retryable:
                    raise UpstreamExhausted(failure, tuple(attempts), context) from failure
                if attempt == route.retries:
                    break
                pause = _pause(failure, attempt, route)
                if pause is None:
                    break
                await asyncio.sleep(pause)
                continue
            status = reply.status if isinstance(reply, Reply) else 200
            attempts.append(UpstreamAttempt(route.name, status, None, (time.perf_counter() - started) * 1000))
            return Answer(reply, route, tuple(attempts), context)
    assert last is not None
    raise UpstreamExhausted(last, tuple(attempts), last_context)


@dataclass(frozen=True)
class WireLeg:
    """A wire request as sent to one route: how, and the pipeline's request for it."""

    leg: Leg
    request: PipelineRequest


def wire_builder(
    wire: WireFormat, first: PipelineRequest, prepare_for: Prepare, headers: Mapping[str, str]
) -> Build[WireLeg]:
    """Builds each route's call for a wire request: natively or translated to chat, with the
    pipeline run again for a fallback's own provider."""

    async def build(route: RouteSpec, is_first: bool) -> tuple[UpstreamCall, WireLeg]:
        req = first if is_first else await prepare_for(route)
        leg = leg_for(wire, route)
        body = wire.to_chat(req, route) if leg.bridged else wire.render(req, route)
        return UpstreamCall(route=route, api=leg.api, body=body, stream=req.stream, headers=headers), WireLeg(leg, req)

    return build
