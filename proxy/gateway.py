"""One gateway request, start to finish: the flow of ARCHITECTURE.md "Request flow".

auth -> parse -> route -> limits -> pipeline -> transport (with fallbacks) -> respond -> record.
Errors anywhere become a `GatewayError` rendered in the caller's wire format.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from analytics.recorder import RecordDraft, recorder
from proxy import limits, transport
from proxy.adapters import anthropic as anthropic_adapter
from proxy.adapters import openai as openai_adapter
from proxy.directory import Snapshot, current_snapshot, principal_for, routes
from proxy.errors import ErrorKind, GatewayError, error_bytes
from proxy.options import parse_options, split_lc_fields
from proxy.pipeline.request import PipelineRequest, WireFormat
from proxy.prepare import Prepared, prepare
from proxy.principal import Principal
from proxy.route_spec import RouteSpec
from proxy.schemas.anthropic import MessagesRequest
from proxy.schemas.openai import ChatCompletionRequest
from proxy.schemas.validate import parse_json_object, validate_against
from proxy.sessions import changed_layer, session_key
from proxy.transport import FailureKind, Reply, StreamReply, UpstreamFailure, UpstreamRequest
from proxy.usage import Usage, cost_of
from semantic_cache.integration import CachedAnswer, ResponseCache, StreamTap
from templates_registry.integration import apply_template

logger = logging.getLogger(__name__)

ENDPOINTS: dict[WireFormat, str] = {"openai": "chat.completions", "anthropic": "messages"}


@dataclass
class Context:
    """What one request has learned so far; used for headers and the record."""

    wire: WireFormat
    request_id: str
    session_id: str
    started: float = field(default_factory=time.perf_counter)
    principal: Principal | None = None
    route: RouteSpec | None = None
    served_by: RouteSpec | None = None
    stream: bool = False
    attempts: int = 0
    ttfb_ms: float | None = None
    template_version: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def request_ids(request: HttpRequest) -> tuple[str, str]:
    request_id = request.headers.get("x-request-id", "")[:100] or f"lc-{uuid.uuid4().hex}"
    return request_id, request.headers.get("x-session-id", "")[:200]


def api_key_from(request: HttpRequest) -> str:
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return request.headers.get("x-api-key", "").strip()


async def authenticate(request: HttpRequest, snapshot: Snapshot | None = None) -> Principal:
    key = api_key_from(request)
    if not key:
        raise GatewayError(ErrorKind.AUTHENTICATION, "Missing API key: send Authorization: Bearer <key> or x-api-key")
    principal = await principal_for(key, snapshot)
    if principal is None:
        raise GatewayError(ErrorKind.AUTHENTICATION, "Invalid API key: unknown, revoked or expired")
    return principal


async def resolve_route(name: str, principal: Principal, snapshot: Snapshot | None = None) -> RouteSpec:
    route = (await routes(snapshot)).get(name)
    if route is None:
        raise GatewayError(
            ErrorKind.NOT_FOUND, f"The model `{name}` does not exist or you do not have access to it.", param="model"
        )
    if not principal.may_use(route.id):
        raise GatewayError(ErrorKind.PERMISSION, f"This API key may not use the model `{name}`.", param="model")
    return route


def read_body(request: HttpRequest) -> bytes:
    limit = settings.LAYERCACHE_MAX_BODY_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise GatewayError(ErrorKind.TOO_LARGE, f"Request body exceeds the {limit}-byte limit")
    body = request.body
    if len(body) > limit:
        raise GatewayError(ErrorKind.TOO_LARGE, f"Request body exceeds the {limit}-byte limit")
    return body


def _parse(wire: WireFormat, raw: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    body = parse_json_object(raw)
    upstream_fields, lc = split_lc_fields(body)
    validate_against(MessagesRequest if wire == "anthropic" else ChatCompletionRequest, upstream_fields)
    return upstream_fields, lc


def _to_pipeline(wire: WireFormat, fields: dict[str, Any], lc: dict[str, Any], route: RouteSpec) -> PipelineRequest:
    options = parse_options(lc)
    adapter = anthropic_adapter if wire == "anthropic" else openai_adapter
    return adapter.to_pipeline(fields, options, route.provider_family)


def _to_wire(req: PipelineRequest, route: RouteSpec) -> dict[str, Any]:
    adapter = anthropic_adapter if req.wire == "anthropic" else openai_adapter
    return adapter.to_wire(req, route.upstream_model)


def _forwarded_headers(request: HttpRequest) -> dict[str, str]:
    return {name: request.headers[name] for name in transport.FORWARDED_ANTHROPIC_HEADERS if name in request.headers}


async def _call_with_fallbacks(
    ctx: Context, raw: PipelineRequest, prepared: PipelineRequest, request: HttpRequest, chain: list[RouteSpec]
) -> Reply | StreamReply:
    """Try the route, its retries, then its fallbacks in order, on 429 / 5xx / timeouts.

    A fallback gets the pipeline run again for its own provider and settings (`raw` is the
    request before the pipeline), so Anthropic markers never reach an OpenAI fallback.
    """
    assert ctx.principal is not None
    last: UpstreamFailure | None = None
    client_wants_usage = bool((raw.params.get("stream_options") or {}).get("include_usage"))
    for route in chain:
        req = prepared if route is chain[0] else await _prepare_for_fallback(raw, route, ctx.principal)
        upstream = UpstreamRequest(
            route=route,
            wire=req.wire,
            body=_to_wire(req, route),
            stream=req.stream,
            headers=_forwarded_headers(request),
            client_wants_usage=client_wants_usage,
        )
        for _ in range(1 + route.retries):
            ctx.attempts += 1
            try:
                result = await transport.send(upstream)
            except UpstreamFailure as failure:
                last = failure
                logger.info("upstream %s failed (%s): %s", route.name, failure.kind.value, failure.message)
                if not failure.kind.retryable:
                    raise
                continue
            ctx.served_by = route
            return result
    assert last is not None
    raise last


def _failure_to_error(failure: UpstreamFailure) -> GatewayError:
    headers = {"retry-after": failure.retry_after} if failure.retry_after else {}
    if failure.kind is FailureKind.RATE_LIMIT:
        return GatewayError(
            ErrorKind.RATE_LIMIT,
            f"Upstream rate limit: {failure.message}",
            headers=headers or {"retry-after": "1"},
            code="upstream_rate_limited",
        )
    if failure.kind is FailureKind.TIMEOUT:
        return GatewayError(ErrorKind.TIMEOUT, f"Upstream timed out: {failure.message}")
    if failure.kind is FailureKind.CLIENT:
        return GatewayError(
            ErrorKind.INVALID_REQUEST, f"Upstream refused the request: {failure.message}", status=failure.status
        )
    return GatewayError(ErrorKind.UPSTREAM, f"Upstream error: {failure.message}")


def _headers_for(ctx: Context) -> dict[str, str]:
    # The lean wire handler skips SecurityMiddleware, so its one relevant header is set here.
    headers = {"x-request-id": ctx.request_id, "x-content-type-options": "nosniff", **ctx.headers}
    if ctx.session_id:
        headers["x-session-id"] = ctx.session_id
    if ctx.served_by is not None:
        headers["x-layercache-route"] = ctx.served_by.name
    return headers


def _json_response(status: int, payload: bytes, headers: dict[str, str]) -> HttpResponse:
    response = HttpResponse(payload, status=status, content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    return response


def error_response(ctx: Context, error: GatewayError) -> HttpResponse:
    headers = _headers_for(ctx)
    headers.update(error.headers)
    return _json_response(error.http_status, error_bytes(ctx.wire, error), headers)


def _record(ctx: Context, status: int, usage: Usage, error_type: str = "", saved_usd: Decimal | None = None) -> None:
    if ctx.principal is None:
        return  # unauthenticated: there is no team to charge it to
    route = ctx.served_by or ctx.route
    cost = cost_of(usage, route) if route is not None else None
    recorder.record(
        RecordDraft(
            request_id=ctx.request_id,
            team_id=ctx.principal.team_id,
            api_key_id=ctx.principal.key_id,
            route_id=ctx.route.id if ctx.route else None,
            route_name=ctx.route.name if ctx.route else "",
            served_by=ctx.served_by.name if ctx.served_by else "",
            endpoint=ENDPOINTS[ctx.wire],
            stream=ctx.stream,
            status=status,
            error_type=error_type,
            cache_status=ctx.headers.get("x-layercache-cache", ""),
            input_tokens=usage.input_tokens,
            cached_read_tokens=usage.cached_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost.cost_usd if cost else 0,  # type: ignore[arg-type]
            saved_usd=saved_usd if saved_usd is not None else (cost.saved_usd if cost else 0),  # type: ignore[arg-type]
            latency_ms=(time.perf_counter() - ctx.started) * 1000,
            ttfb_ms=ctx.ttfb_ms,
            upstream_attempts=ctx.attempts,
            session_id=ctx.session_id,
            template_version=ctx.template_version,
        )
    )


async def _charge(ctx: Context, usage: Usage) -> None:
    route = ctx.served_by or ctx.route
    if ctx.principal is not None and route is not None and usage.total_tokens:
        await limits.charge(ctx.principal, usage.total_tokens, cost_of(usage, route).cost_usd)


def _stream_response(
    ctx: Context, reply: StreamReply, decorate: Callable[[], dict[str, str]], tap: StreamTap | None = None
) -> StreamingHttpResponse:
    async def relay() -> AsyncIterator[bytes]:
        try:
            async for event in reply.events():
                if ctx.ttfb_ms is None:
                    ctx.ttfb_ms = (time.perf_counter() - ctx.started) * 1000
                if tap is not None:
                    tap.feed(event)
                yield event
        finally:
            if tap is not None:
                tap.finish(reply)  # stores only a stream that reached its terminal event
            status = 200 if reply.completed and reply.error is None else 502
            _record(ctx, status, reply.usage, "" if status == 200 else "upstream_stream_error")
            await _charge(ctx, reply.usage)

    response = StreamingHttpResponse(relay(), content_type="text/event-stream")
    response["cache-control"] = "no-cache"
    response["x-accel-buffering"] = "no"
    for name, value in decorate().items():
        response[name] = value
    return response


async def handle(request: HttpRequest, wire: WireFormat) -> HttpResponse | StreamingHttpResponse:
    request_id, session_id = request_ids(request)
    ctx = Context(wire=wire, request_id=request_id, session_id=session_id)
    try:
        snapshot = await current_snapshot()  # one config-generation check for the whole request
        ctx.principal = await authenticate(request, snapshot)
        fields, lc = _parse(wire, read_body(request))
        ctx.route = await resolve_route(fields["model"], ctx.principal, snapshot)
        ctx.stream = bool(fields.get("stream"))
        await limits.check(ctx.principal)
        req = _to_pipeline(wire, fields, lc, ctx.route)
        req = await apply_template(req, ctx.principal.team_id)
        ctx.template_version = req.template_version
        prepared = await _prepare(req, ctx.route, ctx.principal)
        ctx.headers.update(prepared.headers)
        await _note_changed_layer(ctx, prepared.request)
        cache = await ResponseCache.begin(request, prepared.request, ctx.route, ctx.principal, ctx.session_id)
        ctx.headers.update(cache.headers)
        hit = await cache.lookup()
        if hit is not None:
            return _cached_response(ctx, hit, prepared)
        chain = await _route_chain(ctx.route, ctx.principal, snapshot)
        try:
            result = await _call_with_fallbacks(ctx, req, prepared.request, request, chain)
        except BaseException:
            cache.abandon()  # identical requests waiting on this one may go ahead
            raise
    except UpstreamFailure as failure:
        if failure.kind is FailureKind.CLIENT and failure.body:
            # Same-format provider refusal: its own error body already speaks the caller's format.
            _record(ctx, failure.status, Usage(), "upstream_client_error")
            return _json_response(failure.status, failure.body, _headers_for(ctx))
        error = _failure_to_error(failure)
        _record(ctx, error.http_status, Usage(), failure.kind.value)
        return error_response(ctx, error)
    except GatewayError as error:
        _record(ctx, error.http_status, Usage(), error.kind.name.lower())
        return error_response(ctx, error)

    if isinstance(result, StreamReply):
        return _stream_response(ctx, result, lambda: _headers_for(ctx), cache.tap(ctx.served_by))
    ctx.ttfb_ms = (time.perf_counter() - ctx.started) * 1000
    body = prepared.decorate_body(result.body)
    _record(ctx, result.status, result.usage)
    await _charge(ctx, result.usage)
    cache.store_reply(result, ctx.served_by)  # in the background, after this response
    return _json_response(result.status, json.dumps(body, ensure_ascii=False).encode(), _headers_for(ctx))


def _cached_response(ctx: Context, hit: CachedAnswer, prepared: Prepared) -> HttpResponse | StreamingHttpResponse:
    """A response-cache hit in the caller's mode: no provider tokens, what it saved recorded."""
    ctx.headers.update(hit.headers)
    ctx.ttfb_ms = (time.perf_counter() - ctx.started) * 1000
    assert ctx.route is not None
    _record(ctx, 200, Usage(), saved_usd=hit.saved_usd(ctx.route))
    if not ctx.stream:
        body = prepared.decorate_body(hit.body)
        return _json_response(200, json.dumps(body, ensure_ascii=False).encode(), _headers_for(ctx))
    include_usage = bool((prepared.request.params.get("stream_options") or {}).get("include_usage"))
    response = StreamingHttpResponse(hit.events(include_usage), content_type="text/event-stream")
    response["cache-control"] = "no-cache"
    response["x-accel-buffering"] = "no"
    for name, value in _headers_for(ctx).items():
        response[name] = value
    return response


