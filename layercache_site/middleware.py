"""API paths never answer HTML: a bare error from Django or ninja (405, 400 for a body
Django refused, ...) is rewritten by the one error mapper into the caller's envelope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from proxy.wire import errors as wire_errors


def _as_wire_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.status_code < 400 or not request.path.startswith("/v1/"):
        return response
    if response.get("content-type", "").startswith("application/json"):
        return response
    error = wire_errors.for_status(response.status_code, request.method or "GET", request.path)
    replacement = wire_errors.render_for_path(request.path, error)
    if response.has_header("allow"):
        replacement["allow"] = response["allow"]
    return replacement


class WireErrorsMiddleware:
    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self._is_async:
            return self._acall(request)
        response = self.get_response(request)
        assert isinstance(response, HttpResponse)
        return _as_wire_error(request, response)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        response = await self.get_response(request)  # type: ignore[misc]
        return _as_wire_error(request, response)
