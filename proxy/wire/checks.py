"""Small validators for request bodies: each names the field it refused.

Wire schemas are written with these rather than generated models because a client's error
should name the exact field (`messages.2.content.0.text`) and say what was expected, and
because a union such as "a string or a list of parts" must report the part that is wrong,
not that the value is not a string. Every check raises `bad_request`; none converts or
copies the value: the validated body is the client's own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from proxy.errors import GatewayError, bad_request

Check = Callable[[Any, str], None]

# Integers beyond a signed 64-bit range mean nothing to any provider (and some fail on them).
INT64 = 2**63
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_.:-]{1,128}$")


def refuse(where: str, expected: str) -> GatewayError:
    return bad_request(f"Invalid value for {where}: expected {expected}", where)


def join(where: str, key: str | int) -> str:
    return f"{where}.{key}" if where else str(key)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def string(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise refuse(where, "a string")


def nonempty_string(value: Any, where: str) -> None:
    if not isinstance(value, str) or not value:
        raise refuse(where, "a non-empty string")


def boolean(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        raise refuse(where, "a boolean")


def obj(value: Any, where: str) -> None:
    if not isinstance(value, Mapping):
        raise refuse(where, "an object")


def integer(minimum: int = -INT64, maximum: int = INT64 - 1) -> Check:
    def check(value: Any, where: str) -> None:
        if not is_int(value) or not minimum <= value <= maximum:
            raise refuse(where, f"an integer from {minimum} to {maximum}")

    return check


def number(minimum: float = -math.inf, maximum: float = math.inf) -> Check:
    def check(value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not minimum <= value <= maximum:
            raise refuse(where, f"a number from {minimum:g} to {maximum:g}")

    return check


def one_of(choices: Collection[str]) -> Check:
    def check(value: Any, where: str) -> None:
        if value not in choices:
            raise refuse(where, "one of " + ", ".join(sorted(choices)))

    return check


def list_of(item: Check, min_items: int = 0, max_items: int | None = None) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            raise refuse(where, "a list")
        if len(value) < min_items:
            raise bad_request(f"Invalid value for {where}: expected at least {min_items} item(s)", where)
        if max_items is not None and len(value) > max_items:
            raise bad_request(f"Invalid value for {where}: expected at most {max_items} item(s)", where)
        for index, element in enumerate(value):
            item(element, join(where, index))

    return check


def either(first: Check, second: Check, expected: str) -> Check:
    """`first` or `second`: a value of neither shape is refused naming both; a value of the
    second's shape (lists and objects) reports the second's own error."""

    def check(value: Any, where: str) -> None:
        try:
            first(value, where)
            return
        except GatewayError:
            if not isinstance(value, list | Mapping):
                raise refuse(where, expected) from None
        second(value, where)

    return check


def fields(
    value: Any,
    where: str,
    required: Mapping[str, Check],
    optional: Mapping[str, Check],
) -> None:
    """An object with `required` keys, `optional` keys (null allowed) and any others."""
    if not isinstance(value, Mapping):
        raise refuse(where, "an object")
    for key, check in required.items():
        if key not in value:
            place = join(where, key)
            raise bad_request(f"Missing required field: {place}", place)
        check(value[key], join(where, key))
    for key, check in optional.items():
        if value.get(key) is not None:
            check(value[key], join(where, key))


def tool_name(value: Any, where: str) -> None:
    if not isinstance(value, str) or not TOOL_NAME.match(value):
        raise refuse(where, "a tool name of 1-128 letters, digits, '_', '-', '.' or ':'")
