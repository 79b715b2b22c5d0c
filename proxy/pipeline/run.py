"""Build the chain of steps once, then run every request through it.

Order: stratify -> canonicalize -> hoist -> truncate -> prefix check -> enhance -> cache
markers. Canonical bytes come before anything fingerprints or measures them; hoisting and
truncation shape the prefix before it is measured; enhancements and markers come last so
that they are placed relative to the final prefix. A step the configuration turns off is
not in the tuple at all.
"""

from __future__ import annotations

from collections.abc import Callable

from proxy.pipeline import canonicalize, hoist, stratify
from proxy.pipeline.config import PipelineConfig
from proxy.pipeline.enhance import Enhance
from proxy.pipeline.markers import CacheMarkers
from proxy.pipeline.markers.anthropic import AnthropicMarkers
from proxy.pipeline.markers.gemini import GeminiMarkers
from proxy.pipeline.markers.openai import OpenAIMarkers
from proxy.pipeline.prefix_check import PrefixCheck
from proxy.pipeline.request import PipelineRequest
from proxy.pipeline.truncate import Truncate

Step = Callable[[PipelineRequest], PipelineRequest]


def build_steps(config: PipelineConfig) -> tuple[Step, ...]:
    steps: list[Step] = [stratify.apply]
    if config.canonicalize:
        steps.append(canonicalize.apply)
    if config.hoist_volatile:
        steps.append(hoist.apply)
    steps.append(
        Truncate(
            config.max_session_tokens,
            config.truncation_strategy,
            config.truncation_keep_ratio,
        ).apply
    )
    steps.append(PrefixCheck(config.min_prefix_tokens).apply)
    if config.enhancements:
        steps.append(Enhance(config.enhancement_texts, config.few_shot_picker, config.few_shot_k).apply)
    if config.cache_markers:
        markers = CacheMarkers(
            {
                "anthropic": AnthropicMarkers(config.anthropic_cache_ttl, config.min_prefix_tokens).apply,
                # The route's provider-cache TTL is also the CachedContent's (see gemini.py).
                "gemini": GeminiMarkers(config.anthropic_cache_ttl, config.min_prefix_tokens).apply,
                "openai": OpenAIMarkers(
                    config.team_id,
                    config.cache_key_salt,
                    config.supports_breakpoints,
                    config.min_prefix_tokens,
                ).apply,
            }
        )
        steps.append(markers.apply)
    return tuple(steps)


def run_pipeline(req: PipelineRequest, steps: tuple[Step, ...]) -> PipelineRequest:
    for step in steps:
        req = step(req)
    return req
