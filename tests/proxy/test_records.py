"""Every request leaves a record: tokens (cached included), cost, latency, attempts."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import anthropic
import openai
import pytest

from tests.gateway_support import make_key, wait_for_records

LONG_SYSTEM = " ".join(f"Policy line {i} about refunds and returns." for i in range(300))


@pytest.fixture
def key(gateway: Any, routes: dict[str, Any]) -> tuple[Any, str]:
    return make_key("alpha")


def test_it_records_tokens_cost_and_timing_for_openai(gateway: Any, key: tuple[Any, str]) -> None:
    api_key, plaintext = key
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)
    for question in ("one", "two"):
        response = client.chat.completions.create(
            model="fake-gpt",
            messages=[{"role": "system", "content": LONG_SYSTEM}, {"role": "user", "content": question}],
            extra_headers={"x-request-id": f"rec-{question}"},
        )
    records = wait_for_records(2)
    assert len(records) == 2
    last = records[-1]
    usage = response.usage
    assert usage is not None and usage.prompt_tokens_details is not None
    assert (last.team_id, last.api_key_id, last.route_name, last.endpoint) == (
        api_key.team_id,
        api_key.id,
        "fake-gpt",
        "chat.completions",
    )
    assert last.input_tokens == usage.prompt_tokens
    assert last.cached_read_tokens == (usage.prompt_tokens_details.cached_tokens or 0) > 0
    assert last.output_tokens == usage.completion_tokens
    expected = (
        Decimal(usage.prompt_tokens - last.cached_read_tokens) * Decimal("3.00")
        + Decimal(last.cached_read_tokens) * Decimal("0.30")
        + Decimal(usage.completion_tokens) * Decimal("15.00")
    ) / Decimal(1_000_000)
    assert last.cost_usd == expected.quantize(Decimal("0.00000001"))
    assert last.saved_usd > 0
    assert last.latency_ms > 0 and last.ttfb_ms is not None and last.upstream_attempts == 1
    assert [r.request_id for r in records] == ["rec-one", "rec-two"]
    deadline = time.monotonic() + 5
    while api_key.last_used_at is None and time.monotonic() < deadline:
        time.sleep(0.05)  # written right after the records, in the same background flush
        api_key.refresh_from_db()
    assert api_key.last_used_at is not None and api_key.last_used_at >= records[0].created_at


def test_it_records_streamed_anthropic_usage_with_cache_reads_and_writes(gateway: Any, key: tuple[Any, str]) -> None:
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key=key[1], max_retries=0)
    for question in ("one", "two"):
        with client.messages.stream(
            model="fake-claude", max_tokens=30, system=LONG_SYSTEM, messages=[{"role": "user", "content": question}]
        ) as stream:
            final = stream.get_final_message()
    first, second = wait_for_records(2)
    assert first.stream and first.endpoint == "messages" and first.status == 200
    assert first.cache_write_tokens > 0 and first.cached_read_tokens == 0
    assert second.cached_read_tokens == (final.usage.cache_read_input_tokens or 0) > 0
    # input_tokens counts every prompt token, cached ones included (Anthropic's does not).
    assert second.input_tokens == final.usage.input_tokens + second.cached_read_tokens + second.cache_write_tokens
    assert second.output_tokens == final.usage.output_tokens


def test_it_records_usage_of_a_translated_stream(gateway: Any, key: tuple[Any, str]) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=key[1], max_retries=0)
    list(
        client.chat.completions.create(
            model="fake-claude", messages=[{"role": "user", "content": "hello"}], stream=True
        )
    )
    (record,) = wait_for_records(1)
    assert record.stream and record.route_name == "fake-claude" and record.output_tokens > 0 and record.input_tokens > 0
