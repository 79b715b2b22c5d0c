"""Domain errors: what the gateway refuses, and why, independent of any wire format.

Anything refused is raised as a `GatewayError`; the caller's `WireFormat` renders it (its
`error_body`), and `proxy.wire.errors.as_gateway_error` is the one place other exceptions
(ninja's, Django's, an upstream failure's, a database outage's) are mapped onto one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class ErrorKind(enum.Enum):
    INVALID_REQUEST = 400
    AUTHENTICATION = 401
    PERMISSION = 403
    NOT_FOUND = 404
    METHOD_NOT_ALLOWED = 405
    TOO_LARGE = 413
    RATE_LIMIT = 429
    SERVER = 500
    UPSTREAM = 502
    UNAVAILABLE = 503
    TIMEOUT = 504


@dataclass
class GatewayError(Exception):
    kind: ErrorKind
    message: str
    param: str | None = None
    code: str | None = None
    # OpenAI's `type` for 429s says what ran out: requests, tokens or insufficient_quota.
    openai_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    status: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def http_status(self) -> int:
        return self.status or self.kind.value


def bad_request(message: str, param: str | None = None) -> GatewayError:
    return GatewayError(ErrorKind.INVALID_REQUEST, message, param=param)
