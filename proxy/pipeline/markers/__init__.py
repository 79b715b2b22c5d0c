"""Cache markers: one strategy per provider family, chosen by `req.provider_family`.

- anthropic: `cache_control` breakpoints (see `anthropic.py`);
- openai: `prompt_cache_key`, plus explicit breakpoints for models that take them;
- gemini: `cache_control` on the L0/L1 messages when tools + L0 + L1 are large enough;
  LiteLLM creates one CachedContent per such prefix and reuses it while it lives (see
  `gemini.py`; the original LayerCache created one per request and never used it);
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
