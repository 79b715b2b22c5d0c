"""Cache accounting as the SDKs see it, and the per-request cache reports."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import anthropic
import openai
import pytest

from .prefix_cache import AnthropicCacheReport, OpenAICacheReport
from .provider import FakeProvider

CLAUDE = "claude-fake-sonnet"


def oai(fake: FakeProvider, key: str = "k") -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.openai_base, api_key=key, max_retries=0)


def ant(fake: FakeProvider) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=fake.base_url, api_key="k", max_retries=0)


def cached_tokens(reply: Any) -> int:
    return int(reply.usage.prompt_tokens_details.cached_tokens)


def test_openai_repeat_of_a_long_prompt_reports_cached_tokens(
    fake: FakeProvider,
) -> None:
    messages: Any = [
        {"role": "system", "content": "rule " * 2000},
        {"role": "user", "content": "q"},
    ]
    first = oai(fake).chat.completions.create(model="gpt-4o", messages=messages)
    second = oai(fake).chat.completions.create(model="gpt-4o", messages=messages)
    assert cached_tokens(first) == 0
    assert second.usage is not None
    assert cached_tokens(second) == (second.usage.prompt_tokens - 1) // 128 * 128
    assert fake.received[1].cache_report == OpenAICacheReport(
        prompt_tokens=second.usage.prompt_tokens, cached_tokens=cached_tokens(second)
    )


def test_openai_short_prompts_are_never_cached(fake: FakeProvider) -> None:
    messages: Any = [{"role": "user", "content": "word " * 900}]
    oai(fake).chat.completions.create(model="gpt-4o", messages=messages)
    assert cached_tokens(oai(fake).chat.completions.create(model="gpt-4o", messages=messages)) == 0


def test_openai_cache_is_per_api_key_and_prompt_cache_key(fake: FakeProvider) -> None:
    messages: Any = [{"role": "user", "content": "word " * 2000}]
    oai(fake, "alice").chat.completions.create(model="gpt-4o", messages=messages)
    assert cached_tokens(oai(fake, "bob").chat.completions.create(model="gpt-4o", messages=messages)) == 0
    other_key = oai(fake, "alice").chat.completions.create(
        model="gpt-4o", messages=messages, prompt_cache_key="tenant-2"
    )
    assert cached_tokens(other_key) == 0


def test_openai_tool_change_breaks_the_prefix(fake: FakeProvider) -> None:
    messages: Any = [{"role": "user", "content": "word " * 2000}]

    def tool(name: str) -> Any:
        return {
            "type": "function",
            "function": {"name": name, "parameters": {"type": "object"}},
        }

    client = oai(fake)
    client.chat.completions.create(model="gpt-4o", messages=messages, tools=[tool("a")], tool_choice="none")
    changed = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[tool("b")], tool_choice="none")
    assert cached_tokens(changed) == 0


def test_anthropic_second_call_reads_what_the_first_wrote(fake: FakeProvider) -> None:
    system: Any = [{"type": "text", "text": "rule " * 2000, "cache_control": {"type": "ephemeral"}}]
    messages: Any = [{"role": "user", "content": "question"}]
    first = ant(fake).messages.create(model=CLAUDE, max_tokens=5, system=system, messages=messages)
    second = ant(fake).messages.create(model=CLAUDE, max_tokens=5, system=system, messages=messages)
    assert (
        first.usage.cache_creation_input_tokens,
        first.usage.cache_read_input_tokens,
    ) == (2000, 0)
    assert first.usage.cache_creation is not None
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == 2000
    assert (
        second.usage.cache_creation_input_tokens,
        second.usage.cache_read_input_tokens,
    ) == (0, 2000)
    assert first.usage.input_tokens == second.usage.input_tokens == 1
    report = fake.received[1].cache_report
    assert isinstance(report, AnthropicCacheReport) and report.hit_position == 0


def test_anthropic_stream_reports_cache_usage_in_message_start(
    fake: FakeProvider,
) -> None:
    messages: Any = [
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "doc " * 1500,
                    "cache_control": {"type": "ephemeral", "ttl": "1h"},
                },
                {"type": "text", "text": "question"},
            ],
        }
    ]
    ant(fake).messages.create(model=CLAUDE, max_tokens=5, messages=messages)
    with ant(fake).messages.stream(model=CLAUDE, max_tokens=5, messages=messages) as stream:
        start = next(e for e in stream if e.type == "message_start")
        final = stream.get_final_message()
    assert start.message.usage.cache_read_input_tokens == 1500
    assert final.usage.cache_read_input_tokens == 1500


def test_anthropic_automatic_caching_marks_the_last_block(fake: FakeProvider) -> None:
    messages: Any = [{"role": "user", "content": "word " * 1200}]
    sdk = ant(fake)
    first = sdk.messages.create(
        model=CLAUDE,
        max_tokens=5,
        messages=messages,
        extra_body={"cache_control": {"type": "ephemeral"}},
    )
    assert first.usage.cache_creation_input_tokens == 1200


def test_anthropic_haiku_4_5_needs_4096_tokens(fake: FakeProvider) -> None:
    system: Any = [{"type": "text", "text": "rule " * 3000, "cache_control": {"type": "ephemeral"}}]
    for _ in range(2):
        reply = ant(fake).messages.create(
            model="claude-haiku-4-5-fake",
            max_tokens=5,
            system=system,
            messages=[{"role": "user", "content": "q"}],
        )
        assert reply.usage.cache_creation_input_tokens == reply.usage.cache_read_input_tokens == 0


def test_anthropic_fifth_breakpoint_is_a_bad_request(fake: FakeProvider) -> None:
    blocks: Any = [{"type": "text", "text": f"b{i}", "cache_control": {"type": "ephemeral"}} for i in range(5)]
    with pytest.raises(anthropic.BadRequestError) as caught:
        ant(fake).messages.create(model=CLAUDE, max_tokens=5, messages=[{"role": "user", "content": blocks}])
    assert caught.value.body["error"]["message"] == (  # type: ignore[index]
        "A maximum of 4 blocks with cache_control may be provided. Found 5."
    )


def test_parallel_cold_requests_each_write_when_responses_are_slow(
    fake: FakeProvider,
) -> None:
    fake.latency_ms = 200
    system: Any = [{"type": "text", "text": "rule " * 2000, "cache_control": {"type": "ephemeral"}}]

    def call(_: int) -> int | None:
        reply = ant(fake).messages.create(
            model=CLAUDE,
            max_tokens=5,
            system=system,
            messages=[{"role": "user", "content": "q"}],
        )
        return reply.usage.cache_creation_input_tokens

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        assert list(pool.map(call, range(3))) == [2000, 2000, 2000]
