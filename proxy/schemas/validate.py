"""Turn a JSON body into a validated dict, or a 400 that says exactly what is wrong."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from proxy.errors import bad_request


def parse_json_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise bad_request("Request body is empty; expected a JSON object")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body


def validate_against(schema: type[BaseModel], body: dict[str, Any]) -> None:
    try:
        schema.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        message = first["msg"]
        if first["type"] == "missing":
            raise bad_request(f"Missing required field: {location}", location or None) from None
        raise bad_request(f"Invalid value for {location or 'body'}: {message}", location or None) from None
