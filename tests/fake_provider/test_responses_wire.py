"""The OpenAI Responses surface (non-streamed), driven by the official openai SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pydantic
import pytest
from openai.types.responses.response_create_params import ResponseCreateParamsStreaming

from .prefix_cache import OpenAICacheReport
from .provider import FakeProvider
from .responses_input import KNOWN_PARAMETERS

GPT = "gpt-4o"
WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
    "strict": False,
}
TIME_TOOL: Any = {"type": "function", "name": "get_time", "parameters": {"type": "object"}, "strict": None}


def client(fake: FakeProvider, key: str = "sk-test") -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.openai_base, api_key=key, max_retries=0)


def bad_request(fake: FakeProvider, **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{fake.openai_base}/responses",
        headers={"authorization": "Bearer k"},
        json={"model": GPT, "input": "hi", **body},
    )
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    return error


def cached(reply: Any) -> int:
    return int(reply.usage.input_tokens_details.cached_tokens)


# ---------------------------------------------------------------- answers


def test_it_answers_from_the_last_user_text(fake: FakeProvider) -> None:
    reply = client(fake).responses.create(model=GPT, input="What is 2+2?")
    assert reply.object == "response" and reply.id.startswith("resp_")
    assert reply.status == "completed" and reply.error is None and reply.incomplete_details is None
    assert reply.output_text == "Answer to: What is 2+2?"
    (message,) = reply.output
    assert message.type == "message" and message.id.startswith("msg_")
    assert message.role == "assistant" and message.status == "completed"
    assert message.content[0].type == "output_text" and message.content[0].annotations == []
    assert reply.usage is not None
    assert reply.usage.input_tokens == 7  # user What is 2 + 2 ?
    assert reply.usage.output_tokens == 9  # Answer to : What is 2 + 2 ?
    assert reply.usage.total_tokens == 16
    assert reply.usage.input_tokens_details.cached_tokens == 0
    assert reply.usage.input_tokens_details.cache_write_tokens == 0
    assert reply.usage.output_tokens_details.reasoning_tokens == 0


def test_it_records_the_request_with_its_cache_report(fake: FakeProvider) -> None:
    reply = client(fake).responses.create(model=GPT, input="hi", instructions="be brief")
    (received,) = fake.received
    assert (received.method, received.path) == ("POST", "/v1/responses")
    assert received.headers["authorization"] == "Bearer sk-test"
    assert received.json == {"model": GPT, "input": "hi", "instructions": "be brief"}
    assert reply.usage is not None
    assert received.cache_report == OpenAICacheReport(prompt_tokens=reply.usage.input_tokens, cached_tokens=0)


def test_it_echoes_the_request_parameters_with_openai_defaults(fake: FakeProvider) -> None:
    plain = client(fake).responses.create(model=GPT, input="hi")
    assert (plain.temperature, plain.top_p, plain.tool_choice, plain.tools) == (1.0, 1.0, "auto", [])
    # `store` is on the wire but not in the SDK's Response model.
    assert plain.parallel_tool_calls is True and plain.to_dict()["store"] is True and plain.metadata == {}
    assert plain.truncation == "disabled" and plain.instructions is None
    assert plain.text is not None and plain.text.format is not None and plain.text.format.type == "text"
    echoed = client(fake).responses.create(
        model=GPT,
        input="hi",
        instructions="be brief",
        temperature=0.2,
        top_p=0.5,
        max_output_tokens=100,
        metadata={"tenant": "alice"},
        tools=[WEATHER_TOOL],
        tool_choice="none",
        parallel_tool_calls=False,
        store=False,
        truncation="auto",
        prompt_cache_key="tenant-1",
        reasoning={"effort": "low"},
    )
    assert (echoed.instructions, echoed.temperature, echoed.top_p) == ("be brief", 0.2, 0.5)
    assert (echoed.max_output_tokens, echoed.metadata, echoed.tool_choice) == (100, {"tenant": "alice"}, "none")
    assert (echoed.parallel_tool_calls, echoed.to_dict()["store"], echoed.truncation) == (False, False, "auto")
    assert echoed.prompt_cache_key == "tenant-1"
    assert echoed.reasoning is not None and echoed.reasoning.effort == "low"
    (tool,) = echoed.tools
    assert tool.type == "function" and tool.name == "get_weather" and tool.strict is False
    assert tool.parameters == WEATHER_TOOL["parameters"]


def test_an_item_list_is_answered_from_its_last_user_message(fake: FakeProvider) -> None:
    items: Any = [
        {"role": "system", "content": "be kind"},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": [{"type": "output_text", "text": "first answer", "annotations": []}]},
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "what is in this picture?"},
                {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "low"},
            ],
        },
    ]
    reply = client(fake).responses.create(model=GPT, input=items)
    assert reply.output_text.startswith("Answer to: what is in this picture?")


def test_a_string_input_and_the_same_message_as_items_count_the_same(fake: FakeProvider) -> None:
    shapes: list[Any] = [
        "how are you",
        [{"role": "user", "content": "how are you"}],
        [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "how are you"}]}],
    ]
    counts = set()
    for shape in shapes:
        reply = client(fake).responses.create(model=GPT, input=shape)
        assert reply.usage is not None and reply.output_text == "Answer to: how are you"
        counts.add(reply.usage.input_tokens)
    assert counts == {4}


def test_reasoning_items_and_part_list_tool_outputs_are_read_and_counted(fake: FakeProvider) -> None:
    call: Any = {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"}
    items: Any = [
        {"role": "user", "content": "weather?"},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "look it up"}]},
        call,
        {"type": "function_call_output", "call_id": "call_1", "output": [{"type": "input_text", "text": "sunny"}]},
    ]
    reply = client(fake).responses.create(model=GPT, input=items)
    without_reasoning = client(fake).responses.create(model=GPT, input=[items[0], *items[2:]])
    assert reply.output_text == "Answer to: weather?"
    assert reply.usage is not None and without_reasoning.usage is not None
    assert reply.usage.input_tokens - without_reasoning.usage.input_tokens == 4  # reasoning look it up


def test_max_output_tokens_truncates_to_an_incomplete_response(fake: FakeProvider) -> None:
    question = "a b c d e f g h i j k l m n o p q r s t u v w x y z"
    reply = client(fake).responses.create(model=GPT, input=question, max_output_tokens=16)
    assert reply.status == "incomplete"
    assert reply.incomplete_details is not None and reply.incomplete_details.reason == "max_output_tokens"
    assert reply.output[0].type == "message" and reply.output[0].status == "incomplete"
    assert reply.output_text == "Answer to: a b c d e f g h i j k l m"
    assert reply.usage is not None and reply.usage.output_tokens == 16


def test_json_schema_text_format_answers_the_schema_and_sdk_parse_reads_it(fake: FakeProvider) -> None:
    class Weather(pydantic.BaseModel):
        city: str
        days: int

    parsed = client(fake).responses.parse(model=GPT, input="weather in Paris?", text_format=Weather)
    assert parsed.output_parsed == Weather(city="example", days=1)
    sent = fake.received[-1].json["text"]["format"]
    assert sent["type"] == "json_schema" and sent["name"] == "Weather"


# ------------------------------------------------------------------ tools


def test_function_tools_on_a_user_turn_produce_a_function_call(fake: FakeProvider) -> None:
    reply = client(fake).responses.create(model=GPT, input="weather in Paris?", tools=[WEATHER_TOOL])
    (call,) = reply.output
    assert call.type == "function_call"
    assert call.id is not None and call.id.startswith("fc_") and call.call_id.startswith("call_")
    assert (call.name, call.status) == ("get_weather", "completed")
    assert json.loads(call.arguments) == {"city": "example"}
    assert reply.output_text == "" and reply.status == "completed"
    assert reply.usage is not None and reply.usage.output_tokens == 10  # get_weather { " city " : " example " }


def test_tool_choice_picks_or_suppresses_the_call(fake: FakeProvider) -> None:
    def called(tool_choice: Any) -> str | None:
        reply = client(fake).responses.create(
            model=GPT, input="what now?", tools=[WEATHER_TOOL, TIME_TOOL], tool_choice=tool_choice
        )
        first = reply.output[0]
        return first.name if first.type == "function_call" else None

    assert called("auto") == "get_weather"
    assert called("required") == "get_weather"
    assert called({"type": "function", "name": "get_time"}) == "get_time"
    assert called({"type": "allowed_tools", "mode": "auto", "tools": [{"type": "function", "name": "get_time"}]}) == (
        "get_time"
    )
    assert called("none") is None


def test_a_function_call_output_gets_a_text_answer(fake: FakeProvider) -> None:
    items: Any = [
        {"role": "user", "content": "weather in Paris?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ]
    reply = client(fake).responses.create(model=GPT, input=items, tools=[WEATHER_TOOL])
    assert reply.output[0].type == "message"
    assert reply.output_text == "Answer to: weather in Paris?"


def test_a_function_call_output_without_its_call_is_a_400(fake: FakeProvider) -> None:
    items = [{"role": "user", "content": "hi"}, {"type": "function_call_output", "call_id": "call_9", "output": "x"}]
    error = bad_request(fake, input=items)
    assert error["message"] == "No tool call found for function call output with call_id call_9."
    assert error["param"] == "input"


# ------------------------------------------------------ stored responses


def test_previous_response_id_reads_like_resending_the_conversation(fake: FakeProvider) -> None:
    sdk = client(fake)
    first = sdk.responses.create(model=GPT, input="first question", instructions="be brief")
    second = sdk.responses.create(model=GPT, input="second question", previous_response_id=first.id)
    assert second.output_text == "Answer to: second question"
    assert second.previous_response_id == first.id
    # Instructions are not carried over; the earlier input and output are.
    resent = sdk.responses.create(
        model=GPT,
        input=[
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": first.output_text},
            {"role": "user", "content": "second question"},
        ],
    )
    assert second.usage is not None and resent.usage is not None
    assert second.usage.input_tokens == resent.usage.input_tokens


def test_a_function_call_is_answered_through_previous_response_id(fake: FakeProvider) -> None:
    sdk = client(fake)
    asked = sdk.responses.create(model=GPT, input="weather in Paris?", tools=[WEATHER_TOOL])
    call = asked.output[0]
    assert call.type == "function_call"
    answered = sdk.responses.create(
        model=GPT,
        previous_response_id=asked.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"sky":"clear"}'}],
        tools=[WEATHER_TOOL],
    )
    assert answered.output_text == "Answer to: weather in Paris?"


def test_an_unknown_previous_response_is_a_400(fake: FakeProvider) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client(fake).responses.create(model=GPT, input="hi", previous_response_id="resp_unknown")
    assert caught.value.body == {
        "message": "Previous response with id 'resp_unknown' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }


def test_unstored_and_other_keys_responses_cannot_be_continued(fake: FakeProvider) -> None:
    unstored = client(fake).responses.create(model=GPT, input="hi", store=False)
    stored = client(fake, "alice").responses.create(model=GPT, input="hi")
    assert set(fake.stored_responses) == {stored.id}
    assert fake.stored_responses[stored.id]["output"][0]["content"][0]["text"] == "Answer to: hi"
    for key, response_id in (("alice", unstored.id), ("bob", stored.id)):
        with pytest.raises(openai.BadRequestError, match="not found"):
            client(fake, key).responses.create(model=GPT, input="again", previous_response_id=response_id)
    fake.reset()
    assert fake.stored_responses == {}


# ------------------------------------------------------------------ cache


def test_a_repeated_long_prefix_reports_cached_tokens(fake: FakeProvider) -> None:
    sdk = client(fake)
    first = sdk.responses.create(model=GPT, instructions="rule " * 2000, input="q")
    second = sdk.responses.create(model=GPT, instructions="rule " * 2000, input="another q")
    assert cached(first) == 0
    assert second.usage is not None
    # 2002 shared tokens (developer, 2000 rules, user), in whole 128-token blocks.
    assert cached(second) == 1920
    assert fake.received[1].cache_report == OpenAICacheReport(second.usage.input_tokens, 1920)


def test_previous_response_id_context_is_read_from_the_cache(fake: FakeProvider) -> None:
    sdk = client(fake)
    first = sdk.responses.create(model=GPT, input="word " * 2000)
    follow_up = sdk.responses.create(model=GPT, input="and then?", previous_response_id=first.id)
    assert follow_up.usage is not None and first.usage is not None
    assert cached(follow_up) == (first.usage.input_tokens - 1) // 128 * 128


def test_the_cache_is_per_key_and_prompt_cache_key_and_breaks_on_tools_or_effort(fake: FakeProvider) -> None:
    long_input = "word " * 2000
    client(fake, "alice").responses.create(model=GPT, input=long_input, tools=[WEATHER_TOOL], tool_choice="none")

    def repeat(key: str = "alice", **changes: Any) -> int:
        options: Any = {"tools": [WEATHER_TOOL], "tool_choice": "none", **changes}
        return cached(client(fake, key).responses.create(model=GPT, input=long_input, **options))

    assert repeat() > 0
    assert repeat("bob") == 0
    assert repeat(prompt_cache_key="tenant-2") == 0
    assert repeat(tools=[TIME_TOOL]) == 0
    assert repeat(reasoning={"effort": "high"}) == 0
    assert repeat(metadata={"changes": "nothing"}) > 0  # metadata is not part of the prompt


# ------------------------------------------------------------- validation


def test_the_parameters_known_are_those_of_the_sdk() -> None:
    sdk = ResponseCreateParamsStreaming.__required_keys__ | ResponseCreateParamsStreaming.__optional_keys__
    assert set(sdk) == KNOWN_PARAMETERS


def test_it_rejects_bad_parameters_naming_the_param(fake: FakeProvider) -> None:
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"model": None}, "model", "missing_required_parameter"),
        ({"messages": []}, "messages", "unknown_parameter"),
        ({"response_format": {"type": "json_object"}}, "response_format", "unsupported_parameter"),
        ({"input": {"role": "user"}}, "input", "invalid_type"),
        ({"input": [{"role": "tool", "content": "x"}]}, "input[0].role", "invalid_value"),
        ({"input": [{"role": "user"}]}, "input[0].content", "missing_required_parameter"),
        ({"input": [{"role": "user", "content": "x", "tool_calls": []}]}, "input[0].tool_calls", "unknown_parameter"),
        ({"input": [{"type": "computer_call"}]}, "input[0].type", "invalid_value"),
        ({"input": [{"type": "function_call", "name": "f", "arguments": "{}"}]}, "input[0].call_id", None),
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools[0].name", "missing_required_parameter"),
        ({"tools": [WEATHER_TOOL], "tool_choice": {"type": "function", "name": "nope"}}, "tool_choice", None),
        ({"tool_choice": "sometimes"}, "tool_choice", "invalid_value"),
        ({"max_output_tokens": 5}, "max_output_tokens", "integer_below_min_value"),
        ({"temperature": 3}, "temperature", "decimal_above_max_value"),
        ({"top_p": 1.5}, "top_p", "decimal_above_max_value"),
        ({"text": {"format": {"type": "json_schema", "schema": {}}}}, "text.format.name", None),
        ({"reasoning": {"effort": "extreme"}}, "reasoning.effort", "invalid_value"),
        ({"store": "yes"}, "store", "invalid_type"),
        ({"metadata": {str(n): "v" for n in range(17)}}, "metadata", "object_above_max_properties"),
        ({"conversation": "conv_1"}, "conversation", "unsupported_parameter"),
    ]
    for body, param, code in cases:
        error = bad_request(fake, **body)
        assert error["param"] == param, (body, error)
        if code is not None:
            assert error["code"] == code, (body, error)
    assert fake.stored_responses == {}


def test_content_parts_must_match_the_role(fake: FakeProvider) -> None:
    error = bad_request(
        fake,
        input=[
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "input_text", "text": "hello"}]},
        ],
    )
    assert error["param"] == "input[1].content[0]"
    assert error["message"] == "Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'."


def test_missing_bearer_token_and_bad_json_are_openai_errors(fake: FakeProvider) -> None:
    unauthenticated = httpx.post(f"{fake.openai_base}/responses", json={"model": GPT, "input": "hi"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["type"] == "invalid_request_error"
    garbled = httpx.post(
        f"{fake.openai_base}/responses",
        content=b"{not json",
        headers={"authorization": "Bearer k", "content-type": "application/json"},
    )
    assert garbled.status_code == 400 and "parse the JSON body" in garbled.json()["error"]["message"]
