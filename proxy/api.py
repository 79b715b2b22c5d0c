"""The wire endpoints: OpenAI chat completions, Anthropic messages, model list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from ninja import Router

from proxy import gateway
from proxy.directory import current_snapshot, routes
from proxy.errors import GatewayError

router = Router(tags=["gateway"])


@router.post("/chat/completions", include_in_schema=True)
async def chat_completions(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return await gateway.handle(request, "openai")


@router.post("/messages")
async def messages(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return await gateway.handle(request, "anthropic")


@router.get("/models")
async def list_models(request: HttpRequest) -> HttpResponse:
    request_id, session_id = gateway.request_ids(request)
    ctx = gateway.Context(wire="openai", request_id=request_id, session_id=session_id)
    snapshot = await current_snapshot()
    try:
        principal = await gateway.authenticate(request, snapshot)
    except GatewayError as error:
        return gateway.error_response(ctx, error)
    data = [
        {"id": route.name, "object": "model", "created": 0, "owned_by": route.provider}
        for route in (await routes(snapshot)).values()
        if principal.may_use(route.id)
    ]
    response = JsonResponse({"object": "list", "data": data})
    response["x-request-id"] = request_id
    return response
