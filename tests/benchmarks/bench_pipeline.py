"""Time the prompt pipeline on a 20-turn, 12-tool request.

Not a pytest test (the name does not start with test_): run it by hand with

    /work/venv/bin/python tests/benchmarks/bench_pipeline.py [--runs N]

Budget: the whole pipeline must add under 1 ms per request. The request is a realistic
agent conversation: a ~6 KB system prompt with a timestamp and a request id in it (so the
hoist step has work), 12 tools with nested JSON schemas in a shuffled order, and 20
exchanges, a quarter of them with a tool call and its result. It is run with every step
enabled, for the OpenAI and the Anthropic wire, once without and once with truncation
forcing a cut, and reports the median and p99 wall time of `run_pipeline` (steps are built
once, as the gateway does).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Run as a plain script from anywhere: make the project importable.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from proxy.pipeline.config import PipelineConfig  # noqa: E402
from proxy.pipeline.request import LayerCacheOptions, Message, PipelineRequest  # noqa: E402
from proxy.pipeline.run import build_steps, run_pipeline  # noqa: E402

SYSTEM = (
    "You are Acme's support agent.   \r\nCurrent time: 2026-11-26T10:15:03Z\r\n"
    "Request: req_01HX9ZAB3CDEF\r\n\r\n\r\n"
    + "Follow the refund policy, cite the section, escalate billing disputes. "
    * 85
)


def _tool(n: int, wire: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What to look up."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
            "filters": {
                "type": "object",
                "properties": {
                    "since": {"type": "string", "format": "date"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "version": {"type": "string", "enum": ["1.10", "1.9"]},
                },
            },
        },
        "required": ["query"],
    }
    description = f"Tool number {n}: searches the knowledge base section {n}."
    if wire == "anthropic":
        return {
            "name": f"tool_{n:02d}",
            "description": description,
            "input_schema": schema,
        }
    return {
        "type": "function",
        "function": {
            "name": f"tool_{n:02d}",
            "description": description,
            "parameters": schema,
        },
    }


def build_request(
    wire: str, max_session_tokens: int | None, salt: str = "", question: str = "And my latest order?"
) -> PipelineRequest:
    """`salt` makes every text unique (a cold request); `question` is the new turn."""
    rng = random.Random(1)
    tools = [_tool(n, wire) for n in range(12)]
    rng.shuffle(tools)
    system: Message
    if wire == "anthropic":
        system = Message("system", ({"type": "text", "text": salt + SYSTEM},))
    else:
        system = Message("system", salt + SYSTEM)
    messages = [system]
    for turn in range(20):
        messages.append(Message("user", f"{salt}Customer question {turn}: order {turn} is late.  \n"))
        if turn % 4 == 1:
            args = {"query": f"order {turn}", "limit": 5}
            if wire == "anthropic":
                messages.append(
                    Message(
                        "assistant",
                        (
                            {
                                "type": "tool_use",
                                "id": f"t{turn}",
                                "name": "tool_01",
                                "input": args,
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
                                "tool_use_id": f"t{turn}",
                                "content": json.dumps({"status": "shipped", "eta": "2 days"}, indent=2),
                            },
                        ),
                    )
                )
            else:
                call = {
                    "id": f"c{turn}",
                    "type": "function",
                    "function": {"name": "tool_01", "arguments": json.dumps(args)},
                }
                messages.append(Message("assistant", None, {"tool_calls": [call]}))
                messages.append(
                    Message(
                        "tool",
                        json.dumps({"status": "shipped", "eta": "2 days"}, indent=2),
                        {"tool_call_id": f"c{turn}"},
                    )
                )
        messages.append(Message("assistant", f"{salt}Order {turn} ships soon. " * 12))
    messages.append(Message("user", question))
    return PipelineRequest(
        wire=wire,
        dialect=wire,  # type: ignore[arg-type]
        model="bench",
        messages=tuple(messages),
        tools=tuple(tools),
        params={"temperature": 0.2},
        options=LayerCacheOptions(
            enhancements=("chain_of_thought",),
            max_session_tokens=max_session_tokens,
            team_id="team-bench",
        ),
        provider_family=wire,
    )


def measure(requests: list[PipelineRequest]) -> tuple[float, float, float]:
    """Median and p99 wall time and median CPU time, in microseconds, one run per request."""
    steps = build_steps(PipelineConfig())
    wall = []
    cpu = []
    for req in requests:
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        run_pipeline(req, steps)
        cpu.append((time.thread_time_ns() - start_cpu) / 1000)
        wall.append((time.perf_counter_ns() - start) / 1000)
    wall.sort()
    return statistics.median(wall), wall[int(len(wall) * 0.99) - 1], statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.runs} runs each")
    for wire in ("openai", "anthropic"):
        for budget in (None, 1200):
            # Requests are built before timing. "steady" repeats the system prompt, tools and
            # history with fresh string objects (as a parsed request would have) and a new
            # question each time: a running conversation. "cold" makes every text unique, so
            # nothing is memoised: a first request.
            steady = [build_request(wire, budget, question=f"And my order {n}?") for n in range(args.runs)]
            cold = [build_request(wire, budget, salt=f"[{n}] ") for n in range(args.runs)]
            measure(steady[:200])
            d = run_pipeline(steady[0], build_steps(PipelineConfig())).diagnostics
            print(
                f"{wire:9} truncation={'on ' if budget else 'off'} messages={len(steady[0].messages)} "
                f"tools={len(steady[0].tools)} prefix={d.prefix_tokens} tok markers={d.markers_placed} "
                f"dropped={d.dropped_messages}"
            )
            for label, requests in (("steady", steady), ("cold", cold)):
                median, p99, cpu = measure(requests)
                print(f"    {label:6}: median {median:5.0f} us  p99 {p99:5.0f} us  (median CPU {cpu:5.0f} us)")


if __name__ == "__main__":
    main()
