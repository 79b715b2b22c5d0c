"""Streamed OpenAI Responses (typed SSE events) and injected faults, raw and through the SDK."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import httpx2
import openai
import pytest
from openai.types.responses import ResponseCompletedEvent, ResponseTextDeltaEvent

from .faults import Fault
from .provider import FakeProvider

GPT = "gpt-4o"
WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "strict": False,
}
TEXT_EVENTS = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    *["response.output_text.delta"] * 3,
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]


def client(fake: FakeProvider, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.openai_base, api_key="k", **{"max_retries": 0, **options})


def stream_events(fake: FakeProvider, **body: Any) -> list[dict[str, Any]]:
    """POST a streamed request; each event's data, checked against its ``event:`` line."""
    response = httpx.post(
        f"{fake.openai_base}/responses",
        headers={"authorization": "Bearer k"},
        json={"model": GPT, "input": "hello there", "stream": True, **body},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.split("\n\n"):
        if not block:
            continue
        name_line, data_line = block.split("\n")
        data = json.loads(data_line.removeprefix("data: "))
        assert name_line == f"event: {data['type']}"
        events.append(data)
    return events


def test_a_text_stream_sends_the_typed_events_in_openai_order(fake: FakeProvider) -> None:
    fake.settings.chunks = 3
    events = stream_events(fake)
    assert [e["type"] for e in events] == TEXT_EVENTS
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    created, in_progress = events[0]["response"], events[1]["response"]
    assert created["status"] == in_progress["status"] == "in_progress"
    assert created["output"] == [] and created["usage"] is None
    added = events[2]
    assert added["output_index"] == 0
    assert added["item"] == {
        "id": added["item"]["id"],
        "type": "message",
        "status": "in_progress",
        "content": [],
        "role": "assistant",
    }
    item_id = added["item"]["id"]
    assert events[3]["part"] == {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    deltas = events[4:7]
    assert all((d["item_id"], d["output_index"], d["content_index"]) == (item_id, 0, 0) for d in deltas)
    assert "".join(d["delta"] for d in deltas) == "Answer to: hello there"
    assert events[7]["text"] == "Answer to: hello there"
    assert events[8]["part"]["text"] == "Answer to: hello there"
    assert events[9]["item"]["status"] == "completed"
    final = events[10]["response"]
    assert final["id"] == created["id"] and final["status"] == "completed"
    assert final["output"] == [events[9]["item"]]
    assert final["usage"]["output_tokens"] == 5 and final["usage"]["input_tokens"] == 3


def test_a_function_call_stream_sends_argument_deltas(fake: FakeProvider) -> None:
    fake.settings.chunks = 2
    events = stream_events(fake, tools=[WEATHER_TOOL])
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    opened = events[2]["item"]
    assert opened["type"] == "function_call" and opened["arguments"] == "" and opened["status"] == "in_progress"
    assert opened["id"].startswith("fc_") and opened["call_id"].startswith("call_")
    assert opened["name"] == "get_weather"
    arguments = "".join(e["delta"] for e in events[3:5])
    assert json.loads(arguments) == {"city": "example"} and events[5]["arguments"] == arguments
    assert events[6]["item"] == {**opened, "status": "completed", "arguments": arguments}


def test_a_truncated_stream_ends_with_response_incomplete(fake: FakeProvider) -> None:
    events = stream_events(fake, input="a b c d e f g h i j k l m n o p q r s t", max_output_tokens=16)
    final = events[-1]
    assert final["type"] == "response.incomplete"
    assert final["response"]["status"] == "incomplete"
    assert final["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["response"]["output"][0]["status"] == "incomplete"


def test_the_sdk_stream_helper_reassembles_the_response(fake: FakeProvider) -> None:
    with client(fake).responses.stream(model=GPT, input="stream me") as stream:
        deltas = [e.delta for e in stream if isinstance(e, ResponseTextDeltaEvent)]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "Answer to: stream me"
    assert final.usage is not None and final.usage.output_tokens == 5
    # A streamed response is stored like any other.
    follow_up = client(fake).responses.create(model=GPT, input="next", previous_response_id=final.id)
    assert follow_up.output_text == "Answer to: next"


def test_sdk_create_with_stream_yields_typed_events(fake: FakeProvider) -> None:
    events = list(client(fake).responses.create(model=GPT, input="weather?", tools=[WEATHER_TOOL], stream=True))
    completed = events[-1]
    assert isinstance(completed, ResponseCompletedEvent)
    (call,) = completed.response.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "example"}


# ------------------------------------------------------------------ faults


def test_rate_limit_server_error_and_overload_are_http_errors(fake: FakeProvider) -> None:
    for fault, error, status in [
        (Fault.RATE_LIMIT, openai.RateLimitError, 429),
        (Fault.SERVER_ERROR, openai.InternalServerError, 500),
        (Fault.OVERLOADED, openai.InternalServerError, 503),
    ]:
        fake.inject(fault, path="/v1/responses")
        with pytest.raises(error) as caught:
            client(fake).responses.create(model=GPT, input="hi")
        assert caught.value.status_code == status
    assert [r.fault for r in fake.received] == [Fault.RATE_LIMIT, Fault.SERVER_ERROR, Fault.OVERLOADED]
    assert fake.stored_responses == {}


def test_an_overloaded_stream_fails_mid_way_with_response_failed_and_an_error_event(fake: FakeProvider) -> None:
    fake.settings.chunks = 4
    fake.inject(Fault.OVERLOADED)
    events = stream_events(fake)
    assert [e["type"] for e in events][-4:] == [
        "response.output_text.delta",
        "response.output_text.delta",
        "response.failed",
        "error",
    ]
    failed = events[-2]["response"]
    assert failed["status"] == "failed" and failed["error"]["code"] == "server_error"
    assert events[-1]["error"]["code"] == "server_is_overloaded"
    assert events[-1]["sequence_number"] == len(events) - 1
    assert fake.stored_responses == {}


def test_the_sdk_raises_on_an_overloaded_stream(fake: FakeProvider) -> None:
    fake.inject(Fault.OVERLOADED)
    seen: list[str] = []
    with pytest.raises(openai.APIError, match="overloaded"), client(fake).responses.stream(model=GPT, input="hi") as s:
        seen.extend(event.type for event in s)
    assert "response.failed" in seen and "response.completed" not in seen


def test_a_cut_stream_ends_without_a_terminal_event(fake: FakeProvider) -> None:
    fake.inject(Fault.CUT_STREAM)
    seen: list[str] = []
    with (
        pytest.raises((openai.APIConnectionError, httpx2.TransportError)),
        client(fake).responses.stream(model=GPT, input="hello") as stream,
    ):
        seen.extend(event.type for event in stream)
    assert "response.output_text.delta" in seen
    assert not {"response.completed", "response.failed"} & set(seen)
    assert fake.stored_responses == {}


def test_a_cut_plain_response_raises_a_connection_error(fake: FakeProvider) -> None:
    fake.inject(Fault.CUT_STREAM)
    with pytest.raises(openai.APIConnectionError):
        client(fake).responses.create(model=GPT, input="hi")
    assert fake.stored_responses == {}


def test_a_timeout_fault_outlasts_the_client_timeout(fake: FakeProvider) -> None:
    fake.timeout_sleep = 2
    fake.inject(Fault.TIMEOUT)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(fake, timeout=0.3).responses.create(model=GPT, input="hi")
    assert time.monotonic() - started < 1.5
