from __future__ import annotations

import json
import random
import re

from hypothesis import given
from hypothesis import strategies as st

from proxy.pipeline import canonicalize
from proxy.pipeline.canonicalize import (
    canonical_arguments,
    canonical_text,
    canonical_tools,
    minify_json_text,
)
from proxy.pipeline.fences import split_fenced
from proxy.pipeline.request import Message, PipelineRequest

from .builders import (
    LONG_SYSTEM,
    anthropic_tool,
    openai_tool,
    request,
    run,
    tool_call_turn,
)

CODE = "```python\ndef f(x):  \n\n\n\n    if x:\t\n        return 1\r\n```\n"


def test_it_normalises_line_endings_trailing_space_and_blank_runs() -> None:
    text = "Hello  \r\nWorld\t\r\r\n\n\n\nBye \n"
    assert canonical_text(text) == "Hello\nWorld\n\nBye"


def test_it_keeps_leading_indentation() -> None:
    text = "Steps:\n  1. open\n      nested detail  \n\tTabbed line"
    assert canonical_text(text) == "Steps:\n  1. open\n      nested detail\n\tTabbed line"


def test_it_leaves_fenced_code_byte_for_byte() -> None:
    text = "Fix this:   \n\n\n\n" + CODE + "\n\n\n\nThanks  "
    out = canonical_text(text)
    assert CODE in out
    assert out == "Fix this:\n\n" + CODE + "\nThanks"


def test_it_leaves_tilde_fences_and_unclosed_fences_alone() -> None:
    tilde = "~~~\nkeep   \n\n\n\n~~~\n"
    assert canonical_text("a\n" + tilde + "b") == "a\n" + tilde + "b"
    unclosed = "see:\n```\nx = 1   \n\n\n\n"
    assert canonical_text(unclosed) == unclosed


def test_a_whitespace_only_text_is_not_turned_into_an_empty_block() -> None:
    assert canonical_text("  \n ") == "  \n "


def test_a_json_document_is_minified_with_literals_and_key_order_kept() -> None:
    text = '{\n  "zeta": 1.10,\n  "alpha": [3, 2, 1],\n  "s": "two  spaces",\n  "big": 1e400\n}'
    assert canonical_text(text) == '{"zeta":1.10,"alpha":[3,2,1],"s":"two  spaces","big":1e400}'


def test_json_with_duplicate_keys_or_invalid_json_is_not_rewritten() -> None:
    assert minify_json_text('{"a": 1, "a": 2}') is None
    assert minify_json_text("{not json}") is None
    assert minify_json_text('"just a string"') is None


def test_tool_call_arguments_get_sorted_keys_and_keep_number_literals() -> None:
    assert canonical_arguments('{"b": 1.10, "a": {"d": [2, 1], "c": 10}}') == ('{"a":{"c":10,"d":[2,1]},"b":1.10}')
    assert canonical_arguments("not json") == "not json"


def test_tools_are_sorted_by_name_with_schema_keys_sorted_and_values_untouched() -> None:
    zeta = openai_tool("zeta", version={"type": "string", "enum": ["1.10", "1.9"]})
    alpha = openai_tool("alpha", b={"type": "integer"}, a={"type": "string"})
    tools = canonical_tools((zeta, alpha))
    assert [t["function"]["name"] for t in tools] == ["alpha", "zeta"]
    assert list(tools[0]["function"]["parameters"]["properties"]) == ["a", "b"]
    assert list(tools[0]) == ["function", "type"]
    assert tools[1]["function"]["parameters"]["properties"]["version"]["enum"] == [
        "1.10",
        "1.9",
    ]


def test_anthropic_tools_and_tool_use_input_are_canonical() -> None:
    tools = canonical_tools((anthropic_tool("search"), anthropic_tool("fetch")))
    assert [t["name"] for t in tools] == ["fetch", "search"]
    message = Message(
        "assistant",
        (
            {
                "type": "tool_use",
                "id": "t1",
                "name": "f",
                "input": {"z": 1, "a": {"y": 2, "b": 3}},
            },
        ),
    )
    out = canonicalize.canonical_message(message)
    assert isinstance(out.content, tuple)
    assert json.dumps(out.content[0]["input"]) == '{"a": {"b": 3, "y": 2}, "z": 1}'


