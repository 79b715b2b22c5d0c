"""What every OpenAI endpoint shares: bearer auth, JSON bodies, error bodies, faults, the cache.

Chat Completions, Responses and Embeddings all answer errors as
``{"error": {"message", "type", "param", "code"}}``, check faults after
authentication and JSON parsing, and (for the two text APIs) read the same
prompt cache keyed by (API key, model, ``prompt_cache_key``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from .faults import Fault
from .http11 import HttpRequest, HttpResponse
from .prefix_cache import OpenAICachePlan
from .state import ProviderState, ReceivedRequest

OVERLOADED_MESSAGE = "The engine is currently overloaded, please try again later."


def error(
    status: int,
    message: str,
    kind: str,
    code: str | None = None,
    param: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> HttpResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return HttpResponse(status, json.dumps(body).encode(), headers)


def not_found(request: HttpRequest) -> HttpResponse:
    return error(404, f"Invalid URL ({request.method} {request.path})", "invalid_request_error")


class InvalidRequest(ValueError):
    """A 400 ``invalid_request_error``, raised by validators and answered by the endpoint."""

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code

    def response(self) -> HttpResponse:
        return error(400, self.message, "invalid_request_error", self.code, self.param)


# The wording of OpenAI's schema validator, so clients that match on messages keep working.


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def missing(param: str) -> InvalidRequest:
    return InvalidRequest(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


def invalid_type(param: str, expected: str, value: object) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid type for '{param}': expected {expected}, but got {_json_kind(value)} instead.",
        param,
        "invalid_type",
    )


def _quoted_list(values: Sequence[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def invalid_value(param: str, value: object, supported: Sequence[str]) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid value: '{value}'. Supported values are: {_quoted_list(supported)}.",
        param,
        "invalid_value",
    )


def below_minimum(param: str, minimum: float, value: float, kind: str = "integer") -> InvalidRequest:
    """``kind`` is the schema's: "integer", or "decimal" for number parameters."""
    return InvalidRequest(
        f"Invalid '{param}': {kind} below minimum value. Expected a value >= {minimum}, but got {value} instead.",
        param,
        f"{kind}_below_min_value",
    )


def above_maximum(param: str, maximum: float, value: float, kind: str = "integer") -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{param}': {kind} above maximum value. Expected a value <= {maximum}, but got {value} instead.",
        param,
        f"{kind}_above_max_value",
    )


def unknown_parameter(param: str) -> InvalidRequest:
    return InvalidRequest(f"Unknown parameter: '{param}'.", param, "unknown_parameter")


def number_in_range(body: Mapping[str, Any], param: str, low: float, high: float) -> None:
    """Check an optional number parameter against OpenAI's documented bounds."""
    value = body.get(param)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_type(param, "a number", value)
    if value < low:
        raise below_minimum(param, low, value, "decimal")
    if value > high:
        raise above_maximum(param, high, value, "decimal")


# --------------------------------------------------------------------- requests


def bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def preflight(request: HttpRequest) -> tuple[str, Any] | HttpResponse:
    """Auth and JSON: (api key, parsed body) or the error to send."""
    api_key = bearer(request)
    if not api_key:
        return error(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "invalid_request_error",
        )
    try:
        return api_key, json.loads(request.body)
    except ValueError:
        return error(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means "
            "you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
            "but what was sent was not valid JSON.)",
            "invalid_request_error",
        )


def body_model(body: Any) -> str | None:
    model = body.get("model") if isinstance(body, dict) else None
    return model if isinstance(model, str) else None


def _fault_response(fault: Fault, state: ProviderState) -> HttpResponse | None:
    if fault is Fault.RATE_LIMIT:
        wait = state.settings.retry_after_seconds
        headers = (
            ("retry-after", str(math.ceil(wait))),
            ("retry-after-ms", str(int(wait * 1000))),
            ("x-ratelimit-remaining-requests", "0"),
        )
        message = f"Rate limit reached for requests. Limit 60, Used 60, Requested 1. Please try again in {wait:g}s."
        return error(429, message, "requests", "rate_limit_exceeded", headers=headers)
    if fault is Fault.SERVER_ERROR:
        return error(
            500,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
        )
    return None


async def take_fault(
    request: HttpRequest, entry: ReceivedRequest, state: ProviderState, body: Any
) -> tuple[Fault | None, HttpResponse | None]:
    """Consume the fault this request matches: (fault, the failure to send now, if any).

    TIMEOUT stalls here and then lets the request go on; OVERLOADED and CUT_STREAM
    are left to the endpoint, which knows whether it streams.
    """
    entry.fault = fault = state.faults.take(request.path, body_model(body))
    if fault is Fault.TIMEOUT:
        await state.stall()
        return fault, None
    return fault, _fault_response(fault, state) if fault is not None else None


def overloaded() -> HttpResponse:
    return error(503, OVERLOADED_MESSAGE, "server_error")


def plan_cache(
    state: ProviderState,
    entry: ReceivedRequest,
    api_key: str,
    body: Mapping[str, Any],
    tokens: Sequence[str],
) -> OpenAICachePlan:
    """Look the prompt up in the OpenAI cache and record the outcome on the request."""
    plan = state.openai_cache.lookup((api_key, body["model"], body.get("prompt_cache_key")), tokens)
    entry.cache_report = plan.report
    return plan
