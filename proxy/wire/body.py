"""A request body as a JSON object, or a 400 that says exactly what is wrong with it."""

from __future__ import annotations

import json
from typing import Any

from proxy.errors import bad_request


def parse_json_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise bad_request("Request body is empty; expected a JSON object")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"Request body is not valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:  # integers too long to read, nesting too deep
        raise bad_request(f"Request body cannot be read: {str(exc)[:200]}") from None
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body
