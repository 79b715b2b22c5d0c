"""How much history a cut keeps depends on what re-caching it costs at the provider."""

from __future__ import annotations

import pytest

from proxy.pipeline import stratify
from proxy.pipeline.request import Layer, Message, PipelineRequest
from proxy.pipeline.tokens import message_tokens
from proxy.pipeline.truncate import Truncate
from proxy.wire.anthropic_messages import ANTHROPIC_MESSAGES
from tests.fake_provider.prefix_cache import AnthropicPrefixCache
from tests.fake_provider.prompts import anthropic_positions
from tests.proxy.pipeline.builders import route_named

from .builders import LONG_SYSTEM, request, run

BUDGET = 2000


def conversation(turns: int, family: str) -> PipelineRequest:
    messages = [Message("system", LONG_SYSTEM)]
    for n in range(turns):
        messages.append(Message("user", f"Question {n}: " + "which order ships first? " * 4))
        messages.append(Message("assistant", f"Answer {n}: " + "the order from the north warehouse ships first. " * 12))
    messages.append(Message("user", f"Question {turns}?"))
    return request(messages, wire="anthropic", family=family)


def kept_after_first_cut(family: str, keep_ratio: float | None = None) -> int:
    truncate = Truncate(BUDGET, keep_ratio=keep_ratio)
    for turns in range(1, 60):
        out = truncate.apply(stratify.apply(conversation(turns, family)))
        if out.diagnostics.dropped_messages:
            return sum(message_tokens(m) for m in out.messages if m.layer == Layer.L2_SESSION)
    raise AssertionError("never cut")


@pytest.mark.parametrize(("family", "share"), [("anthropic", 0.3), ("openai", 0.55), ("gemini", 0.55)])
def test_a_cut_keeps_less_where_re_caching_is_a_paid_write(family: str, share: float) -> None:
    kept = kept_after_first_cut(family)
    # Chunks snap to whole exchanges (~150 tokens each).
    assert share * BUDGET - 2 * 150 <= kept <= share * BUDGET + 150


def test_a_configured_keep_ratio_applies_to_every_provider() -> None:
    assert abs(kept_after_first_cut("anthropic", 0.55) - kept_after_first_cut("openai")) <= 150


def _cost(requests: list[PipelineRequest], **config: object) -> float:
    """$ at Sonnet prices of the prompts, with the fake provider's cache rules."""
    cache = AnthropicPrefixCache()
    total = 0.0
    for req in requests:
        body = ANTHROPIC_MESSAGES.render(run(req, **config), route_named("anthropic/claude-test"))
        plan = cache.lookup("key", anthropic_positions(body), 1024)
        cache.commit(plan)
        usage = plan.report
        total += (
            usage.input_tokens * 3.0 + usage.cache_creation_input_tokens * 3.75 + usage.cache_read_input_tokens * 0.3
        )
    return total / 1e6


def test_truncated_anthropic_conversations_cost_less_than_the_full_history() -> None:
    requests = [conversation(turns, "anthropic") for turns in range(30)]
    assert _cost(requests, max_session_tokens=BUDGET) < 0.9 * _cost(requests)
