"""Anthropic markers in agent loops: the final turn's tool results are marked.

bench_prefix_cache.py found the gateway at 97% of a hand-marking client's cached share on
agent traffic: the rolling marker stopped at the end of the session history, so each
request's tool results were billed as input, then written to the cache by the next request
instead of read from it. The next request repeats them unchanged and L3 text goes after
them, so they are part of the prefix worth marking.
"""

from __future__ import annotations

from typing import Any

from proxy.pipeline.markers.slots import client_markers
from proxy.pipeline.request import Message, PipelineRequest
from proxy.wire.anthropic_messages import ANTHROPIC_MESSAGES
from tests.fake_provider.prefix_cache import AnthropicPrefixCache
from tests.fake_provider.prompts import anthropic_positions
from tests.proxy.pipeline.builders import route_named

from .builders import LONG_SYSTEM, anthropic_tool, request, run

EPHEMERAL = {"type": "ephemeral"}
TOOLS = (anthropic_tool("lookup", q={"type": "string"}),)


def call(n: int) -> Message:
    return Message("assistant", ({"type": "tool_use", "id": f"t{n}", "name": "lookup", "input": {"q": str(n)}},))


def result(n: int) -> Message:
    text = f"Result {n}: " + "row " * 300
    return Message("user", ({"type": "tool_result", "tool_use_id": f"t{n}", "content": text},))


def agent(steps: int, system: str = LONG_SYSTEM) -> PipelineRequest:
    """A question, then `steps` tool calls each answered by its result (the last one final)."""
    messages = [Message("system", system), Message("user", "Find the order.")]
    for n in range(steps):
        messages += [call(n), result(n)]
    return request(messages, wire="anthropic", family="anthropic", tools=TOOLS)


def marked(req: PipelineRequest) -> list[tuple[int, int]]:
    return [c.position for c in client_markers(req) if c.position[0] >= 0]


def test_the_final_tool_result_carries_the_rolling_marker() -> None:
    out = run(agent(2))
    assert out.messages[-1].content[-1]["cache_control"] == EPHEMERAL  # type: ignore[index]
    assert marked(out) == [(0, 0), (5, 0)]  # the system prompt and the final result


def test_hoisted_values_go_after_the_marked_results_and_stay_unmarked() -> None:
    out = run(agent(2, system="Current time: 2026-11-26T10:15:03Z\n\n" + LONG_SYSTEM))
    assert out.messages[5].content[-1]["cache_control"] == EPHEMERAL  # type: ignore[index]
    note = out.messages[6]
    assert "10:15:03" in str(note.content) and "cache_control" not in str(note.content)


def test_a_plain_user_final_turn_is_still_left_unmarked() -> None:
    req = agent(1)
    req = request(
        [*req.messages, Message("assistant", "Found it."), Message("user", "Thanks, and the invoice?")],
        wire="anthropic",
        family="anthropic",
        tools=TOOLS,
    )
    out = run(req)
    assert out.messages[-1].content == "Thanks, and the invoice?"
    assert marked(out)[-1] == (4, 0)  # the end of the history: the answer


def test_an_assistant_prefill_after_the_results_is_not_marked() -> None:
    req = agent(1)
    req = request(
        [*req.messages, Message("assistant", ({"type": "text", "text": "The order"},))],
        wire="anthropic",
        family="anthropic",
        tools=TOOLS,
    )
    out = run(req)
    assert "cache_control" not in out.messages[-1].content[0]  # type: ignore[index]
    assert marked(out)[-1] == (3, 0)


def _usage(cache: AnthropicPrefixCache, req: PipelineRequest) -> Any:
    body = ANTHROPIC_MESSAGES.render(run(req), route_named("anthropic/claude-test"))
    plan = cache.lookup("key", anthropic_positions(body), 1024)
    cache.commit(plan)
    return plan.report


def test_the_next_agent_step_reads_the_previous_results_from_the_provider_cache() -> None:
    cache = AnthropicPrefixCache()
    first = _usage(cache, agent(1))
    second = _usage(cache, agent(2))
    # Everything the first request sent is read back; only the new call and result are written.
    assert second.cache_read_input_tokens == first.total_tokens
    assert second.cache_creation_input_tokens == second.total_tokens - first.total_tokens
