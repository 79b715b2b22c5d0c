"""A lean ASGI path for the two wire endpoints.

The wire endpoints (`POST /v1/chat/completions`, `/v1/messages`, `/v1/responses`: every
format in the registry) authenticate with API keys, set no
cookies and are CSRF-exempt, so sessions, CSRF, auth and messages middleware do nothing for
them but cost a thread hand-off each (about a fifth of the gateway's CPU per request, measured
with py-spy, docs/benchmarks.md). They are served by a Django handler without the middleware
chain (and without a thread per request); everything else (admin, dashboard, the other
endpoints) keeps the full stack.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.urls import set_script_prefix

from proxy.wire.registry import WIRE_FORMATS

WIRE_PATHS = frozenset(wire.path for wire in WIRE_FORMATS)


class WireASGIHandler(ASGIHandler):
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # No per-request ThreadSensitiveContext: it starts (and joins) a thread per request
        # for the few thread-sensitive calls Django makes around a response (request signals,
        # response.close), ~15% of the CPU per request in a py-spy profile.
        await self.handle(scope, receive, send)

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        """Django's ASGIHandler.handle without its two thread hand-offs per request.

        Django sends `request_started` and closes the response through sync_to_async, each a
        hop to the shared sync thread and back (~0.5 ms per request on the benchmark box).
        The receivers recycle the database connections of the calling context, and the wire
        views never open one there: their database work runs in worker threads that manage
        their own. So `request_started` is not sent, and the response is closed on the loop
        (its `request_finished` receivers find no connection of this context to close).
        Client disconnects still cancel the view, as in Django.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None
            body_file.close()
            await self.send_response(error_response, send)
            error_response.close()
            return

        async def process_request() -> Any:
            response = await self.run_get_response(request)
            with contextlib.suppress(asyncio.CancelledError):  # the client went away mid-send
                await self.send_response(response, send)
            return response

        tasks = [asyncio.create_task(self.listen_for_disconnect(receive)), asyncio.create_task(process_request())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                with contextlib.suppress(RequestAborted):
                    task.result()
            else:
                task.cancel()  # lets the view (a relayed stream) clean up
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        with contextlib.suppress(asyncio.CancelledError):
            tasks[1].result().close()
        body_file.close()

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        # Django's own (untyped) response getters, as BaseHandler.load_middleware uses them.
        get_response = self._get_response_async if is_async else self._get_response  # type: ignore[attr-defined]
        self._middleware_chain = convert_exception_to_response(get_response)


def gateway_application(full_stack: Any, wire: Any, scope_entries: dict[str, Any]) -> Any:
    """An ASGI app sending wire-endpoint POSTs to `wire` and all else to `full_stack`, with
    `scope_entries` (the gateway's services, the key directory) in every request's scope."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope = {**scope, **scope_entries}
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") in WIRE_PATHS:
            await wire(scope, receive, send)
        else:
            await full_stack(scope, receive, send)

    return app
