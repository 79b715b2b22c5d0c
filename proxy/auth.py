"""API-key authentication for the management endpoints (templates, cache, metrics).

The wire endpoints authenticate in gateway.py on the cached async path; these endpoints
are low-traffic, so they look the key up directly. `request.auth` is the `Principal`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security.base import AuthBase

from proxy.directory import load_principal
from proxy.gateway import api_key_from
from proxy.principal import Principal


class ApiKeyAuth(AuthBase):
    """`Authorization: Bearer <key>` or `x-api-key: <key>`; unknown keys get a 401."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Principal | None:
        key = api_key_from(request)
        if not key:
            return None
        principal = load_principal(key)
        if principal is None or (principal.expires_at is not None and principal.expires_at <= timezone.now()):
            return None
        return principal


api_key_auth = ApiKeyAuth()


def principal_of(request: Any) -> Principal:
    principal: Principal = request.auth
    return principal
