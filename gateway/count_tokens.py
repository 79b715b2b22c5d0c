"""`POST /v1/messages/count_tokens` (the Anthropic SDK's `messages.count_tokens`; coding
agents call it to decide when to compact).

An Anthropic route answers it itself, exactly. Any other route's count is made locally
with LiteLLM's tokenizer for the model and is said to be an estimate: the body carries
`"estimate": true` and the header `x-layercache-estimate: true`. The count is of the body as
sent (no template or enhancements applied).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from gateway.handler import json_response, read_json, request_ids, resolve_route
from gateway.services import Services
from gateway.upstream import UpstreamExhausted, call
from proxy.auth import authenticate
from proxy.errors import bad_request
from proxy.options import parse_options, split_lc_fields
from proxy.route_spec import RouteKind, RouteSpec, UpstreamApi
from proxy.transport import FORWARDED_ANTHROPIC_HEADERS, Reply, UpstreamCall
from proxy.wire import errors as wire_errors
from proxy.wire.anthropic_messages import ANTHROPIC_MESSAGES
from proxy.wire.anthropic_messages.schema import check_count_tokens


async def handle(http: HttpRequest, services: Services) -> HttpResponse:
    ids = request_ids(http)
    headers = {"x-request-id": ids.request_id}
    try:
        snapshot = await services.directory.snapshot()
        principal = await authenticate(http, services.directory, snapshot)
        fields, lc = split_lc_fields(read_json(http))
        route = await resolve_route(services, fields.get("model"), principal, snapshot, RouteKind.CHAT)
        check_count_tokens(fields)
        if fields.get("max_tokens") is None:
            fields = {**fields, "max_tokens": 1}  # parse() wants a messages request
        req = ANTHROPIC_MESSAGES.parse(fields, parse_options(lc), route)
        forwarded = {name: http.headers[name] for name in FORWARDED_ANTHROPIC_HEADERS if name in http.headers}
        if route.speaks(UpstreamApi.ANTHROPIC_COUNT_TOKENS):
            body = ANTHROPIC_MESSAGES.render(req, route)
            body.pop("max_tokens", None)
            body.pop("stream", None)

            async def build(target: RouteSpec, first: bool) -> tuple[UpstreamCall, None]:
                return UpstreamCall(target, UpstreamApi.ANTHROPIC_COUNT_TOKENS, body, headers=forwarded), None

            answer = await call(services.transport, [route], build)
            assert isinstance(answer.reply, Reply)
            return json_response(answer.reply.status, answer.reply.body, {**headers, "x-layercache-route": route.name})
        chat = ANTHROPIC_MESSAGES.to_chat(req, route)
        counted = await sync_to_async(services.transport.count_tokens, thread_sensitive=False)(route, chat)
        if counted < 0:
            raise bad_request("the request could not be counted", "messages")
        headers.update({"x-layercache-estimate": "true", "x-layercache-route": route.name})
        return json_response(200, {"input_tokens": counted, "estimate": True}, headers)
    except UpstreamExhausted as exhausted:
        return wire_errors.render(ANTHROPIC_MESSAGES, wire_errors.from_upstream(exhausted.failure), headers)
    except Exception as exc:
        error = wire_errors.as_gateway_error(exc)
        if error is None:
            raise
        return wire_errors.render(ANTHROPIC_MESSAGES, error, headers)
