"""The one NinjaAPI: every app's router is added here, and errors are mapped once
(`proxy.wire.errors`), in the envelope of the protocol the path speaks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from proxy.wire import errors as wire_errors


def build_api() -> NinjaAPI:
    from analytics.api import router as analytics_router
    from gateway.api import router as gateway_router
    from semantic_cache.api import router as cache_router
    from templates_registry.api import router as templates_router

    api = NinjaAPI(title="LayerCache", version="1", urls_namespace="layercache", docs_url="/docs")
    api.add_router("/", gateway_router)
    api.add_router("/prompts", templates_router)
    api.add_router("/cache", cache_router)
    api.add_router("/", analytics_router)

    def any_error(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
        error = wire_errors.as_gateway_error(exc) if isinstance(exc, Exception) else None
        if error is None or not isinstance(exc, Exception):
            raise exc  # a bug: Django logs it and answers with the JSON 500 (views.server_error)
        return wire_errors.render_for_path(request.path, error)

    # ninja registers its own handlers for its exceptions: ours replace them, one mapper.
    for kind in (Exception, NinjaValidationError, AuthenticationError, HttpError):
        api.add_exception_handler(kind, any_error)
    return api
