"""The gateway's endpoints: every registered wire format on its path, plus models,
embeddings and token counting.

Views take the gateway's services from the ASGI scope (the application puts them there);
errors raised here are rendered by the one error mapper in the caller's envelope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from ninja import Router

from gateway import count_tokens, embeddings
from gateway.handler import handle, request_ids
from gateway.services import SCOPE_KEY, Services
from proxy.auth import authenticate
from proxy.errors import ErrorKind, GatewayError
from proxy.principal import Principal
from proxy.route_spec import RouteSpec
from proxy.wire.base import WireFormat
from proxy.wire.registry import WIRE_FORMATS

router = Router(tags=["gateway"])

# Routes carry no creation time; the SDKs only need a number here.
_EPOCH = 0


def services_of(request: HttpRequest) -> Services:
    scope = getattr(request, "scope", None)
    services = scope.get(SCOPE_KEY) if isinstance(scope, dict) else None
    if not isinstance(services, Services):
        raise GatewayError(ErrorKind.SERVER, "The gateway is not running in this process (no services in scope).")
    return services


def _wire_view(wire: WireFormat) -> Callable[[HttpRequest], Awaitable[HttpResponse | StreamingHttpResponse]]:
    async def view(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
        return await handle(request, wire, services_of(request))

    view.__name__ = wire.endpoint.replace(".", "_")
    return view


for _wire in WIRE_FORMATS:
    router.add_api_operation(
        path=_wire.path.removeprefix("/v1"),
        methods=["POST"],
        view_func=_wire_view(_wire),
        operation_id=_wire.endpoint.replace(".", "_"),
        summary=f"{_wire.endpoint} ({_wire.name} wire format)",
    )


async def _principal(request: HttpRequest) -> tuple[Services, Principal, dict[str, RouteSpec]]:
    services = services_of(request)
    snapshot = await services.directory.snapshot()
    principal = await authenticate(request, services.directory, snapshot)
    return services, principal, await services.directory.routes(snapshot)


def _wants_anthropic_shape(request: HttpRequest) -> bool:
    # The Anthropic SDK sends anthropic-version; its models.list expects its own shape.
    return "anthropic-version" in request.headers


def _model(route: RouteSpec, anthropic: bool) -> dict[str, Any]:
    if anthropic:
        created = datetime.fromtimestamp(_EPOCH, UTC).isoformat().replace("+00:00", "Z")
        return {"type": "model", "id": route.name, "display_name": route.name, "created_at": created}
    return {"id": route.name, "object": "model", "created": _EPOCH, "owned_by": route.provider}


@router.get("/models")
async def list_models(request: HttpRequest) -> HttpResponse:
    _, principal, routes = await _principal(request)
    anthropic = _wants_anthropic_shape(request)
    data = [_model(route, anthropic) for route in routes.values() if principal.may_use(route.id)]
    body: dict[str, Any] = {"object": "list", "data": data}
    if anthropic:
        body = {"data": data, "has_more": False, "first_id": data[0]["id"] if data else None}
        body["last_id"] = data[-1]["id"] if data else None
    response = JsonResponse(body)
    response["x-request-id"] = request_ids(request).request_id
    return response


@router.get("/models/{model_id}")
async def retrieve_model(request: HttpRequest, model_id: str) -> HttpResponse:
    _, principal, routes = await _principal(request)
    route = routes.get(model_id)
    if route is None or not principal.may_use(route.id):
        raise GatewayError(
            ErrorKind.NOT_FOUND,
            f"The model `{model_id}` does not exist or you do not have access to it.",
            param="model",
        )
    response = JsonResponse(_model(route, _wants_anthropic_shape(request)))
    response["x-request-id"] = request_ids(request).request_id
    return response


@router.post("/embeddings")
async def create_embeddings(request: HttpRequest) -> HttpResponse:
    return await embeddings.handle(request, services_of(request))


@router.post("/messages/count_tokens")
async def messages_count_tokens(request: HttpRequest) -> HttpResponse:
    return await count_tokens.handle(request, services_of(request))
