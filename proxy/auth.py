"""API-key authentication: the one way a request becomes a `Principal`.

The wire endpoints (async) and the management APIs (ninja, sync) share the key format, the
header rules and the cached lookup of `proxy.directory.Directory`. The server puts its
directory in the ASGI scope (`DIRECTORY_SCOPE_KEY`); a request without one (a WSGI test
client, say) is looked up uncached, by the same code.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from proxy.directory import Directory, Snapshot
from proxy.errors import ErrorKind, GatewayError
from proxy.principal import Principal

DIRECTORY_SCOPE_KEY = "layercache.directory"
_UNCACHED = Directory(cached=False)


def api_key_from(request: HttpRequest) -> str:
    """`Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic SDKs)."""
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return request.headers.get("x-api-key", "").strip()


def directory_of(request: HttpRequest) -> Directory:
    scope = getattr(request, "scope", None)
    directory = scope.get(DIRECTORY_SCOPE_KEY) if isinstance(scope, dict) else None
    return directory if isinstance(directory, Directory) else _UNCACHED


MISSING_KEY = "Missing API key: send Authorization: Bearer <key> or x-api-key"
INVALID_KEY = "Invalid API key: unknown, revoked or expired"


async def authenticate(request: HttpRequest, directory: Directory, snapshot: Snapshot) -> Principal:
    key = api_key_from(request)
    if not key:
        raise GatewayError(ErrorKind.AUTHENTICATION, MISSING_KEY)
    principal = await directory.principal_for(key, snapshot)
    if principal is None:
        raise GatewayError(ErrorKind.AUTHENTICATION, INVALID_KEY)
    return principal


class ApiKeyAuth(APIKeyHeader):
    """The management APIs' auth; `request.auth` is the `Principal`. A missing or bad key
    is a 401 in the caller's envelope (the API's error mapper renders the GatewayError)."""

    param_name = "x-api-key"

    def _get_key(self, request: HttpRequest) -> str | None:
        return api_key_from(request) or None

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal:
        if not key:
            raise GatewayError(ErrorKind.AUTHENTICATION, MISSING_KEY)
        principal = directory_of(request).principal_for_sync(key)
        if principal is None:
            raise GatewayError(ErrorKind.AUTHENTICATION, INVALID_KEY)
        return principal


api_key_auth = ApiKeyAuth()


def principal_of(request: Any) -> Principal:
    principal: Principal = request.auth
    return principal
