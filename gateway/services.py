"""The gateway's runtime state, built once at start-up and passed where it is needed.

One `Services` per server process (the ASGI application builds it; tests build their
own): the config directory (keys and routes), the upstream transport, the pipeline chains,
the response cache's in-process state, limit counters, background tasks and the recorder.
Nothing on the request path keeps state in module globals instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from analytics.recording import record
from gateway.limits import Limits
from gateway.prepare import Pipelines, cache_key_salt
from proxy.background import Background
from proxy.directory import Directory
from proxy.outcomes import RequestOutcome
from proxy.transport import Transport
from semantic_cache.embedder import get_embedder
from semantic_cache.few_shot import picker_source
from semantic_cache.hot import HotAnswers
from semantic_cache.integration import CacheRuntime
from semantic_cache.store import HitTally
from semantic_cache.verification.registry import Verifiers
from templates_registry.lookup import TemplateDirectory

SCOPE_KEY = "layercache.services"


@dataclass
class Services:
    directory: Directory
    transport: Transport
    pipelines: Pipelines
    cache: CacheRuntime
    limits: Limits
    templates: TemplateDirectory
    background: Background
    record: Callable[[RequestOutcome], None]

    async def drain(self) -> None:
        """Finish everything running after responses now (tests, graceful shutdown)."""
        self.cache.flush_hits_now()
        await self.background.drain()

    async def close(self) -> None:
        await self.drain()
        await self.transport.close()


def build_services(hot_cache_entries: int | None = None, verifiers: Verifiers | None = None) -> Services:
    """A process's services; `verifiers` may be shared (they hold no per-request state,
    and building them reads the word lists and loads the model)."""
    background = Background()
    entries = settings.LAYERCACHE_HOT_CACHE_ENTRIES if hot_cache_entries is None else hot_cache_entries
    return Services(
        directory=Directory(),
        transport=Transport(),
        pipelines=Pipelines(picker_source, cache_key_salt(settings.SECRET_KEY)),
        cache=CacheRuntime(
            HotAnswers(entries),
            HitTally(),
            background,
            get_embedder,
            # Built now, with the word lists and the model, not inside the first lookup.
            verifiers or Verifiers(settings.LAYERCACHE_SEMANTIC_VERIFIER, get_embedder()),
        ),
        limits=Limits(),
        templates=TemplateDirectory(),
        background=background,
        record=record,
    )
