"""Pipeline configuration: built once per route at startup, never per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from proxy.enhancements import REQUIRED_KEYS, FewShotPicker, load_texts
from proxy.pipeline.truncate import Strategy


def _default_texts() -> Mapping[str, str]:
    return load_texts()


@dataclass(frozen=True)
class PipelineConfig:
    # The route's minimum cacheable prefix (OpenAI 1024; Anthropic 512-4096 by model).
    min_prefix_tokens: int = 1024
    # Move timestamps, dates and ids out of L0/L1 into an L3 note.
    hoist_volatile: bool = True
    anthropic_cache_ttl: Literal["5m", "1h"] = "5m"
    # Used when a request sets no `lc_max_session_tokens`; None: no truncation by default.
    max_session_tokens: int | None = None
    truncation_strategy: Strategy = "recent"
    # After a cut, roughly this share of the budget is kept (see truncate.py); None: chosen
    # by the route's provider family (less on Anthropic, where each cut re-writes the cache).
    truncation_keep_ratio: float | None = None
    # Enhancement texts by key (see proxy/enhancements/__init__.py); read from
    # proxy/enhancements/texts.json unless the gateway passes its own.
    enhancement_texts: Mapping[str, str] = field(default_factory=_default_texts)
    few_shot_picker: FewShotPicker | None = None
    few_shot_k: int = 3
    # OpenAI GPT-5.6+ `prompt_cache_breakpoint` support on this route's model.
    supports_breakpoints: bool = False
    # Fallback team for `prompt_cache_key` when the request names none, and a per-install
    # salt so keys are not guessable from a team id and a prompt.
    team_id: str = ""
    cache_key_salt: str = ""
    # Steps that can be left out of the chain entirely.
    canonicalize: bool = True
    enhancements: bool = True
    cache_markers: bool = True

    def __post_init__(self) -> None:
        if self.anthropic_cache_ttl not in ("5m", "1h"):
            raise ValueError("anthropic_cache_ttl must be '5m' or '1h'")
        if self.truncation_strategy not in ("recent", "important"):
            raise ValueError("truncation_strategy must be 'recent' or 'important'")
        if self.truncation_keep_ratio is not None and not 0.0 < self.truncation_keep_ratio < 1.0:
            raise ValueError("truncation_keep_ratio must be between 0 and 1")
        if self.max_session_tokens is not None and self.max_session_tokens <= 0:
            raise ValueError("max_session_tokens must be positive")
        if self.min_prefix_tokens < 0 or self.few_shot_k < 0:
            raise ValueError("min_prefix_tokens and few_shot_k must not be negative")
        missing = REQUIRED_KEYS - self.enhancement_texts.keys()
        if missing:
            raise ValueError(f"enhancement_texts is missing {sorted(missing)}")
