"""The response cache as the gateway sees it: one `ResponseCache` per request.

    cache = await ResponseCache.begin(request, prepared_req, route, principal, session_id)
    ctx.headers.update(cache.headers)            # MISS or BYPASS
    hit = await cache.lookup()                   # exact, semantic, then single-flight
    if hit: ... serve hit.body / hit.events() ...
    ... call upstream; on failure cache.abandon() ...
    cache.store_reply(reply, served_by)          # non-streamed, stored in the background
    tap = cache.tap(served_by)                   # streamed: feed(event) each, finish(reply)

Nothing here delays a response: stores, hit counts and lease releases run as background
tasks after the gateway has answered; the embedding runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils import timezone

from proxy.pipeline.request import PipelineRequest, WireFormat
from proxy.principal import Principal
from proxy.route_spec import RouteSpec
from proxy.transport import Reply, StreamReply
from proxy.usage import Usage, cost_of
from semantic_cache import hot, singleflight, store
from semantic_cache.answers import unstorable_reason
from semantic_cache.embedder import Embedder, get_embedder
from semantic_cache.guards import is_eligible_for_semantic
from semantic_cache.hot import HotKey, hot_answers
from semantic_cache.keys import RequestKeys, request_keys
from semantic_cache.lookup import Found, find_exact, find_similar
from semantic_cache.policy import CachePolicy, parse_cache_control, resolve_policy
from semantic_cache.replay import StreamAssembler, replay_events, with_fresh_id

logger = logging.getLogger(__name__)

HEADER = "x-layercache-cache"
# Bounds on how long identical requests wait for a leader; the leader's lease outlives
# one upstream attempt with room to store the answer.
MAX_WAIT_SECONDS = 120.0
STORE_MARGIN_SECONDS = 5.0

T = TypeVar("T")

_background: set[asyncio.Task[Any]] = set()


def _in_background(coro: Coroutine[Any, Any, Any]) -> None:
    # Keep a reference: the loop only holds weak ones, and a collected task is lost work.
    task = asyncio.get_running_loop().create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


_hits = store.HitTally()


async def _flush_hits() -> None:
    await asyncio.sleep(_hits.interval)
    pending = _hits.take()
    if pending:
        await sync_to_async(store.count_hits, thread_sensitive=False)(pending)


async def drain() -> None:
    """Wait for pending background stores (tests and graceful shutdown)."""
    while _background:
        await asyncio.gather(*list(_background), return_exceptions=True)


def _embedder() -> Embedder:
    return get_embedder()


def _save_sync(draft: store.EntryDraft) -> int:
    # The first call loads the model (~0.5 s): here, in a worker thread, not on the loop.
    return store.save_entry(draft, _embedder() if draft.query_text and draft.embedding is None else None)


def _reconnecting(function: Callable[[], T]) -> Callable[[], T]:
    """Run a database read in a worker thread, dropping the thread's connection if it broke.

    Worker threads keep their connection from request to request and Django's per-request
    cleanup never reaches them: without this, one database restart would fail every later
    lookup of that thread. The happy path costs nothing (no health-check query).
    """

    def run() -> T:
        try:
            return function()
        except DatabaseError:
            connection.close()  # the next call in this thread opens a fresh one
            raise

    return run


@dataclass
class CachedAnswer:
    wire: WireFormat
    body: dict[str, Any]
    usage: Usage
    headers: dict[str, str]

    def saved_usd(self, route: RouteSpec) -> Decimal:
        """What the upstream call this hit replaced would have cost."""
        return cost_of(self.usage, route).cost_usd

    async def events(self, include_usage: bool) -> AsyncIterator[bytes]:
        for event in replay_events(self.wire, self.body, include_usage):
            yield event


@dataclass
class ResponseCache:
    wire: WireFormat
    route: RouteSpec
    policy: CachePolicy
    keys: RequestKeys | None
    template_version: str
    headers: dict[str, str] = field(default_factory=dict)
    flight: singleflight.Flight | None = None
    query_vector: store.Embedding | None = None

    @classmethod
    async def begin(
        cls, request: HttpRequest, req: PipelineRequest, route: RouteSpec, principal: Principal, session_id: str
    ) -> ResponseCache:
        control = parse_cache_control(request.headers.get("cache-control", ""))
        policy = resolve_policy(req.options, control, principal, route, req.options.session_id or session_id)
        keys = request_keys(req, route.name, policy.namespace) if policy.active else None
        cache = cls(req.wire, route, policy, keys, req.template_version)
        cache.headers[HEADER] = "MISS" if policy.active else "BYPASS"
        return cache

    # --- reading ------------------------------------------------------------------------

    async def lookup(self) -> CachedAnswer | None:
        policy, keys = self.policy, self.keys
        if keys is None or policy.scope is None:
            return None
        if policy.read:
            hot_key = HotKey(policy.scope, keys.exact_key, self.wire)
            # Read before the database so a copy made from it is never newer than its tokens.
            tokens = await hot.read_tokens(hot_key)
            if tokens is not None:
                copy = hot_answers.get(hot_key, tokens, policy.max_age_seconds)
                if copy is not None:
                    return self._serve(copy)
            try:
                found = await self._find_in_database()
            except DatabaseError:
                # The cache is an optimisation: without it the request still gets answered.
                logger.warning("response-cache lookup failed; answering from upstream", exc_info=True)
                return None
            if found is not None:
                if tokens is not None and not found.semantic:
                    hot_answers.put(hot_key, found, tokens)
                return self._serve(found)
        return await self._single_flight()

    async def _find_in_database(self) -> Found | None:
        """The exact read, then, when allowed and it found nothing, the semantic search, in
        one worker thread.

        One thread, not two side by side: on this kind of 2-core box the query embedding
        (most of a semantic hit's cost) already uses both cores, and an exact read beside it
        slowed it by more than the read takes (~0.6 ms) while adding a second thread hop.
        """
        return await sync_to_async(_reconnecting(self._find_sync), thread_sensitive=False)()

    def _find_sync(self) -> Found | None:
        found = self._find_exact_sync()
        if found is not None or not (self.policy.read_semantic and self._semantic_eligible()):
            return found
        return self._find_similar_sync()

    async def _find_exact(self) -> Found | None:
        try:
            return await sync_to_async(_reconnecting(self._find_exact_sync), thread_sensitive=False)()
        except DatabaseError:
            logger.warning("response-cache lookup failed; answering from upstream", exc_info=True)
            return None

    def _find_exact_sync(self) -> Found | None:
        assert self.keys is not None and self.policy.scope is not None
        return find_exact(self.policy.scope, self.keys.exact_key, self.wire, self.policy.max_age_seconds)

    def _semantic_eligible(self) -> bool:
        assert self.keys is not None
        return not self.keys.semantic_ineligible and is_eligible_for_semantic(self.keys.query_text)

    def _find_similar_sync(self) -> Found | None:
        assert self.keys is not None and self.policy.scope is not None
        embedder = _embedder()
        vector = embedder.embed_one(self.keys.query_text)
        # Kept for the store after a miss, which then needs no second embedding.
        self.query_vector = store.Embedding(embedder.model_name, vector)
        return find_similar(
            self.policy.scope,
            self.keys.context_fingerprint,
            self.wire,
            embedder.model_name,
            vector,
            self.keys.query_text,
            self.policy.threshold,
            self.policy.max_age_seconds,
            embedder,
        )

    def _serve(self, found: Found) -> CachedAnswer:
        assert self.policy.scope is not None
        age = max(0, int((timezone.now() - found.created_at).total_seconds()))
        headers = {
            HEADER: "SEMANTIC_HIT" if found.semantic else "HIT",
            "x-layercache-similarity": f"{found.similarity:.4f}",
            "x-layercache-cache-age": str(age),
        }
        if _hits.add(self.policy.scope, found.entry_id):
            _in_background(_flush_hits())
        return CachedAnswer(
            self.wire, with_fresh_id(self.wire, found.response), store.usage_from_json(found.usage), headers
        )

    async def _single_flight(self) -> CachedAnswer | None:
        """Lead the upstream call for this exact key, or wait for the one in flight."""
        assert self.keys is not None
        lease_seconds = min(
            MAX_WAIT_SECONDS, self.route.timeout_seconds * (1 + self.route.retries) + STORE_MARGIN_SECONDS
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lease_seconds
        while True:
            if self.policy.write:
                self.flight = await singleflight.lead(self.keys.exact_key, int(lease_seconds * 1000))
                if self.flight is not None or not self.policy.read:
                    return None
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            waited = await singleflight.wait(self.keys.exact_key, remaining)
            if waited is not singleflight.Waited.LANDED:
                return None
            found = await self._find_exact()
            if found is not None:
                return self._serve(found)
            if not self.policy.write:
                return None

    # --- writing ------------------------------------------------------------------------

    def abandon(self) -> None:
        """The upstream call failed: let the next identical request lead."""
        if self.flight is not None:
            _in_background(self.flight.land(singleflight.Outcome.FAILED))

    def _draft(self, body: dict[str, Any], usage: Usage, served_by: RouteSpec | None) -> store.EntryDraft | None:
        if self.keys is None or self.policy.scope is None or not self.policy.write:
            return None
        if served_by is not None and served_by.name != self.route.name:
            return None  # a fallback model's answer is not this route's answer
        if unstorable_reason(self.wire, body, self.route.cache_tool_calls):
            return None
        return store.EntryDraft(
            scope=self.policy.scope,
            route_name=self.route.name,
            wire=self.wire,
            exact_key=self.keys.exact_key,
            context_fingerprint=self.keys.context_fingerprint,
            template_version=self.template_version,
            query_text=self.keys.query_text if self._semantic_eligible() else "",
            response=body,
            usage=usage,
            ttl_seconds=self.policy.ttl_seconds,
            embedding=self.query_vector,
        )

    def _finish(self, draft: store.EntryDraft | None, failed: bool = False) -> None:
        if draft is None:
            if self.flight is not None:
                outcome = singleflight.Outcome.FAILED if failed else singleflight.Outcome.UNCACHEABLE
                _in_background(self.flight.land(outcome))
            return
        _in_background(self._save(draft))

    async def _save(self, draft: store.EntryDraft) -> None:
        outcome = singleflight.Outcome.STORED
        try:
            await sync_to_async(_reconnecting(lambda: _save_sync(draft)), thread_sensitive=False)()
            await hot.mark_stored(HotKey(draft.scope, draft.exact_key, draft.wire), draft.ttl_seconds)
        except Exception:  # a failed store costs a future hit, never this response
            logger.exception("storing a response-cache entry failed")
            outcome = singleflight.Outcome.FAILED
        finally:
            if self.flight is not None:
                await self.flight.land(outcome)

    def store_reply(self, reply: Reply, served_by: RouteSpec | None) -> None:
        ok = 200 <= reply.status < 300
        self._finish(self._draft(reply.body, reply.usage, served_by) if ok else None, failed=not ok)

    def tap(self, served_by: RouteSpec | None) -> StreamTap | None:
        if self.keys is None or not self.policy.write:
            return None
        return StreamTap(self, served_by)


class StreamTap:
    """Watches a relayed stream; stores it once it ended with its terminal event."""

    def __init__(self, cache: ResponseCache, served_by: RouteSpec | None) -> None:
        self.cache = cache
        self.served_by = served_by
        self.assembler = StreamAssembler(cache.wire)
        self.finished = False

    def feed(self, event: bytes) -> None:
        self.assembler.feed(event)

    def finish(self, reply: StreamReply) -> None:
        if self.finished:
            return
        self.finished = True
        complete = reply.completed and reply.error is None
        body = self.assembler.body(reply.usage) if complete else None
        draft = self.cache._draft(body, reply.usage, self.served_by) if body is not None else None
        self.cache._finish(draft, failed=not complete)
