"""A model route as the request path sees it: a frozen snapshot of a `ModelRoute` row.

Which provider family a route belongs to, and which wire protocols its endpoint speaks
natively, are read off the LiteLLM model string here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

OPENAI_COMPATIBLE = frozenset(
    {"openai", "deepseek", "hosted_vllm", "openrouter", "groq", "together_ai", "fireworks_ai", "mistral", "xai"}
)
DEFAULT_BASES = {
    "openai": "https://api.openai.com/v1",
    "deepseek": "https://api.deepseek.com",
    "anthropic": "https://api.anthropic.com",
}


@dataclass(frozen=True)
class RouteSpec:
    id: int
    name: str
    model: str
    api_base: str
    api_key_env: str
    price_input: Decimal
    price_cached_input: Decimal
    price_cache_write: Decimal
    price_output: Decimal
    timeout_seconds: float
    retries: int
    min_cacheable_tokens: int
    hoist_volatile: bool
    anthropic_cache_ttl: str
    max_session_tokens: int | None
    fallback_names: tuple[str, ...]
    # Response cache settings (semantic_cache/): defaults keep older constructors working.
    cache_tool_calls: bool = False
    semantic_cache_enabled: bool = True
    semantic_cache_threshold: float | None = None
    # The semantic verifier chain (proxy/verifier_spec.py); "" = LAYERCACHE_SEMANTIC_VERIFIER.
    semantic_verifier: str = ""

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0] if "/" in self.model else "openai"

    @property
    def upstream_model(self) -> str:
        return self.model.split("/", 1)[1] if "/" in self.model else self.model

    @property
    def provider_family(self) -> str:
        if self.provider == "anthropic":
            return "anthropic"
        if self.provider in ("gemini", "vertex_ai"):
            return "gemini"
        if self.provider == "deepseek":
            return "deepseek"
        if self.provider in OPENAI_COMPATIBLE:
            return "openai"
        return "other"

    @property
    def base_url(self) -> str:
        return (self.api_base or DEFAULT_BASES.get(self.provider, "")).rstrip("/")

    def speaks(self, wire: str) -> bool:
        """Whether a request in `wire` format can go to this route unchanged."""
        if not self.base_url:
            return False
        if wire == "anthropic":
            return self.provider == "anthropic"
        return self.provider in OPENAI_COMPATIBLE
