"""The pipeline's fast paths give exactly what the plain implementations give.

They exist for the 1 ms budget (tests/benchmarks/bench_pipeline.py); each one is checked
here against the straightforward version it replaces.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from proxy.pipeline import canonicalize, fingerprints, hoist
from proxy.pipeline.canonicalize import canonical_tools
from proxy.pipeline.fences import has_fence, split_fenced
from proxy.pipeline.request import Message

from .builders import anthropic_tool, openai_tool

# --- canonical text: the regex implementation it replaced ------------------------------

_TRAILING_WS = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


def _reference_prose(segment: str) -> str:
    segment = segment.replace("\r\n", "\n").replace("\r", "\n")
    segment = _TRAILING_WS.sub("", segment)
    return _BLANK_RUNS.sub("\n\n", segment)


def reference_canonical_text(text: str) -> str:
    minified = canonicalize.minify_json_text(text)
    if minified is not None:
        return minified
    if has_fence(text):
        split = split_fenced(text)
        pieces = []
        after_code = False
        for code, seg in split:
            if code:
                pieces.append(seg)
            elif after_code:
                pieces.append(_reference_prose("\n" + seg)[1:])
            else:
                pieces.append(_reference_prose(seg))
            after_code = code
        last_is_code = split[-1][0]
        out = "".join(pieces)
    else:
        last_is_code = False
        out = _reference_prose(text)
    out = _LEADING_BLANK_LINES.sub("", out)
    if not last_is_code:
        out = out.rstrip()
    return out if out else text


whitespace_heavy = st.text(
    alphabet=st.sampled_from([" ", "\t", "\n", "\r", "\f", "a", "b", ".", "`", "~", "{", "}"]), max_size=80
)


@settings(max_examples=400, deadline=None)
@given(whitespace_heavy)
def test_canonical_text_matches_the_regex_implementation(text: str) -> None:
    assert canonicalize._canonical_text(text) == reference_canonical_text(text)


def test_canonical_text_fast_paths_on_typical_turns() -> None:
    for text in (
        "Order 3 ships soon. ",
        "Question?  \n",
        " \n\nHi\r\n\r\n\r\n\r\nthere \t\n\n",
        "```py\nx = 1  \n```\n\n\n",
    ):
        assert canonicalize._canonical_text(text) == reference_canonical_text(text)


# --- fingerprint encoding ----------------------------------------------------------------

texts = st.text(max_size=20)
blocks = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": texts}),
    st.fixed_dictionaries({"type": st.just("text"), "text": texts, "cache_control": st.just({"type": "ephemeral"})}),
    st.fixed_dictionaries({"type": st.just("tool_result"), "tool_use_id": texts, "content": texts}),
    st.fixed_dictionaries({"type": st.just("text"), "text": st.integers()}),
)
messages = st.builds(
    Message,
    role=st.sampled_from(["user", "assistant", "system", "tool"]),
    content=st.one_of(texts, st.none(), st.lists(blocks, max_size=3).map(tuple)),
    fields=st.one_of(
        st.just({}), st.fixed_dictionaries({"tool_call_id": texts}), st.just({"cache_control": {"type": "ephemeral"}})
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(messages, max_size=5))
def test_messages_json_matches_the_generic_encoding(batch: list[Message]) -> None:
    assert fingerprints.messages_json(batch) == fingerprints._encode([fingerprints._view(m) for m in batch])


def _tools() -> list[dict[str, Any]]:
    return [
        openai_tool("zeta", q={"type": "string", "description": "é 1.10"}, n={"type": "number", "default": 1.0}),
        openai_tool("alpha", flag={"type": "boolean", "default": True}),
        anthropic_tool("mid", limit={"type": "integer", "default": 1}),
    ]


def test_canonical_tools_sort_like_sort_keys_deep_and_are_fresh_each_time() -> None:
    first = canonical_tools(tuple(_tools()))
    assert first == canonicalize._sorted_tools(_tools())
    alpha, mid, zeta = first
    defaults = [
        alpha["function"]["parameters"]["properties"]["flag"]["default"],
        mid["input_schema"]["properties"]["limit"]["default"],
        zeta["function"]["parameters"]["properties"]["n"]["default"],
    ]
    assert [type(v) for v in defaults] == [bool, int, float]  # the JSON round trip keeps them
    first[0]["function"]["name"] = "changed in place downstream"
    second = canonical_tools(tuple(_tools()))
    assert second[0]["function"]["name"] == "alpha"


def test_tools_json_of_canonical_tools_matches_the_generic_encoding() -> None:
    tools = canonical_tools(tuple(_tools()))
    assert canonicalize.canonical_tools_json(tools) is not None
    assert fingerprints.tools_json(tools) == fingerprints._encode([fingerprints._unmarked_tool(t) for t in tools])
    # An equal tuple the canonicalize step did not build takes the generic path, same bytes.
    assert canonicalize.canonical_tools_json(tuple(tools)) is None or tuple(tools) is tools
    assert fingerprints.tools_json(list(tools)) == fingerprints.tools_json(tools)


def test_marked_tools_are_fingerprinted_without_their_markers() -> None:
    marked = tuple({**t, "cache_control": {"type": "ephemeral"}} for t in _tools())
    tools = canonical_tools(marked)
    assert canonicalize.canonical_tools_json(tools) is None
    assert "cache_control" not in fingerprints.tools_json(tools)


# --- digit runs --------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["1", "2", "0", "9", "a", " ", "-", ":", "٣"]), max_size=60))
def test_digit_runs_match_the_regex(text: str) -> None:
    assert hoist._digit_runs(text) == [m.span() for m in re.finditer(r"\d+", text)]


def test_digit_runs_in_a_digit_heavy_text_fall_back_to_the_regex() -> None:
    text = " ".join(str(n) for n in range(500))
    assert hoist._digit_runs(text) == [m.span() for m in re.finditer(r"\d+", text)]
