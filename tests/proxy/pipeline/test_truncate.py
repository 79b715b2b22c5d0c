from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from proxy.pipeline import stratify
from proxy.pipeline.request import Layer, Message, PipelineRequest
from proxy.pipeline.stratify import is_plain_user
from proxy.pipeline.tokens import message_tokens
from proxy.pipeline.truncate import Strategy, Truncate

from .builders import chat, request, tool_call_turn, tool_result


def truncated(req: PipelineRequest, budget: int | None, strategy: Strategy = "recent") -> PipelineRequest:
    return Truncate(budget, strategy).apply(stratify.apply(req))


def session_tokens(req: PipelineRequest) -> int:
    return sum(message_tokens(m) for m in req.messages if m.layer == Layer.L2_SESSION)


def test_history_within_budget_is_untouched() -> None:
    req = stratify.apply(request(chat(3)))
    assert Truncate(10_000).apply(req) is req
    assert Truncate(None).apply(req) is req


def test_over_budget_it_drops_oldest_exchanges_and_keeps_system_and_question() -> None:
    out = truncated(request(chat(20)), 400)
    assert out.messages[0].role == "system"
    assert out.messages[-1].content == "Question 20?"
    assert session_tokens(out) <= 400
    assert out.messages[1].role == "user"
    assert out.diagnostics.dropped_messages == 40 - sum(1 for m in out.messages if m.layer == Layer.L2_SESSION)


def test_the_request_option_overrides_the_configured_default() -> None:
    out = truncated(request(chat(20), max_session_tokens=300), 100_000)
    assert session_tokens(out) <= 300


def test_a_cut_keeps_about_the_keep_ratio_of_the_budget() -> None:
    budget = 1000
    for turns in range(5, 60):
        out = truncated(request(chat(turns)), budget)
        kept = session_tokens(out)
        assert kept <= budget
        if out.diagnostics.dropped_messages:
            # Chunks are 45% of the budget, snapped to whole exchanges (~60 tokens).
            assert kept >= 0.55 * budget - 2 * 60


def test_the_kept_prefix_stays_identical_across_consecutive_turns() -> None:
    budget = 1000
    previous: tuple[Message, ...] | None = None
    starts = []
    for turns in range(1, 80):
        out = truncated(request(chat(turns)), budget)
        kept = tuple(m for m in out.messages if m.layer == Layer.L2_SESSION)
        starts.append(kept[0].content if kept else None)
        if previous is not None and kept[:1] == previous[:1]:
            # Same start: last turn's history is an unchanged prefix of this one.
            assert kept[: len(previous)] == previous
        previous = kept
    # 79 turns, yet the start of the history moved only a handful of times.
    assert 2 <= len(set(starts)) <= 12


def test_an_agent_loop_keeps_the_call_its_final_tool_results_answer() -> None:
    messages = chat(10)[:-1] + [
        Message("user", "Check the weather"),
        tool_call_turn("c9", "weather", {"city": "Paris"}),
        tool_result("c9", "sunny " * 50),
    ]
    out = truncated(request(messages), 10)
    roles = [m.role for m in out.messages]
    assert roles == ["system", "user", "assistant", "tool"]
    assert out.messages[2].fields["tool_calls"][0]["id"] == "c9"
    assert "still exceeds" in out.diagnostics.warnings[-1]


def test_the_important_strategy_keeps_old_code_and_tool_exchanges() -> None:
    messages = chat(30)
    messages[3:5] = [
        Message("user", "Refactor this:\n```python\ndef f():\n    return 1\n```"),
        Message("assistant", "Done."),
    ]
    messages[7:9] = [
        Message("user", "Look it up"),
        tool_call_turn("c1", "search", {"q": "x"}),
        tool_result("c1", "found"),
        Message("assistant", "It is x."),
    ]
    recent = truncated(request(messages), 700)
    important = truncated(request(messages), 700, "important")
    contents = [m.content for m in important.messages]
    assert messages[3].content in contents
    assert "found" in contents
    assert messages[3].content not in [m.content for m in recent.messages]
    assert session_tokens(important) <= 700


# Property: whatever the budget and conversation, no tool call loses its results, no tool
# result loses its call, and L0/L1/L4 are never dropped.

_exchange = st.lists(st.sampled_from(["text", "tools", "anthropic_tools"]), min_size=1, max_size=4)


def _conversation(plan: list[list[str]], final: str) -> list[Message]:
    messages = [Message("system", "s " * 50), Message("system", "ctx " * 20)]
    n = 0
    for exchange in plan:
        messages.append(Message("user", "question " * 10))
        for step in exchange:
            n += 1
            if step == "text":
                messages.append(Message("assistant", "answer " * 15))
            elif step == "tools":
                messages.append(tool_call_turn(f"c{n}", "f", {"n": n}))
                messages.append(tool_result(f"c{n}", "result " * 12))
            else:
                messages.append(
                    Message(
                        "assistant",
                        (
                            {
                                "type": "tool_use",
                                "id": f"t{n}",
                                "name": "f",
                                "input": {},
                            },
                        ),
                    )
                )
                messages.append(
                    Message(
                        "user",
                        (
                            {
                                "type": "tool_result",
                                "tool_use_id": f"t{n}",
                                "content": "r " * 9,
                            },
                        ),
                    )
                )
    if final == "question":
        messages.append(Message("user", "final?"))
    else:
        messages.append(tool_call_turn("last", "f", {}))
        messages.append(tool_result("last", "done"))
    return messages


def _call_ids(message: Message) -> set[str]:
    ids = {c["id"] for c in message.fields.get("tool_calls", ())}
    if isinstance(message.content, tuple):
        ids |= {b["id"] for b in message.content if b.get("type") == "tool_use"}
    return ids


def _result_ids(message: Message) -> set[str]:
    ids = {message.fields["tool_call_id"]} if message.role == "tool" else set()
    if isinstance(message.content, tuple):
        ids |= {b["tool_use_id"] for b in message.content if b.get("type") == "tool_result"}
    return ids


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_exchange, max_size=12),
    st.sampled_from(["question", "tool_results"]),
    st.integers(min_value=1, max_value=2000),
    st.sampled_from(["recent", "important"]),
)
def test_truncation_never_orphans_tool_calls_or_results(
    plan: list[list[str]], final: str, budget: int, strategy: Strategy
) -> None:
    before = stratify.apply(request(_conversation(plan, final)))
    out = Truncate(budget, strategy).apply(before)
    calls = set().union(*(_call_ids(m) for m in out.messages))
    results = set().union(*(_result_ids(m) for m in out.messages))
    assert calls == results
    kept_protected = [m for m in out.messages if m.layer != Layer.L2_SESSION]
    assert kept_protected == [m for m in before.messages if m.layer != Layer.L2_SESSION]
    session = [m for m in out.messages if m.layer == Layer.L2_SESSION]
    if out.diagnostics.dropped_messages and session:
        assert is_plain_user(session[0])