def test_an_assistant_turn_with_null_content_survives() -> None:
    message = tool_call_turn("call_1", "lookup", {"q": "x"})
    out = canonicalize.canonical_message(message)
    assert out.content is None
    assert out.fields["tool_calls"][0]["id"] == "call_1"
    assert out.fields["tool_calls"][0]["function"]["arguments"] == '{"q":"x"}'


def test_thinking_blocks_and_images_are_never_rewritten() -> None:
    thinking = {
        "type": "thinking",
        "thinking": "hmm   \n\n\n\nok  ",
        "signature": "sig",
    }
    image = {"type": "image", "source": {"type": "base64", "data": "AAAA"}}
    text = {"type": "text", "text": "done  "}
    out = canonicalize.canonical_message(Message("assistant", (thinking, image, text)))
    assert out.content == (thinking, image, {"type": "text", "text": "done"})


def test_tool_result_content_is_canonicalised() -> None:
    block = {"type": "tool_result", "tool_use_id": "t1", "content": '{ "ok": true }'}
    out = canonicalize.canonical_message(Message("user", (block,)))
    assert isinstance(out.content, tuple)
    assert out.content[0]["content"] == '{"ok":true}'


def test_an_already_canonical_message_is_returned_as_is() -> None:
    message = Message("user", "Plain question?")
    assert canonicalize.canonical_message(message) is message


def _sloppy_request(rng: random.Random, time: str) -> PipelineRequest:
    tools = [
        openai_tool("search", query={"type": "string"}, limit={"type": "integer"}),
        openai_tool("fetch", url={"type": "string", "pattern": "1.10"}),
        openai_tool("summarise", text={"type": "string"}),
    ]
    rng.shuffle(tools)
    for tool in tools:
        props = tool["function"]["parameters"]["properties"]
        items = list(props.items())
        rng.shuffle(items)
        tool["function"]["parameters"]["properties"] = dict(items)
    newline = rng.choice(["\n", "\r\n"])
    noise = " " * rng.randint(0, 3)
    system = newline.join([f"{LONG_SYSTEM}{noise}", f"Current time: {time}{noise}", "", "", "Be brief."])
    messages = [
        Message("system", system),
        Message("user", f"Hi{noise}"),
        Message("assistant", "Hello!" + newline),
        Message("user", "What changed?"),
    ]
    return request(messages, tools=tuple(tools), family="anthropic")


def test_a_sloppy_client_gets_byte_identical_prefixes_across_requests() -> None:
    rng = random.Random(7)
    first = run(_sloppy_request(rng, "2026-11-26T10:15:03Z"))
    second = run(_sloppy_request(rng, "2026-11-26T10:16:41Z"))
    assert first.diagnostics.prefix_hash == second.diagnostics.prefix_hash
    assert first.tools == second.tools
    assert first.messages[:3] == second.messages[:3]
    assert first.messages[3] != second.messages[3]  # the hoisted time, after the prefix


# Property tests: canonicalization is idempotent and only ever changes whitespace.

_token = st.sampled_from([*'ab {}[]:,"`~\t\r', "```", "~~~", "    ", "  x", "\n", "1.10"])
_line = st.lists(_token, max_size=12).map("".join)
_texts = st.lists(_line, max_size=12).map("\n".join)


@given(_texts)
def test_canonicalisation_is_idempotent(text: str) -> None:
    once = canonical_text(text)
    assert canonical_text(once) == once


@given(_texts)
def test_canonicalisation_only_changes_whitespace(text: str) -> None:
    assert re.sub(r"\s", "", canonical_text(text)) == re.sub(r"\s", "", text)


@given(_texts)
def test_fenced_code_is_kept_verbatim(text: str) -> None:
    out = canonical_text(text)
    if minify_json_text(text) is not None:
        return
    for is_code, segment in split_fenced(text):
        if is_code and segment.strip():
            assert segment.rstrip() in out


@given(st.lists(st.text(alphabet=" \tabc", max_size=12), max_size=10))
def test_every_non_blank_line_keeps_its_indentation(lines: list[str]) -> None:
    text = "\r\n".join(lines)
    out = canonical_text(text)
    if out == text and not out.strip():
        return
    kept = [line.rstrip(" \t") for line in lines if line.strip(" \t")]
    assert [line for line in out.split("\n") if line.strip(" \t")] == kept
