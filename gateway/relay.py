"""Relaying a stream to the client, in the client's protocol, whatever the route spoke.

One parser per stream does the watching and the assembling (the client's `WireFormat`
parser); a translated stream is also watched in chat form for its usage and its end. Every
stream ends promptly: at its terminal event, or, when the provider cuts it, stalls past the
route's timeout or sends an error, with an error event in the client's protocol. When the
relay ends — completed, failed, or because the client went away — `on_end` gets what
happened, once.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from proxy.errors import ErrorKind, GatewayError
from proxy.outcomes import ErrorClass
from proxy.pipeline.request import PipelineRequest
from proxy.transport import StreamReply, UpstreamFailure
from proxy.usage import Usage
from proxy.wire.base import WireFormat
from proxy.wire.openai_chat import OPENAI_CHAT


@dataclass(frozen=True)
class StreamEnd:
    completed: bool
    error: ErrorClass | None
    usage: Usage
    # The assembled answer (None when not complete, not assembled, or not assemblable).
    body: dict[str, Any] | None
    ttfb_ms: float | None


def _cut(message: str) -> GatewayError:
    return GatewayError(ErrorKind.UPSTREAM, message, code="upstream_stream_error")


async def relay(
    stream: StreamReply,
    wire: WireFormat,
    req: PipelineRequest,
    bridged: bool,
    assemble: bool,
    started: float,
    on_end: Callable[[StreamEnd], None],
) -> AsyncIterator[bytes]:
    client = wire.stream_parser(req, assemble)
    upstream = OPENAI_CHAT.stream_parser(req, assemble=False) if bridged else client
    bridge = wire.chat_stream(req) if bridged else None
    ttfb: float | None = None
    failure: UpstreamFailure | None = None
    reported = False

    def report() -> StreamEnd:
        nonlocal reported
        ok = upstream.completed and upstream.error is None and client.error is None and failure is None
        error = None if ok else (failure.error if failure is not None else ErrorClass.STREAM_CUT)
        outcome = StreamEnd(ok, error, upstream.usage, client.body() if ok else None, ttfb)
        if not reported:
            reported = True
            on_end(outcome)
        return outcome

    try:
        try:
            async for event in stream.events():
                if ttfb is None:
                    ttfb = (time.perf_counter() - started) * 1000
                if bridge is None:
                    relayed = client.feed(event)
                    if relayed is not None:
                        yield relayed
                    if client.completed:
                        break
                    continue
                upstream.feed(event)
                if upstream.error is not None:
                    break
                translated = bridge.feed(event)
                if upstream.completed:
                    translated += bridge.finish()
                for piece in translated:
                    relayed = client.feed(piece)
                    if relayed is not None:
                        yield relayed
                if upstream.completed:
                    break
        except UpstreamFailure as exc:
            failure = exc
        outcome = report()
        if not outcome.completed and (bridge is not None or client.error is None):
            # A native provider's own error event was relayed already; otherwise say it here.
            reason = failure.message if failure is not None else "upstream stream ended before completion"
            if bridge is not None and upstream.error is not None:
                reason = f"upstream error: {upstream.error}"
            yield wire.error_event(_cut(reason))
    finally:
        report()  # a no-op unless the client went away mid-stream
