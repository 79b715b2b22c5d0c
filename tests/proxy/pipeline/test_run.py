from __future__ import annotations

import pytest

from proxy.pipeline import canonicalize, hoist, stratify
from proxy.pipeline.config import PipelineConfig
from proxy.pipeline.request import Message
from proxy.pipeline.run import build_steps, run_pipeline

from .builders import chat, request


def test_the_full_chain_has_seven_steps_in_order() -> None:
    steps = build_steps(PipelineConfig())
    assert len(steps) == 7
    assert steps[:3] == (stratify.apply, canonicalize.apply, hoist.apply)
    names = [type(getattr(s, "__self__", None)).__name__ for s in steps[3:]]
    assert names == ["Truncate", "PrefixCheck", "Enhance", "CacheMarkers"]


def test_disabled_steps_are_left_out_of_the_chain() -> None:
    config = PipelineConfig(
        hoist_volatile=False,
        canonicalize=False,
        enhancements=False,
        cache_markers=False,
    )
    steps = build_steps(config)
    assert steps[0] is stratify.apply
    names = [type(getattr(s, "__self__", None)).__name__ for s in steps[1:]]
    assert names == ["Truncate", "PrefixCheck"]


def test_run_pipeline_returns_a_new_request_and_leaves_the_input_alone() -> None:
    original = request([Message("system", "s  \r\n"), Message("user", "q")])
    out = run_pipeline(original, build_steps(PipelineConfig()))
    assert original.messages[0].content == "s  \r\n"
    assert original.messages[0].layer is None
    assert out.messages[0].content == "s"


def test_an_empty_chain_is_the_identity() -> None:
    req = request(chat(1))
    assert run_pipeline(req, ()) is req


@pytest.mark.parametrize(
    "bad",
    [
        {"anthropic_cache_ttl": "2h"},
        {"truncation_strategy": "oldest"},
        {"truncation_keep_ratio": 1.0},
        {"max_session_tokens": 0},
        {"enhancement_texts": {"chain_of_thought": "x"}},
    ],
)
def test_a_bad_configuration_fails_at_build_time(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PipelineConfig(**bad)  # type: ignore[arg-type]
