"""The one error mapper: any exception or bare error status -> a `GatewayError` -> a JSON
response in the envelope of the protocol the caller speaks.

The gateway, the ninja exception handlers, the middleware that catches Django's bare
responses and the site's 404/500 views all come here, so an error looks the same wherever
it is raised and no API path ever answers HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from django.db import DatabaseError, DataError
from django.http import HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from proxy.errors import ErrorKind, GatewayError, bad_request
from proxy.outcomes import ErrorClass
from proxy.transport import UpstreamFailure
from proxy.wire.base import WireFormat
from proxy.wire.registry import for_path

_KINDS = {kind.value: kind for kind in ErrorKind}
# How long a client should wait before retrying while the database is unreachable.
DATABASE_RETRY_AFTER_SECONDS = 5


def retry_after_header(seconds: float | None, default: int = 1) -> dict[str, str]:
    return {"retry-after": str(max(math.ceil(seconds), 1) if seconds is not None else default)}


def from_upstream(failure: UpstreamFailure) -> GatewayError:
    if failure.error is ErrorClass.RATE_LIMIT:
        return GatewayError(
            ErrorKind.RATE_LIMIT,
            f"Upstream rate limit: {failure.message}",
            headers=retry_after_header(failure.retry_after),
            code="upstream_rate_limited",
        )
    if failure.error is ErrorClass.TIMEOUT:
        return GatewayError(ErrorKind.TIMEOUT, f"Upstream timed out: {failure.message}")
    if failure.error is ErrorClass.CLIENT:
        # The provider refused the request itself: the client's error, with its message.
        status = failure.status if 400 <= failure.status < 500 else 400
        kind = _KINDS.get(status, ErrorKind.INVALID_REQUEST)
        return GatewayError(kind, f"Upstream refused the request: {failure.message}", status=status)
    return GatewayError(ErrorKind.UPSTREAM, f"Upstream error: {failure.message}")


def _from_validation(exc: NinjaValidationError) -> GatewayError:
    first = exc.errors[0] if exc.errors else {}
    location = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "payload", "query", "path"))
    return bad_request(f"Invalid value for {location or 'request'}: {first.get('msg', 'invalid')}", location or None)


def as_gateway_error(exc: BaseException) -> GatewayError | None:
    """The GatewayError for `exc`, or None for an exception that is a bug (a 500)."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, UpstreamFailure):
        return from_upstream(exc)
    if isinstance(exc, NinjaValidationError):
        return _from_validation(exc)
    if isinstance(exc, AuthenticationError):
        return GatewayError(ErrorKind.AUTHENTICATION, "Missing or invalid API key")
    if isinstance(exc, HttpError):
        return GatewayError(_KINDS.get(exc.status_code, ErrorKind.INVALID_REQUEST), str(exc), status=exc.status_code)
    if isinstance(exc, DataError):
        # Postgres refused a value (a NUL byte in text, say): the input's fault.
        return bad_request(f"A value in the request cannot be stored: {str(exc).splitlines()[0][:200]}")
    if isinstance(exc, DatabaseError):
        return GatewayError(
            ErrorKind.UNAVAILABLE,
            "The gateway's database is unavailable; retry shortly.",
            headers=retry_after_header(DATABASE_RETRY_AFTER_SECONDS),
        )
    return None


def for_status(status: int, method: str, path: str) -> GatewayError:
    """A bare error status from Django or ninja as an error with a message."""
    kind = _KINDS.get(status, ErrorKind.INVALID_REQUEST if status < 500 else ErrorKind.SERVER)
    if status == 404:
        return GatewayError(ErrorKind.NOT_FOUND, f"Invalid URL ({method} {path})", code="not_found")
    if status == 405:
        return GatewayError(kind, f"{method} is not allowed on {path}", status=405)
    if status >= 500:
        return GatewayError(kind, "The gateway hit an internal error; it has been logged.", status=status)
    return GatewayError(kind, f"HTTP {status}", status=status)


def render(wire: WireFormat, error: GatewayError, headers: Mapping[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(wire.error_bytes(error), status=error.http_status, content_type="application/json")
    for name, value in {**error.headers, **(headers or {})}.items():
        response[name] = value
    return response


def render_for_path(path: str, error: GatewayError) -> HttpResponse:
    return render(for_path(path), error)
