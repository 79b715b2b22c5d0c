"""API paths never answer HTML: a bare error from Django or ninja (405, 400 for a body
Django refused, ...) is rewritten into the caller's wire format."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from proxy.errors import ErrorKind, GatewayError, error_bytes, wire_for_path

_KINDS = {kind.value: kind for kind in ErrorKind}


def _as_wire_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.status_code < 400 or not request.path.startswith("/v1/"):
        return response
    if response.get("content-type", "").startswith("application/json"):
        return response
    kind = _KINDS.get(
        response.status_code, ErrorKind.INVALID_REQUEST if response.status_code < 500 else ErrorKind.SERVER
    )
    message = (
        f"{request.method} is not allowed on {request.path}"
        if response.status_code == 405
        else f"HTTP {response.status_code}"
    )
    error = GatewayError(kind, message, status=response.status_code)
    replacement = HttpResponse(
        error_bytes(wire_for_path(request.path), error), status=response.status_code, content_type="application/json"
    )
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
