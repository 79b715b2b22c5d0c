"""A lean ASGI path for the two wire endpoints.

`POST /v1/chat/completions` and `POST /v1/messages` authenticate with API keys, set no
cookies and are CSRF-exempt, so sessions, CSRF, auth and messages middleware do nothing for
them but cost a thread hand-off each (about a fifth of the gateway's CPU per request, measured
with py-spy, docs/benchmarks.md). They are served by a Django handler without the middleware
chain (and without a thread per request); everything else (admin, dashboard, the other
endpoints) keeps the full stack.
"""

from __future__ import annotations

from typing import Any

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response

WIRE_PATHS = frozenset({"/v1/chat/completions", "/v1/messages"})


class WireASGIHandler(ASGIHandler):
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # No per-request ThreadSensitiveContext: it starts (and joins) a thread per request
        # for the few thread-sensitive calls Django makes around a response (request signals,
        # response.close), ~15% of the CPU per request in a py-spy profile. Without it they
        # run on asgiref's one shared sync thread; the views themselves are async and do
        # their database work in thread_sensitive=False workers.
        await self.handle(scope, receive, send)

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        # Django's own (untyped) response getters, as BaseHandler.load_middleware uses them.
        get_response = self._get_response_async if is_async else self._get_response  # type: ignore[attr-defined]
        self._middleware_chain = convert_exception_to_response(get_response)


def route_wire_requests(full_stack: Any, wire: Any) -> Any:
    """An ASGI app sending wire-endpoint POSTs to `wire` and all else to `full_stack`."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") in WIRE_PATHS:
            await wire(scope, receive, send)
        else:
            await full_stack(scope, receive, send)

    return app
