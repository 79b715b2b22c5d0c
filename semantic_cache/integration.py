"""The response cache as the gateway sees it: one `ResponseCache` per request.

    cache = ResponseCache.begin(runtime, wire, prepared_req, route, principal, session_id, cache_control)
    hit = await cache.lookup()                   # exact, semantic, then single-flight
    if hit: ... serve hit.body (or wire.replay_stream(hit.body)) ...; cache.outcome says how
    ... call upstream; on failure cache.abandon() ...
    cache.store(body, usage, served_by)          # a complete answer, stored in the background

The answer is kept in the caller's protocol; the `WireFormat` says what may be stored and
gives every served copy a fresh id. Nothing here delays a response: stores, hit counts and
lease releases run as background tasks after the gateway has answered; the embedding runs
in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection
from django.utils import timezone

from proxy.background import Background
from proxy.outcomes import CacheOutcome, CacheStatus
from proxy.pipeline.request import PipelineRequest
from proxy.principal import Principal
from proxy.route_spec import RouteSpec
from proxy.usage import Usage
from proxy.wire.base import WireFormat
from semantic_cache import hot, singleflight
from semantic_cache import store as entries
from semantic_cache.eligibility import is_eligible_for_semantic
from semantic_cache.embedder import Embedder
from semantic_cache.hot import HotAnswers, HotKey
from semantic_cache.keys import RequestKeys, request_keys
from semantic_cache.lookup import Found, SimilarResult, find_exact, find_similar
from semantic_cache.policy import CachePolicy, parse_cache_control, resolve_policy
from semantic_cache.verification.registry import Verifiers

logger = logging.getLogger(__name__)

# Bounds on how long identical requests wait for a leader; the leader's lease outlives
# one upstream attempt with room to store the answer.
MAX_WAIT_SECONDS = 120.0
STORE_MARGIN_SECONDS = 5.0

T = TypeVar("T")


@dataclass
class CacheRuntime:
    """What the response cache keeps per process, built once at start-up (gateway services)."""

    hot_answers: HotAnswers
    hits: entries.HitTally
    background: Background
    embedder: Callable[[], Embedder]
    # The semantic verifier chains (the default and each route's), built at start-up.
    verifiers: Verifiers
    _flush_now: asyncio.Event | None = field(default=None, init=False, repr=False)

    async def flush_hits(self) -> None:
        """Write the tallied hit counts after `hits.interval` seconds (or at once when asked:
        shutdown, tests), so a burst of hits is one UPDATE."""
        self._flush_now = self._flush_now or asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._flush_now.wait(), self.hits.interval)
        pending = self.hits.take()
        if pending:
            await sync_to_async(entries.count_hits, thread_sensitive=False)(pending)

    def flush_hits_now(self) -> None:
        if self._flush_now is not None:
            self._flush_now.set()
            self._flush_now = None


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


@dataclass(frozen=True)
class CachedAnswer:
    """A stored answer served to this request (fresh id), and how it was found."""

    body: dict[str, Any]
    usage: Usage
    outcome: CacheOutcome


class ResponseCache:
    def __init__(
        self,
        runtime: CacheRuntime,
        wire: WireFormat,
        route: RouteSpec,
        policy: CachePolicy,
        keys: RequestKeys | None,
        template_version: str,
    ) -> None:
        self.runtime = runtime
        self.wire = wire
        self.route = route
        self.policy = policy
        self.keys = keys
        self.template_version = template_version
        self.outcome = CacheOutcome(CacheStatus.MISS) if policy.active else CacheOutcome.bypass(policy.bypass_reason)
        self.flight: singleflight.Flight | None = None
        self.query_vector: entries.Embedding | None = None
        # The semantic search's decision, set by the worker thread that made it.
        self.similar: SimilarResult | None = None

    @classmethod
    def begin(
        cls,
        runtime: CacheRuntime,
        wire: WireFormat,
        req: PipelineRequest,
        route: RouteSpec,
        principal: Principal,
        session_id: str,
        cache_control: str,
    ) -> ResponseCache:
        control = parse_cache_control(cache_control)
        policy = resolve_policy(req.options, control, principal, route, req.options.session_id or session_id)
        keys = request_keys(req, route.name, policy.namespace) if policy.active else None
        return cls(runtime, wire, route, policy, keys, req.template_version)

    @property
    def stores(self) -> bool:
        """Whether an answer to this request would be stored (streams assemble it then)."""
        return self.keys is not None and self.policy.write

    # --- reading ------------------------------------------------------------------------

    async def lookup(self) -> CachedAnswer | None:
        policy, keys = self.policy, self.keys
        if keys is None or policy.scope is None:
            return None
        if policy.read:
            hot_key = HotKey(policy.scope, keys.exact_key, self.wire.name)
            # Read before the database so a copy made from it is never newer than its tokens.
            tokens = await hot.read_tokens(hot_key)
            if tokens is not None:
                copy = self.runtime.hot_answers.get(hot_key, tokens, policy.max_age_seconds)
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
                    self.runtime.hot_answers.put(hot_key, found, tokens)
                return self._serve(found)
            if self.similar is not None and self.similar.verdict is not None:
                # A candidate reached the threshold and was turned away: say by whom and why.
                self.outcome = replace(self.outcome, similarity=self.similar.similarity, verdict=self.similar.verdict)
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
        return find_exact(self.policy.scope, self.keys.exact_key, self.wire.name, self.policy.max_age_seconds)

    def _semantic_eligible(self) -> bool:
        assert self.keys is not None
        return not self.keys.semantic_ineligible and is_eligible_for_semantic(self.keys.query_text)

    def _find_similar_sync(self) -> Found | None:
        assert self.keys is not None and self.policy.scope is not None
        embedder = self.runtime.embedder()
        vector = embedder.embed_one(self.keys.query_text)
        # Kept for the store after a miss, which then needs no second embedding.
        self.query_vector = entries.Embedding(embedder.model_name, vector)
        self.similar = find_similar(
            self.policy.scope,
            self.keys.context_fingerprint,
            self.wire.name,
            embedder.model_name,
            vector,
            self.keys.query_text,
            self.policy.threshold,
            self.policy.max_age_seconds,
            self.runtime.verifiers.for_route(self.route.semantic_verifier),
        )
        return self.similar.found

    def _serve(self, found: Found, waited: bool = False) -> CachedAnswer:
        assert self.policy.scope is not None
        age = max(0, int((timezone.now() - found.created_at).total_seconds()))
        usage = entries.usage_from_json(found.usage)
        self.outcome = CacheOutcome(
            CacheStatus.SEMANTIC_HIT if found.semantic else CacheStatus.HIT,
            similarity=found.similarity,
            age_seconds=age,
            entry_id=found.entry_id,
            replaced_usage=usage,
            verdict=self.similar.verdict if found.semantic and self.similar is not None else None,
            waited_for_leader=waited,
        )
        if self.runtime.hits.add(self.policy.scope, found.entry_id):
            self.runtime.background.spawn(self.runtime.flush_hits())
        return CachedAnswer(self.wire.served_body(found.response), usage, self.outcome)

    async def _single_flight(self) -> CachedAnswer | None:
        """Lead the upstream call for this exact key, or wait for the one in flight."""
        assert self.keys is not None
        lease_seconds = min(
            MAX_WAIT_SECONDS, self.route.timeout_seconds * (1 + self.route.retries) + STORE_MARGIN_SECONDS
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lease_seconds
        waited = False
        while True:
            if self.policy.write:
                self.flight = await singleflight.lead(self.keys.exact_key, int(lease_seconds * 1000))
                if self.flight is not None or not self.policy.read:
                    break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            waited = True
            result = await singleflight.wait(self.keys.exact_key, remaining)
            if result is not singleflight.Waited.LANDED:
                break
            found = await self._find_exact()
            if found is not None:
                return self._serve(found, waited=True)
            if not self.policy.write:
                break
        if waited:
            self.outcome = replace(self.outcome, waited_for_leader=True)
        return None

    # --- writing ------------------------------------------------------------------------

    def abandon(self) -> None:
        """The upstream call failed: let the next identical request lead."""
        if self.flight is not None:
            self.runtime.background.spawn(self.flight.land(singleflight.Outcome.FAILED))

    def store(self, body: dict[str, Any] | None, usage: Usage, served_by: RouteSpec | None) -> None:
        """Store a complete answer in the background; None (a failed or cut answer) only
        releases the lease."""
        draft = self._draft(body, usage, served_by) if body is not None else None
        if draft is None:
            if self.flight is not None:
                outcome = singleflight.Outcome.FAILED if body is None else singleflight.Outcome.UNCACHEABLE
                self.runtime.background.spawn(self.flight.land(outcome))
            return
        self.runtime.background.spawn(self._save(draft))

    def _draft(self, body: dict[str, Any], usage: Usage, served_by: RouteSpec | None) -> entries.EntryDraft | None:
        if self.keys is None or self.policy.scope is None or not self.policy.write:
            return None
        if served_by is not None and served_by.name != self.route.name:
            return None  # a fallback model's answer is not this route's answer
        if self.wire.unstorable_reason(body, self.route.cache_tool_calls):
            return None
        return entries.EntryDraft(
            scope=self.policy.scope,
            route_name=self.route.name,
            wire=self.wire.name,
            exact_key=self.keys.exact_key,
            context_fingerprint=self.keys.context_fingerprint,
            template_version=self.template_version,
            query_text=self.keys.query_text if self._semantic_eligible() else "",
            response=body,
            usage=usage,
            ttl_seconds=self.policy.ttl_seconds,
            embedding=self.query_vector,
        )

    def _save_sync(self, draft: entries.EntryDraft) -> int:
        # The first call loads the model (~0.5 s): here, in a worker thread, not on the loop.
        embedder = self.runtime.embedder() if draft.query_text and draft.embedding is None else None
        return entries.save_entry(draft, embedder)

    async def _save(self, draft: entries.EntryDraft) -> None:
        outcome = singleflight.Outcome.STORED
        try:
            await sync_to_async(_reconnecting(lambda: self._save_sync(draft)), thread_sensitive=False)()
            await hot.mark_stored(HotKey(draft.scope, draft.exact_key, draft.wire), draft.ttl_seconds)
        except Exception:  # a failed store costs a future hit, never this response
            logger.exception("storing a response-cache entry failed")
            outcome = singleflight.Outcome.FAILED
        finally:
            if self.flight is not None:
                await self.flight.land(outcome)
