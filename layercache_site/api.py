"""The one NinjaAPI: every app's router is added here, and errors are mapped once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from proxy.errors import ErrorKind, GatewayError, error_bytes, wire_for_path


def _render(request: HttpRequest, error: GatewayError) -> HttpResponse:
    response = HttpResponse(
        error_bytes(wire_for_path(request.path), error), status=error.http_status, content_type="application/json"
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def build_api() -> NinjaAPI:
    from analytics.api import router as analytics_router
    from proxy.api import router as proxy_router
    from semantic_cache.api import router as cache_router
    from templates_registry.api import router as templates_router

    api = NinjaAPI(title="LayerCache", version="1", urls_namespace="layercache", docs_url="/docs")
    api.add_router("/", proxy_router)
    api.add_router("/prompts", templates_router)
    api.add_router("/cache", cache_router)
    api.add_router("/", analytics_router)

    @api.exception_handler(GatewayError)
    def gateway_error(request: HttpRequest, exc: GatewayError) -> HttpResponse:
        return _render(request, exc)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        location = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "payload", "query"))
        return _render(
            request,
            GatewayError(
                ErrorKind.INVALID_REQUEST,
                f"Invalid value for {location or 'request'}: {first.get('msg', 'invalid')}",
                param=location or None,
            ),
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _render(request, GatewayError(ErrorKind.AUTHENTICATION, "Missing or invalid API key"))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        kinds = {k.value: k for k in ErrorKind}
        return _render(
            request,
            GatewayError(kinds.get(exc.status_code, ErrorKind.INVALID_REQUEST), str(exc), status=exc.status_code),
        )

    return api
