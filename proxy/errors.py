"""Domain errors and their rendering in the caller's wire format.

Anything the gateway refuses is raised as a `GatewayError` and rendered once, by
`render_error`, as an OpenAI `{"error": {...}}` or Anthropic `{"type": "error", ...}` body.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from proxy.pipeline.request import WireFormat


class ErrorKind(enum.Enum):
    INVALID_REQUEST = 400
    AUTHENTICATION = 401
    PERMISSION = 403
    NOT_FOUND = 404
    TOO_LARGE = 413
    RATE_LIMIT = 429
    SERVER = 500
    UPSTREAM = 502
    TIMEOUT = 504


# (OpenAI type, OpenAI code, Anthropic type) per kind.
_WIRE_NAMES: dict[ErrorKind, tuple[str, str | None, str]] = {
    ErrorKind.INVALID_REQUEST: ("invalid_request_error", None, "invalid_request_error"),
    ErrorKind.AUTHENTICATION: ("invalid_request_error", "invalid_api_key", "authentication_error"),
    ErrorKind.PERMISSION: ("permission_error", "model_not_allowed", "permission_error"),
    ErrorKind.NOT_FOUND: ("invalid_request_error", "model_not_found", "not_found_error"),
    ErrorKind.TOO_LARGE: ("invalid_request_error", "request_too_large", "request_too_large"),
    ErrorKind.RATE_LIMIT: ("requests", "rate_limit_exceeded", "rate_limit_error"),
    ErrorKind.SERVER: ("server_error", None, "api_error"),
    ErrorKind.UPSTREAM: ("server_error", "upstream_error", "api_error"),
    ErrorKind.TIMEOUT: ("server_error", "upstream_timeout", "timeout_error"),
}


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


def error_body(wire: WireFormat, error: GatewayError) -> dict[str, object]:
    openai_type, openai_code, anthropic_type = _WIRE_NAMES[error.kind]
    if wire == "anthropic":
        return {"type": "error", "error": {"type": anthropic_type, "message": error.message}}
    return {
        "error": {
            "message": error.message,
            "type": error.openai_type or openai_type,
            "param": error.param,
            "code": error.code or openai_code,
        }
    }


def error_bytes(wire: WireFormat, error: GatewayError) -> bytes:
    return json.dumps(error_body(wire, error)).encode()


def wire_for_path(path: str) -> WireFormat:
    return "anthropic" if path.rstrip("/").endswith("/v1/messages") else "openai"
