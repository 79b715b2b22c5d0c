"""LiteLLM, as the gateway uses it, can talk to the fake with both prefixes."""

from __future__ import annotations

import asyncio
import importlib
import os
from typing import Any

import pytest

from .prefix_cache import AnthropicCacheReport
from .provider import FakeProvider


@pytest.fixture(scope="module")
def litellm() -> Any:
    # Without this LiteLLM fetches its model cost map from the internet on import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    return importlib.import_module("litellm")


def test_litellm_openai_prefix_works(fake: FakeProvider, litellm: Any) -> None:
    reply = asyncio.run(
        litellm.acompletion(
            model="openai/x",
            api_base=fake.openai_base,
            api_key="k",
            messages=[{"role": "user", "content": "hi from litellm"}],
        )
    )
    assert reply.choices[0].message.content == "Answer to: hi from litellm"
    assert fake.received[-1].path == "/v1/chat/completions"


def test_litellm_openai_stream_works(fake: FakeProvider, litellm: Any) -> None:
    async def collect() -> str:
        stream = await litellm.acompletion(
            model="openai/x",
            api_base=fake.openai_base,
            api_key="k",
            stream=True,
            messages=[{"role": "user", "content": "stream"}],
        )
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

    assert asyncio.run(collect()) == "Answer to: stream"


def test_litellm_anthropic_prefix_works_and_maps_cache_usage(fake: FakeProvider, litellm: Any) -> None:
    messages = [
        {
            "role": "system",
            "content": [
                {
                    "type": "text",
                    "text": "rule " * 1500,
                    "cache_control": {"type": "ephemeral"},
                }
            ],
        },
        {"role": "user", "content": "hi from litellm"},
    ]

    def call() -> Any:
        return asyncio.run(
            litellm.acompletion(
                model="anthropic/claude-sonnet-4-5",
                api_base=fake.base_url,
                api_key="k",
                messages=messages,
                max_tokens=50,
            )
        )

    call()
    reply = call()
    assert reply.choices[0].message.content == "Answer to: hi from litellm"
    assert fake.received[-1].path == "/v1/messages"
    report = fake.received[-1].cache_report
    assert isinstance(report, AnthropicCacheReport)
    assert reply.usage.prompt_tokens_details.cached_tokens == 1500
    # LiteLLM folds Anthropic's separate counters back into one prompt total (F.1).
    assert reply.usage.prompt_tokens == 1500 + report.input_tokens
