"""The cache simulators on their own, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from .prefix_cache import AnthropicPrefixCache, OpenAIPrefixCache
from .prompts import PromptError, anthropic_min_cache_tokens, anthropic_positions
from .tokens import count_tokens, tokenize, truncate_to_tokens

SCOPE = ("key", "model")


def words(count: int, word: str = "alpha") -> str:
    return " ".join([word] * count)


# ------------------------------------------------------------------ tokenizer


def test_tokens_are_words_and_single_punctuation() -> None:
    assert tokenize("Hello, world!") == ["Hello", ",", "world", "!"]
    assert count_tokens(words(2000)) == 2000


def test_truncation_keeps_the_first_n_tokens() -> None:
    assert truncate_to_tokens("one two, three", 3) == "one two,"
    assert truncate_to_tokens("one two", 10) == "one two"


# --------------------------------------------------------------------- OpenAI


def served(cache: OpenAIPrefixCache, tokens: list[str]) -> int:
    plan = cache.lookup(SCOPE, tokens)
    cache.commit(plan)
    return plan.report.cached_tokens


def test_openai_first_request_is_a_miss_and_repeat_is_a_hit() -> None:
    cache = OpenAIPrefixCache()
    prompt = tokenize(words(1500))
    assert served(cache, prompt) == 0
    assert served(cache, prompt) == 1408  # floor(1499 / 128) * 128


def test_openai_hits_are_rounded_down_to_128_tokens() -> None:
    cache = OpenAIPrefixCache()
    served(cache, tokenize(words(1300) + " tail one"))
    # 1300 shared tokens -> 10 full blocks.
    assert served(cache, tokenize(words(1300) + " other ending here")) == 1280


def test_openai_needs_1024_shared_tokens() -> None:
    cache = OpenAIPrefixCache()
    served(cache, tokenize(words(1023) + " x" * 600))
    assert served(cache, tokenize(words(1023) + " y" * 600)) == 0
    cache.clear()
    served(cache, tokenize(words(1024) + " x" * 600))
    assert served(cache, tokenize(words(1024) + " y" * 600)) == 1024


def test_openai_never_caches_the_whole_prompt() -> None:
    cache = OpenAIPrefixCache()
    exact = tokenize(words(1280))
    served(cache, exact)
    assert served(cache, exact) == 1152


def test_openai_scopes_do_not_share_entries() -> None:
    cache = OpenAIPrefixCache()
    prompt = tokenize(words(2000))
    cache.commit(cache.lookup(("a", "m", None), prompt))
    assert cache.lookup(("a", "m", "tenant-2"), prompt).report.cached_tokens == 0
    assert cache.lookup(("b", "m", None), prompt).report.cached_tokens == 0


def test_openai_lookup_alone_stores_nothing() -> None:
    cache = OpenAIPrefixCache()
    prompt = tokenize(words(2000))
    cache.lookup(SCOPE, prompt)
    assert cache.lookup(SCOPE, prompt).report.cached_tokens == 0


# ------------------------------------------------------------------ Anthropic

EPHEMERAL = {"type": "ephemeral"}


def text(body: str, ttl: str | None = None, marked: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": body}
    if marked or ttl:
        block["cache_control"] = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return block


def request(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": list(blocks)}],
        **extra,
    }


def run(cache: AnthropicPrefixCache, body: dict[str, Any], minimum: int = 1024) -> Any:
    plan = cache.lookup(SCOPE, anthropic_positions(body), minimum)
    cache.commit(plan)
    return plan.report


def test_anthropic_first_call_writes_second_call_reads() -> None:
    cache = AnthropicPrefixCache()
    body = request(text(words(2000), marked=True), text("question"))
    first = run(cache, body)
    assert (first.cache_creation_input_tokens, first.cache_read_input_tokens) == (
        2000,
        0,
    )
    assert first.input_tokens == 1
    second = run(cache, body)
    assert (second.cache_creation_input_tokens, second.cache_read_input_tokens) == (
        0,
        2000,
    )
    assert second.input_tokens == 1
    assert second.total_tokens == 2001


def test_anthropic_without_breakpoints_nothing_is_cached() -> None:
    cache = AnthropicPrefixCache()
    body = request(text(words(3000)))
    run(cache, body)
    report = run(cache, body)
    assert report.cache_read_input_tokens == report.cache_creation_input_tokens == 0
    assert report.input_tokens == 3000


def test_anthropic_prefix_below_the_model_minimum_is_not_written() -> None:
    cache = AnthropicPrefixCache()
    body = request(text(words(2000), marked=True))
    assert run(cache, body, minimum=4096).cache_creation_input_tokens == 0
    assert run(cache, body, minimum=4096).cache_read_input_tokens == 0


def test_anthropic_minimums_follow_the_model_name() -> None:
    assert anthropic_min_cache_tokens("claude-haiku-4-5-20251001") == 4096
    assert anthropic_min_cache_tokens("claude-opus-4-5") == 4096
    assert anthropic_min_cache_tokens("claude-3-haiku-20240307") == 2048
    assert anthropic_min_cache_tokens("claude-sonnet-4-5") == 1024


def test_anthropic_lookback_finds_an_entry_within_20_positions() -> None:
    cache = AnthropicPrefixCache()
    base = [text(words(1100))] + [text(f"turn {i}") for i in range(9)]
    run(cache, request(*base[:-1], {**base[-1], "cache_control": EPHEMERAL}))  # writes at position 9
    grown = base + [text(f"more {i}") for i in range(10)]
    grown[-1] = {
        **grown[-1],
        "cache_control": EPHEMERAL,
    }  # breakpoint at 19: 19..0 searched
    report = run(cache, request(*grown))
    assert report.hit_position == 9
    assert report.cache_read_input_tokens == count_tokens(" ".join(b["text"] for b in base))


def test_anthropic_lookback_stops_after_20_positions() -> None:
    cache = AnthropicPrefixCache()
    base = [text(words(1100))] + [text(f"turn {i}") for i in range(9)]
    run(cache, request(*base[:-1], {**base[-1], "cache_control": EPHEMERAL}))  # position 9
    grown = base + [text(f"more {i}") for i in range(20)]
    grown[-1] = {
        **grown[-1],
        "cache_control": EPHEMERAL,
    }  # breakpoint 29: searches 29..10
    report = run(cache, request(*grown))
    assert report.hit_position is None
    assert report.cache_read_input_tokens == 0


def test_anthropic_writes_only_at_breakpoints() -> None:
    cache = AnthropicPrefixCache()
    run(cache, request(text(words(1100)), text(words(50, "beta"), marked=True)))
    # Same first block, different second one: no entry was written at position 0.
    report = run(cache, request(text(words(1100)), text(words(50, "gamma"), marked=True)))
    assert report.cache_read_input_tokens == 0


def test_anthropic_longest_hit_wins_and_the_rest_is_written() -> None:
    cache = AnthropicPrefixCache()
    run(cache, request(text(words(1100), marked=True)))
    report = run(
        cache,
        request(
            text(words(1100), marked=True),
            text(words(500, "beta"), marked=True),
            text("question"),
        ),
    )
    assert report.cache_read_input_tokens == 1100
    assert report.cache_creation_input_tokens == 500
    assert report.input_tokens == 1


def test_anthropic_creation_is_split_by_ttl() -> None:
    cache = AnthropicPrefixCache()
    report = run(
        cache,
        request(text(words(1100), ttl="1h"), text(words(300, "beta"), marked=True)),
    )
    assert report.ephemeral_1h_input_tokens == 1100
    assert report.ephemeral_5m_input_tokens == 300
    assert report.cache_creation_input_tokens == 1400


def test_anthropic_orders_tools_then_system_then_messages() -> None:
    tools = [
        {
            "name": "lookup",
            "description": words(1100),
            "input_schema": {"type": "object"},
            "cache_control": EPHEMERAL,
        }
    ]
    body = request(text("hi"), tools=tools, system=[text("be brief")])
    positions = anthropic_positions(body)
    assert [p.ttl for p in positions] == ["5m", None, None]
    cache = AnthropicPrefixCache()
    run(cache, body)
    changed_system = request(text("hi"), tools=tools, system=[text("be verbose")])
    assert run(cache, changed_system).cache_read_input_tokens == positions[0].end_tokens


def test_anthropic_tool_choice_change_invalidates_only_messages() -> None:
    cache = AnthropicPrefixCache()
    system = [text(words(1100), marked=True)]
    run(cache, request(text(words(200, "beta"), marked=True), system=system))
    report = run(
        cache,
        request(
            text(words(200, "beta"), marked=True),
            system=system,
            tool_choice={"type": "any"},
        ),
    )
    assert report.cache_read_input_tokens == 1100


def test_anthropic_fifth_breakpoint_is_rejected() -> None:
    body = request(*[text(f"block {i}", marked=True) for i in range(5)])
    with pytest.raises(
        PromptError,
        match="A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ):
        anthropic_positions(body)


def test_anthropic_automatic_caching_uses_one_of_four_slots() -> None:
    body = request(*[text(f"block {i}", marked=i < 4) for i in range(6)], cache_control=EPHEMERAL)
    with pytest.raises(PromptError, match="Found 5"):
        anthropic_positions(body)
    positions = anthropic_positions(request(text("a"), text("b"), cache_control=EPHEMERAL))
    assert [p.ttl for p in positions] == [None, "5m"]


def test_anthropic_automatic_caching_on_an_already_marked_block_is_a_no_op() -> None:
    body = request(*[text(f"block {i}", marked=True) for i in range(4)], cache_control=EPHEMERAL)
    assert len([p for p in anthropic_positions(body) if p.ttl]) == 4


def test_anthropic_one_hour_breakpoint_after_five_minute_one_is_rejected() -> None:
    with pytest.raises(PromptError, match="1h"):
        anthropic_positions(request(text("a", marked=True), text("b", ttl="1h")))


def test_anthropic_empty_text_block_cannot_carry_cache_control() -> None:
    with pytest.raises(PromptError, match="empty text"):
        anthropic_positions(request(text("", marked=True)))


def test_anthropic_consecutive_tool_results_count_as_one_position() -> None:
    results = [{"type": "tool_result", "tool_use_id": f"t{i}", "content": "ok"} for i in range(3)]
    assert len(anthropic_positions(request(*results))) == 1
