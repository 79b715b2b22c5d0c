"""A stored answer serves the other mode: body -> SSE stream and stream -> body, with the
official OpenAI and Anthropic SDKs against the real gateway."""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import pytest

from tests.gateway_support import make_key
from tests.semantic_cache.cache_support import wait_for_entries

QUESTION = "Explain how compound interest works, briefly please."


@pytest.fixture
def plaintext(gateway: Any, routes: dict[str, Any]) -> str:
    return make_key("alpha")[1]


@pytest.fixture
def oai(gateway: Any, plaintext: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=plaintext, max_retries=0)


@pytest.fixture
def claude(gateway: Any, plaintext: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.base_url, api_key=plaintext, max_retries=0)


def _openai_stream(client: openai.OpenAI, include_usage: bool) -> tuple[str, list[Any], str]:
    kwargs: dict[str, Any] = {"stream_options": {"include_usage": True}} if include_usage else {}
    raw = client.chat.completions.with_raw_response.create(
        model="fake-gpt", messages=[{"role": "user", "content": QUESTION}], stream=True, **kwargs
    )
    chunks = list(raw.parse())
    return (
        raw.headers["x-layercache-cache"],
        chunks,
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices),
    )


def test_a_stored_openai_body_replays_as_a_stream_with_usage_and_done(oai: openai.OpenAI, fake: Any) -> None:
    first = oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": QUESTION}])
    wait_for_entries(1)
    status, chunks, text = _openai_stream(oai, include_usage=True)
    assert status == "HIT"
    assert text == first.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == first.usage.total_tokens  # type: ignore[union-attr]
    assert {c.id for c in chunks} != {first.id} and len({c.id for c in chunks}) == 1
    assert len(fake.received) == 1


def test_a_replayed_openai_stream_has_no_usage_chunk_unless_asked(oai: openai.OpenAI) -> None:
    oai.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": QUESTION}])
    wait_for_entries(1)
    status, chunks, _ = _openai_stream(oai, include_usage=False)
    assert status == "HIT"
    assert all(c.choices for c in chunks)


def test_a_stored_openai_stream_serves_a_plain_request(oai: openai.OpenAI, fake: Any) -> None:
    status, _, streamed_text = _openai_stream(oai, include_usage=False)
    assert status == "MISS"
    wait_for_entries(1)
    raw = oai.chat.completions.with_raw_response.create(
        model="fake-gpt", messages=[{"role": "user", "content": QUESTION}]
    )
    completion = raw.parse()
    assert raw.headers["x-layercache-cache"] == "HIT"
    assert completion.choices[0].message.content == streamed_text
    assert completion.choices[0].finish_reason == "stop"
    # The gateway always asks upstream for usage, so the assembled body has it.
    assert completion.usage is not None and completion.usage.completion_tokens > 0
    assert len(fake.received) == 1


def test_a_stored_anthropic_body_replays_as_a_stream(claude: anthropic.Anthropic, fake: Any) -> None:
    first = claude.messages.create(
        model="fake-claude", max_tokens=200, messages=[{"role": "user", "content": QUESTION}]
    )
    wait_for_entries(1)
    raw = claude.messages.with_raw_response.create(
        model="fake-claude", max_tokens=200, messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    assert raw.headers["x-layercache-cache"] == "HIT"
    assert [event.type for event in raw.parse()][:2] == ["message_start", "content_block_start"]
    with claude.messages.stream(
        model="fake-claude", max_tokens=200, messages=[{"role": "user", "content": QUESTION}]
    ) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_message()
    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert final.content[0].text == first.content[0].text  # type: ignore[union-attr]
    assert final.stop_reason == "end_turn"
    assert final.id != first.id and final.id.startswith("msg_")
    assert final.usage.output_tokens == first.usage.output_tokens
    assert len(fake.received) == 1


def test_a_stored_anthropic_stream_serves_a_plain_request(claude: anthropic.Anthropic, fake: Any) -> None:
    with claude.messages.stream(
        model="fake-claude", max_tokens=200, messages=[{"role": "user", "content": QUESTION}]
    ) as stream:
        streamed = stream.get_final_message()
    wait_for_entries(1)
    raw = claude.messages.with_raw_response.create(
        model="fake-claude", max_tokens=200, messages=[{"role": "user", "content": QUESTION}]
    )
    message = raw.parse()
    assert raw.headers["x-layercache-cache"] == "HIT"
    assert message.content[0].text == streamed.content[0].text  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == streamed.usage.input_tokens
    assert len(fake.received) == 1


def test_an_openai_answer_is_not_served_to_an_anthropic_request(
    oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    oai.chat.completions.create(model="fake-claude", messages=[{"role": "user", "content": QUESTION}])
    wait_for_entries(1)
    raw = claude.messages.with_raw_response.create(
        model="fake-claude", max_tokens=200, messages=[{"role": "user", "content": QUESTION}]
    )
    assert raw.headers["x-layercache-cache"] == "MISS"
