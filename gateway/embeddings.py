"""`POST /v1/embeddings` (OpenAI's shape) to routes of embedding models (`kind: embedding`).

Identical input to the same model for the same team (its cache scope) is answered from the
exact response cache; the key covers the route, the input and every parameter. Upstream,
a route that speaks the OpenAI embeddings API is called directly, any other through
LiteLLM; retries and fallbacks as for chat. Each request is recorded with its usage.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from gateway.handler import Request, json_response, read_json, resolve_route, route_chain
from gateway.services import Services
from gateway.upstream import UpstreamExhausted, call
from proxy.auth import authenticate
from proxy.errors import bad_request
from proxy.options import parse_options, split_lc_fields
from proxy.outcomes import CacheOutcome, CacheStatus, UpstreamOutcome
from proxy.route_spec import RouteKind, RouteSpec, UpstreamApi
from proxy.transport import Reply, UpstreamCall
from proxy.usage import Usage
from proxy.wire import checks as c
from proxy.wire import errors as wire_errors
from proxy.wire.openai_chat import OPENAI_CHAT
from semantic_cache import store
from semantic_cache.lookup import find_exact
from semantic_cache.policy import CachePolicy, parse_cache_control, resolve_policy

NAME = "openai_embeddings"
ENDPOINT = "embeddings"
KEY_VERSION = "lc-embeddings-1"
MAX_INPUTS = 2048

_token_list = c.list_of(c.integer(0), min_items=1)
_inputs = c.either(
    c.nonempty_string,
    c.list_of(
        c.either(c.nonempty_string, _token_list, "a string or a list of token ids"),
        min_items=1,
        max_items=MAX_INPUTS,
    ),
    "a string, a list of strings, or token ids",
)


def check_request(body: Mapping[str, Any]) -> None:
    if isinstance(body.get("input"), list) and body["input"] and all(c.is_int(v) for v in body["input"]):
        inputs: c.Check = _token_list  # one input given as token ids
    else:
        inputs = _inputs
    c.fields(
        body,
        "",
        {"model": c.nonempty_string, "input": inputs},
        {"encoding_format": c.one_of({"float", "base64"}), "dimensions": c.integer(1), "user": c.string},
    )


def cache_key(route: RouteSpec, body: Mapping[str, Any], namespace: str) -> str:
    document = {
        "v": KEY_VERSION,
        "route": route.name,
        "params": {k: v for k, v in body.items() if k not in ("model", "user")},
        "namespace": namespace,
    }
    raw = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def usage_of(body: Mapping[str, Any]) -> Usage:
    usage = body.get("usage") or {}
    tokens = usage.get("prompt_tokens") or usage.get("total_tokens") or 0
    return Usage(input_tokens=int(tokens) if c.is_int(tokens) else 0)


async def handle(http: HttpRequest, services: Services) -> HttpResponse:
    r = Request(services, OPENAI_CHAT, http, name=NAME, endpoint=ENDPOINT)
    try:
        snapshot = await services.directory.snapshot()
        r.principal = await authenticate(http, services.directory, snapshot)
        fields, lc = split_lc_fields(read_json(http))
        r.route = await resolve_route(services, fields.get("model"), r.principal, snapshot, RouteKind.EMBEDDING)
        check_request(fields)
        options = parse_options(lc)
        if options.template or options.enhancements or options.layer_hints:
            raise bad_request("lc_template, lc_enhancements and lc_layer_hints apply to chat requests only")
        await services.limits.check(r.principal)
        control = parse_cache_control(http.headers.get("cache-control", ""))
        policy = resolve_policy(options, control, r.principal, r.route, options.session_id or r.ids.session_id)
        key = cache_key(r.route, fields, policy.namespace)
        r.cache = CacheOutcome(CacheStatus.MISS) if policy.active else CacheOutcome.bypass(policy.bypass_reason)
        hit = await _lookup(policy, key)
        if hit is not None:
            r.cache, stored = hit
            upstream = UpstreamOutcome(ttfb_ms=(time.perf_counter() - r.started) * 1000)
            headers = r.headers(upstream)
            r.finish(200, upstream)
            return json_response(200, stored, headers)
        chain = await route_chain(services, r.route, r.principal, snapshot)

        async def build(route: RouteSpec, first: bool) -> tuple[UpstreamCall, None]:
            api = (
                UpstreamApi.OPENAI_EMBEDDINGS
                if route.speaks(UpstreamApi.OPENAI_EMBEDDINGS)
                else UpstreamApi.LITELLM_EMBEDDINGS
            )
            return UpstreamCall(route, api, {**fields, "model": route.upstream_model}), None

        answer = await call(services.transport, chain, build)
    except UpstreamExhausted as exhausted:
        upstream = UpstreamOutcome(attempts=exhausted.attempts, error=exhausted.failure.error)
        return r.error(wire_errors.from_upstream(exhausted.failure), upstream, exhausted.failure.error.value)
    except Exception as exc:
        error = wire_errors.as_gateway_error(exc)
        if error is None:
            raise
        return r.error(error)
    assert isinstance(answer.reply, Reply)
    body, usage = answer.reply.body, usage_of(answer.reply.body)
    upstream = UpstreamOutcome(
        attempts=answer.attempts, served_by=answer.route, usage=usage, ttfb_ms=(time.perf_counter() - r.started) * 1000
    )
    headers = r.headers(upstream)
    if policy.write and policy.scope is not None and answer.route.name == r.route.name and answer.reply.status == 200:
        draft = store.EntryDraft(
            scope=policy.scope,
            route_name=r.route.name,
            wire=NAME,
            exact_key=key,
            context_fingerprint=key,
            template_version="",
            query_text="",
            response=body,
            usage=usage,
            ttl_seconds=policy.ttl_seconds,
        )
        services.background.spawn(sync_to_async(store.save_entry, thread_sensitive=False)(draft, None))
    r.finish(answer.reply.status, upstream)
    r.charge(usage, answer.route)
    return json_response(answer.reply.status, body, headers)


async def _lookup(policy: CachePolicy, key: str) -> tuple[CacheOutcome, dict[str, Any]] | None:
    if not policy.read or policy.scope is None:
        return None
    scope, max_age = policy.scope, policy.max_age_seconds
    try:
        found = await sync_to_async(find_exact, thread_sensitive=False)(scope, key, NAME, max_age)
    except DatabaseError:
        return None  # the cache is an optimisation: answer from upstream
    if found is None:
        return None
    age = max(0, int((timezone.now() - found.created_at).total_seconds()))
    outcome = CacheOutcome(
        CacheStatus.HIT,
        similarity=1.0,
        age_seconds=age,
        entry_id=found.entry_id,
        replaced_usage=store.usage_from_json(found.usage),
    )
    return outcome, found.response