async def _prepare(req: PipelineRequest, route: RouteSpec, principal: Principal) -> Prepared:
    if "dynamic_few_shot" in req.options.enhancements:
        # Picking examples embeds the query and reads the database: not on the event loop.
        return await sync_to_async(prepare, thread_sensitive=False)(req, route, principal)
    return prepare(req, route, principal)


async def _prepare_for_fallback(raw: PipelineRequest, route: RouteSpec, principal: Principal) -> PipelineRequest:
    return (await _prepare(dataclasses.replace(raw, provider_family=route.provider_family), route, principal)).request


async def _note_changed_layer(ctx: Context, req: PipelineRequest) -> None:
    assert ctx.principal is not None
    session = session_key(req, ctx.principal.team_id, ctx.principal.key_id, ctx.session_id)
    changed = await changed_layer(req, ctx.principal.team_id, session)
    if changed is not None:
        ctx.headers["x-layercache-changed-layer"] = changed


async def _route_chain(route: RouteSpec, principal: Principal, snapshot: Snapshot) -> list[RouteSpec]:
    """The route and its fallbacks, in order, skipping fallbacks outside the key's scopes."""
    known = await routes(snapshot)
    chain = [route]
    for name in route.fallback_names:
        fallback = known.get(name)
        if fallback is not None and fallback not in chain and principal.may_use(fallback.id):
            chain.append(fallback)
    return chain
