"""The floor of any Daphne-served endpoint: an ASGI app that reads the body and answers a
constant JSON document. bench_cache serves it with the same Daphne to measure, in the same
run, what the HTTP server and client cost before the gateway does anything."""

from __future__ import annotations

from typing import Any

BODY = b'{"id":"bare","object":"chat.completion","choices":[]}'


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": BODY})
