"""Cache markers: one strategy per provider family, chosen by `req.provider_family`.

- anthropic: `cache_control` breakpoints (see `anthropic.py`);
- openai: `prompt_cache_key`, plus explicit breakpoints for models that take them;
- gemini: nothing in the request. LiteLLM turns `cache_control` into a Gemini
  CachedContent, and creating one per request that is never reused is pure cost (the
  original LayerCache did exactly that). The gateway decides from `context_hash` and
  `context_tokens` in diagnostics (set by the prefix check) whether to create or reuse one,
  outside the request;
- deepseek and anything else: automatic prefix caching; canonical order is all they need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from proxy.pipeline.request import PipelineRequest

Strategy = Callable[[PipelineRequest], PipelineRequest]


class CacheMarkers:
    def __init__(self, strategies: Mapping[str, Strategy]) -> None:
        self.strategies = dict(strategies)

    def apply(self, req: PipelineRequest) -> PipelineRequest:
        strategy = self.strategies.get(req.provider_family)
        return req if strategy is None else strategy(req)
