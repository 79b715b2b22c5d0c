"""A model route as the request path sees it: a frozen snapshot of a `ModelRoute` row.

Which provider family a route belongs to, and which wire protocols its endpoint speaks
natively, are read off the LiteLLM model string here and nowhere else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal


class UpstreamApi(enum.Enum):
    """The provider HTTP APIs LayerCache can call directly, body passed through unchanged.

    A route speaks some of them natively (`RouteSpec.speaks`); a request in a protocol the
    route does not speak is translated to chat completions and sent through LiteLLM, which
    knows every other provider (`LITELLM_CHAT`).
    """

    OPENAI_CHAT = "openai_chat"
    OPENAI_RESPONSES = "openai_responses"
    OPENAI_EMBEDDINGS = "openai_embeddings"
    ANTHROPIC_MESSAGES = "anthropic_messages"
    ANTHROPIC_COUNT_TOKENS = "anthropic_count_tokens"
    LITELLM_CHAT = "litellm_chat"
    LITELLM_EMBEDDINGS = "litellm_embeddings"


class RouteKind(enum.Enum):
    CHAT = "chat"
    EMBEDDING = "embedding"


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
    kind: RouteKind = RouteKind.CHAT
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

    def speaks(self, api: UpstreamApi) -> bool:
        """Whether this route's endpoint answers `api` itself (no translation needed)."""
        if api in (UpstreamApi.LITELLM_CHAT, UpstreamApi.LITELLM_EMBEDDINGS):
            return True
        if not self.base_url:
            return False
        if api in (UpstreamApi.ANTHROPIC_MESSAGES, UpstreamApi.ANTHROPIC_COUNT_TOKENS):
            return self.provider == "anthropic"
        if api is UpstreamApi.OPENAI_RESPONSES:
            # The Responses API is OpenAI's own; compatible servers mostly lack it.
            return self.provider == "openai"
        return self.provider in OPENAI_COMPATIBLE
