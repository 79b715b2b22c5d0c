"""One wire request, start to finish (ARCHITECTURE.md "Request flow").

    auth -> wire.parse -> route -> limits -> template -> pipeline -> response caches
         -> upstream (retries, fallbacks; native or translated) -> render / relay
         -> outcomes -> response headers (gateway/headers.py) and record (analytics)

Every refusal is a `GatewayError` rendered by the caller's `WireFormat`; every other
failure goes through the one error mapper (`proxy/wire/errors.py`). What happened is kept
as values (`PipelineReport`, `CacheOutcome`, `UpstreamOutcome`) and turned into headers and
the request record once each.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from gateway.headers import RequestIds, response_headers
from gateway.relay import StreamEnd, relay
from gateway.services import Services
from gateway.sessions import compare_with_previous, session_key
from gateway.upstream import Answer, UpstreamExhausted, WireLeg, call, wire_builder
from proxy.auth import authenticate
from proxy.directory import Snapshot
from proxy.errors import ErrorKind, GatewayError, bad_request
from proxy.options import parse_options, split_lc_fields
from proxy.outcomes import CacheOutcome, PipelineReport, RequestOutcome, UpstreamOutcome
from proxy.pipeline.request import PipelineRequest
from proxy.principal import Principal
from proxy.route_spec import RouteKind, RouteSpec
from proxy.transport import FORWARDED_ANTHROPIC_HEADERS, Reply, StreamReply
from proxy.usage import Usage, cost_of
from proxy.wire import errors as wire_errors
from proxy.wire.base import WireFormat
from proxy.wire.body import parse_json_object
from proxy.wire.openai_chat import OPENAI_CHAT
from semantic_cache.integration import CachedAnswer, ResponseCache
from templates_registry.integration import apply_template

# Printable ASCII only: anything else in a client's id would be echoed into our headers.
_SAFE_ID = re.compile(r"^[\x21-\x7e]{1,100}$")


def request_ids(request: HttpRequest) -> RequestIds:
    given = request.headers.get("x-request-id", "")
    session = request.headers.get("x-session-id", "")
    return RequestIds(
        request_id=given if _SAFE_ID.match(given) else f"lc-{uuid.uuid4().hex}",
        session_id=session[:200] if _SAFE_ID.match(session[:200]) else "",
    )


def read_body(request: HttpRequest) -> bytes:
    limit = settings.LAYERCACHE_MAX_BODY_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise GatewayError(ErrorKind.TOO_LARGE, f"Request body exceeds the {limit}-byte limit")
    body = request.body
    if len(body) > limit:
        raise GatewayError(ErrorKind.TOO_LARGE, f"Request body exceeds the {limit}-byte limit")
    return body


def read_json(request: HttpRequest) -> dict[str, Any]:
    return parse_json_object(read_body(request))


async def resolve_route(
    services: Services, name: Any, principal: Principal, snapshot: Snapshot, kind: RouteKind
) -> RouteSpec:
    if not isinstance(name, str) or not name:
        raise bad_request("Missing required field: model", "model")
    route = (await services.directory.routes(snapshot)).get(name)
    if route is None:
        raise GatewayError(
            ErrorKind.NOT_FOUND, f"The model `{name}` does not exist or you do not have access to it.", param="model"
        )
    if not principal.may_use(route.id):
        raise GatewayError(ErrorKind.PERMISSION, f"This API key may not use the model `{name}`.", param="model")
    if route.kind is not kind:
        use = "/v1/embeddings" if route.kind is RouteKind.EMBEDDING else "a chat endpoint"
        raise bad_request(f"The model `{name}` is a {route.kind.value} model: use {use}.", "model")
    return route


async def route_chain(
    services: Services, route: RouteSpec, principal: Principal, snapshot: Snapshot
) -> list[RouteSpec]:
    """The route and its fallbacks, in order, skipping fallbacks outside the key's scopes."""
    known = await services.directory.routes(snapshot)
    chain = [route]
    for name in route.fallback_names:
        fallback = known.get(name)
        if fallback is not None and fallback not in chain and principal.may_use(fallback.id):
            chain.append(fallback)
    return chain


