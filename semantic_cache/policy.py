"""What one request may do with the response cache: read, write, for how long, and where.

Inputs, in one place: the `lc_*` options, LiteLLM's `cache` object, the HTTP
`Cache-Control` request header, the team's default scope and the route's settings. Every
control can only make the cache do *less* (skip a read, skip a write, narrow the scope,
shorten the acceptable age); none can widen what a request sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from proxy.pipeline.request import LayerCacheOptions
from proxy.principal import Principal
from proxy.route_spec import RouteSpec
from semantic_cache.eligibility import DEFAULT_SIMILARITY_THRESHOLD
from semantic_cache.models import CacheScope, Scope

DEFAULT_TTL_SECONDS = 300

# Widest first: a request's scope is the narrower of the team's default and its own.
_WIDTH = {Scope.TEAM.value: 0, Scope.KEY.value: 1, Scope.SESSION.value: 2}


@dataclass(frozen=True)
class CachePolicy:
    read: bool
    read_semantic: bool
    write: bool
    ttl_seconds: int
    # Oldest entry the client accepts (Cache-Control max-age / LiteLLM s-maxage).
    max_age_seconds: int | None
    scope: CacheScope | None
    namespace: str
    threshold: float
    # Why nothing at all happens ("" when something does); reported as BYPASS.
    bypass_reason: str = ""

    @property
    def active(self) -> bool:
        return self.read or self.write


@dataclass(frozen=True)
class CacheControl:
    no_cache: bool = False
    no_store: bool = False
    max_age: int | None = None


_DIRECTIVE_RE = re.compile(r"\s*([A-Za-z-]+)\s*(?:=\s*\"?(\d+)\"?)?\s*")


def parse_cache_control(header: str) -> CacheControl:
    """The request directives of RFC 9111 that matter here; unknown ones are ignored."""
    no_cache = no_store = False
    max_age: int | None = None
    for part in header.split(","):
        match = _DIRECTIVE_RE.fullmatch(part)
        if match is None:
            continue
        name, value = match.group(1).lower(), match.group(2)
        if name == "no-cache":
            no_cache = True
        elif name == "no-store":
            no_store = True
        elif name == "max-age" and value is not None:
            max_age = int(value) if max_age is None else min(max_age, int(value))
    return CacheControl(no_cache, no_store, max_age)


def resolve_scope(principal: Principal, requested: str | None, session_id: str) -> tuple[CacheScope | None, str]:
    """The partition for this request, or (None, reason) when it cannot have one.

    The team's `cache_scope` is the widest a request may use; `lc_cache_scope` may narrow
    it (team -> key -> session), and asking for a wider one keeps the team's.
    """
    team_scope = principal.team_cache_scope if principal.team_cache_scope in _WIDTH else Scope.TEAM.value
    scope = team_scope
    if requested in _WIDTH and _WIDTH[requested] > _WIDTH[team_scope]:
        scope = requested
    if scope == Scope.SESSION:
        if not session_id:
            # Session isolation without a session would silently become team sharing.
            return None, "session scope without a session id"
        return CacheScope(principal.team_id, scope, session_id=session_id), ""
    if scope == Scope.KEY:
        return CacheScope(principal.team_id, scope, key_id=principal.key_id), ""
    return CacheScope(principal.team_id, Scope.TEAM.value), ""


def resolve_policy(
    options: LayerCacheOptions,
    control: CacheControl,
    principal: Principal,
    route: RouteSpec,
    session_id: str,
) -> CachePolicy:
    ttl = DEFAULT_TTL_SECONDS if options.cache_ttl is None else options.cache_ttl
    ages = [a for a in (control.max_age, options.cache_max_age) if a is not None]
    max_age = min(ages) if ages else None
    threshold = route.semantic_cache_threshold
    scope, scope_problem = resolve_scope(principal, options.cache_scope, session_id)
    bypass_reason = ""
    if options.bypass_cache:
        bypass_reason = "lc_bypass_cache"
    elif scope is None:
        bypass_reason = scope_problem
    read = not bypass_reason and not (options.cache_no_cache or control.no_cache) and max_age != 0
    write = not bypass_reason and not (options.cache_no_store or control.no_store) and ttl > 0
    if not (read or write) and not bypass_reason:
        bypass_reason = "no read and no store requested"
    return CachePolicy(
        read=read,
        read_semantic=read and route.semantic_cache_enabled and not options.skip_semantic_cache,
        write=write,
        ttl_seconds=ttl,
        max_age_seconds=max_age,
        scope=scope,
        namespace=options.cache_namespace or "",
        threshold=DEFAULT_SIMILARITY_THRESHOLD if threshold is None else threshold,
        bypass_reason=bypass_reason,
    )