def json_response(status: int, payload: Mapping[str, Any], headers: Mapping[str, str]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False).encode(), status=status, content_type="application/json"
    )
    for name, value in headers.items():
        response[name] = value
    return response


def stream_response(events: Any, headers: Mapping[str, str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["cache-control"] = "no-cache"
    response["x-accel-buffering"] = "no"
    for name, value in headers.items():
        response[name] = value
    return response


class Request:
    """What one request has established so far. Each field is set once, from a value."""

    def __init__(
        self, services: Services, wire: WireFormat, http: HttpRequest, name: str = "", endpoint: str = ""
    ) -> None:
        self.services = services
        # The protocol whose envelope errors use; `name` / `endpoint` as recorded (an
        # endpoint that is not a wire format of its own, embeddings, names itself).
        self.wire = wire
        self.name = name or wire.name
        self.endpoint = endpoint or wire.endpoint
        self.http = http
        self.ids = request_ids(http)
        self.started = time.perf_counter()
        self.started_at: datetime = timezone.now()
        self.principal: Principal | None = None
        self.route: RouteSpec | None = None
        self.stream = False
        self.report: PipelineReport | None = None
        self.cache: CacheOutcome | None = None

    def headers(self, upstream: UpstreamOutcome | None = None) -> dict[str, str]:
        return response_headers(self.ids, self.route, self.report, self.cache, upstream)

    def finish(self, status: int, upstream: UpstreamOutcome | None = None, error_type: str = "") -> None:
        self.services.record(
            RequestOutcome(
                request_id=self.ids.request_id,
                wire=self.name,
                endpoint=self.endpoint,
                started_at=self.started_at,
                latency_ms=(time.perf_counter() - self.started) * 1000,
                status=status,
                stream=self.stream,
                error_type=error_type,
                session_id=self.ids.session_id,
                principal=self.principal,
                route=self.route,
                pipeline=self.report,
                cache=self.cache,
                upstream=upstream,
            )
        )

    def charge(self, usage: Usage, route: RouteSpec | None) -> None:
        if self.principal is not None and route is not None and usage.total_tokens:
            cost = cost_of(usage, route).cost_usd
            self.services.background.spawn(self.services.limits.charge(self.principal, usage.total_tokens, cost))

    def error(self, error: GatewayError, upstream: UpstreamOutcome | None = None, error_type: str = "") -> HttpResponse:
        self.finish(error.http_status, upstream, error_type or error.kind.name.lower())
        return wire_errors.render(self.wire, error, self.headers(upstream))


async def handle(http: HttpRequest, wire: WireFormat, services: Services) -> HttpResponse | StreamingHttpResponse:
    r = Request(services, wire, http)
    try:
        snapshot = await services.directory.snapshot()  # one config-generation check per request
        r.principal = await authenticate(http, services.directory, snapshot)
        fields, lc = split_lc_fields(read_json(http))
        r.route = await resolve_route(services, fields.get("model"), r.principal, snapshot, RouteKind.CHAT)
        r.stream = fields.get("stream") is True
        raw = wire.parse(fields, parse_options(lc), r.route)
        await services.limits.check(r.principal)
        raw = await apply_template(raw, r.principal.team_id, services.templates)
        req, report = await services.pipelines.prepare(raw, r.route, r.principal)
        r.report = await _with_session_change(req, report, r)
        cache = ResponseCache.begin(
            services.cache, wire, req, r.route, r.principal, r.ids.session_id, http.headers.get("cache-control", "")
        )
        r.cache = cache.outcome
        hit = await cache.lookup()
        r.cache = cache.outcome
        if hit is not None:
            return _serve_hit(r, hit, req)
        chain = await route_chain(services, r.route, r.principal, snapshot)
        principal = r.principal

        async def prepare_for(fallback: RouteSpec) -> PipelineRequest:
            return (await services.pipelines.prepare(raw, fallback, principal))[0]

        forwarded = {name: http.headers[name] for name in FORWARDED_ANTHROPIC_HEADERS if name in http.headers}
        try:
            answer = await call(services.transport, chain, wire_builder(wire, req, prepare_for, forwarded))
        except BaseException:
            cache.abandon()  # identical requests waiting on this one may go ahead
            raise
    except UpstreamExhausted as exhausted:
        return _upstream_failed(r, exhausted)
    except Exception as exc:
        error = wire_errors.as_gateway_error(exc)
        if error is None:
            raise
        return r.error(error)
    if isinstance(answer.reply, StreamReply):
        return _relay(r, answer, cache)
    return _render(r, answer, cache)


async def _with_session_change(req: PipelineRequest, report: PipelineReport, r: Request) -> PipelineReport:
    assert r.principal is not None
    session = session_key(req, r.principal.key_id, r.ids.session_id)
    change = await compare_with_previous(req, r.principal.team_id, session)
    return dataclasses.replace(
        report,
        changed_layer=change.changed_layer,
        seconds_since_previous=change.seconds_since_previous,
        history_rewritten=change.history_rewritten,
    )


def _serve_hit(r: Request, hit: CachedAnswer, req: PipelineRequest) -> HttpResponse | StreamingHttpResponse:
    """A response-cache hit in the caller's mode: no provider tokens; what it replaced is
    on the outcome, for the record's savings."""
    upstream = UpstreamOutcome(ttfb_ms=(time.perf_counter() - r.started) * 1000)
    headers = r.headers()
    r.finish(200, upstream)
    if not r.stream:
        assert r.report is not None
        return json_response(200, r.wire.decorate(hit.body, r.report), headers)

    async def events() -> Any:
        for event in r.wire.replay_stream(hit.body, req):
            yield event

    return stream_response(events(), headers)


def _upstream_failed(r: Request, exhausted: UpstreamExhausted[WireLeg]) -> HttpResponse:
    failure = exhausted.failure
    upstream = UpstreamOutcome(attempts=exhausted.attempts, error=failure.error)
    sent = exhausted.context
    if not failure.error.retryable and failure.body and sent is not None and not sent.leg.bridged:
        # The provider refused the request in the caller's own protocol: its body says why.
        r.finish(failure.status, upstream, "upstream_client_error")
        response = HttpResponse(failure.body, status=failure.status, content_type="application/json")
        for name, value in r.headers(upstream).items():
            response[name] = value
        return response
    return r.error(wire_errors.from_upstream(failure), upstream, failure.error.value)


def _render(r: Request, answer: Answer[WireLeg], cache: ResponseCache) -> HttpResponse:
    reply = answer.reply
    assert isinstance(reply, Reply) and r.report is not None
    ttfb = (time.perf_counter() - r.started) * 1000
    if answer.context.leg.bridged:
        usage = OPENAI_CHAT.usage(reply.body)  # what the provider counted, in chat form
        body = r.wire.from_chat(reply.body, answer.context.request)
    else:
        body = reply.body
        usage = r.wire.usage(body)
    served_by = answer.route
    upstream = UpstreamOutcome(attempts=answer.attempts, served_by=served_by, usage=usage, ttfb_ms=ttfb)
    headers = r.headers(upstream)
    ok = 200 <= reply.status < 300
    cache.store(body if ok else None, usage, served_by)  # in the background, after this response
    r.finish(reply.status, upstream)
    r.charge(usage, served_by)
    return json_response(reply.status, r.wire.decorate(dict(body), r.report), headers)


def _relay(r: Request, answer: Answer[WireLeg], cache: ResponseCache) -> StreamingHttpResponse:
    assert isinstance(answer.reply, StreamReply)
    served_by = answer.route

    def on_end(end: StreamEnd) -> None:
        cache.store(end.body if end.completed else None, end.usage, served_by)
        upstream = UpstreamOutcome(
            attempts=answer.attempts,
            served_by=served_by,
            error=end.error,
            usage=end.usage,
            ttfb_ms=end.ttfb_ms,
            completed=end.completed,
        )
        r.finish(200 if end.completed else 502, upstream, "" if end.completed else "upstream_stream_error")
        r.charge(end.usage, served_by)

    sent = answer.context
    events = relay(answer.reply, r.wire, sent.request, sent.leg.bridged, cache.stores, r.started, on_end)
    upstream = UpstreamOutcome(attempts=answer.attempts, served_by=served_by)
    return stream_response(events, r.headers(upstream))
