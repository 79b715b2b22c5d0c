"""Canonical keys and the per-request cache policy (pure functions, no database)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest

from proxy.pipeline.request import Layer, LayerCacheOptions, Message, PipelineRequest
from proxy.principal import Principal
from proxy.route_spec import RouteSpec
from semantic_cache.keys import request_keys
from semantic_cache.policy import CacheControl, parse_cache_control, resolve_policy, resolve_scope

ROUTE = RouteSpec(
    id=1,
    name="gpt",
    model="openai/gpt-4o",
    api_base="",
    api_key_env="",
    price_input=Decimal(1),
    price_cached_input=Decimal(0),
    price_cache_write=Decimal(0),
    price_output=Decimal(1),
    timeout_seconds=5.0,
    retries=0,
    min_cacheable_tokens=1024,
    hoist_volatile=True,
    anthropic_cache_ttl="5m",
    max_session_tokens=None,
    fallback_names=(),
)
ALICE = Principal(
    team_id=1,
    team_name="alpha",
    team_cache_scope="team",
    key_id=10,
    key_prefix="a",
    allowed_route_ids=None,
    rpm_limit=None,
    tpm_limit=None,
    monthly_budget_usd=None,
    expires_at=None,
)


def _req(*turns: tuple[str, Any], **params: Any) -> PipelineRequest:
    messages = tuple(Message(role=role, content=content) for role, content in turns)
    return PipelineRequest(wire="openai", model="gpt", messages=messages, params=MappingProxyType(params))


def _keys(req: PipelineRequest, namespace: str = "") -> Any:
    return request_keys(req, "gpt", namespace)


def test_the_same_request_has_the_same_keys() -> None:
    a = _keys(_req(("system", "Be terse."), ("user", "How do I sort a list?"), temperature=0.2))
    b = _keys(_req(("system", "Be terse."), ("user", "How do I sort a list?"), temperature=0.2))
    assert a == b
    assert a.query_text == "How do I sort a list?"


@pytest.mark.parametrize(
    "param",
    [
        {"temperature": 0.3},
        {"top_p": 0.5},
        {"max_tokens": 5},
        {"seed": 1},
        {"stop": ["x"]},
        {"n": 2},
        {"response_format": {"type": "json_object"}},
        {"tool_choice": "none"},
        {"some_future_param": 1},
    ],
)
def test_every_generation_parameter_changes_both_keys(param: dict[str, Any]) -> None:
    base = _keys(_req(("user", "How do I sort a list?")))
    changed = _keys(_req(("user", "How do I sort a list?"), **param))
    assert changed.exact_key != base.exact_key
    assert changed.context_fingerprint != base.context_fingerprint


@pytest.mark.parametrize(
    "param", [{"stream": True}, {"stream_options": {"include_usage": True}}, {"user": "u-1"}, {"metadata": {"a": 1}}]
)
def test_delivery_parameters_do_not_change_the_key(param: dict[str, Any]) -> None:
    assert (
        _keys(_req(("user", "How do I sort a list?"), **param)).exact_key
        == _keys(_req(("user", "How do I sort a list?"))).exact_key
    )


def test_cache_markers_do_not_change_the_key() -> None:
    plain = _req(("user", "How do I sort a list?"))
    marked = replace(
        plain,
        messages=(
            Message(
                role="user",
                content=({"type": "text", "text": "How do I sort a list?", "cache_control": {"type": "ephemeral"}},),
            ),
        ),
    )
    assert (
        _keys(marked).exact_key
        == _keys(
            replace(
                plain, messages=(Message(role="user", content=({"type": "text", "text": "How do I sort a list?"},)),)
            )
        ).exact_key
    )


def test_the_route_wire_template_enhancements_and_namespace_are_part_of_the_key() -> None:
    req = _req(("user", "How do I sort a list?"))
    base = _keys(req)
    assert request_keys(req, "other-route").exact_key != base.exact_key
    assert _keys(replace(req, wire="anthropic")).exact_key != base.exact_key
    assert _keys(replace(req, template_version="support@2")).context_fingerprint != base.context_fingerprint
    assert (
        _keys(replace(req, options=LayerCacheOptions(enhancements=("chain_of_thought",)))).exact_key != base.exact_key
    )
    assert _keys(req, namespace="docs").context_fingerprint != base.context_fingerprint


def test_history_separates_follow_ups_but_not_the_query_text() -> None:
    one = _keys(
        _req(("user", "Tell me about volcanoes."), ("assistant", "Hot."), ("user", "Please continue with more detail."))
    )
    two = _keys(
        _req(("user", "Tell me about glaciers."), ("assistant", "Cold."), ("user", "Please continue with more detail."))
    )
    assert one.query_text == two.query_text == "Please continue with more detail."
    assert one.context_fingerprint != two.context_fingerprint


def test_the_system_prompt_is_context_and_the_user_turn_is_the_query() -> None:
    a = _keys(_req(("system", "Be terse."), ("user", "How do I sort a list?")))
    b = _keys(_req(("system", "Be terse."), ("user", "How can I sort a list?")))
    c = _keys(_req(("system", "Be verbose."), ("user", "How do I sort a list?")))
    assert a.context_fingerprint == b.context_fingerprint != c.context_fingerprint
    assert a.exact_key != b.exact_key


def test_layers_set_by_the_pipeline_are_respected() -> None:
    messages = (
        Message("system", "Ctx", layer=Layer.L1_CONTEXT),
        Message("user", "How do I sort a list?", layer=Layer.L4_USER),
    )
    keys = _keys(PipelineRequest(wire="openai", model="gpt", messages=messages))
    assert keys.query_text == "How do I sort a list?" and not keys.semantic_ineligible


def test_tool_result_turns_and_images_are_not_semantic() -> None:
    tool = _keys(_req(("user", "Weather?"), ("assistant", None), ("tool", "sunny")))
    assert tool.semantic_ineligible == "tool result turn"
    image = _keys(
        _req(
            (
                "user",
                ({"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "What is this picture?"}),
            )
        )
    )
    assert image.semantic_ineligible == "non-text content"


def test_cache_control_header_parsing() -> None:
    assert parse_cache_control("no-cache") == CacheControl(no_cache=True)
    assert parse_cache_control("No-Store, max-age=30") == CacheControl(no_store=True, max_age=30)
    assert parse_cache_control('max-age="10", max-age=5') == CacheControl(max_age=5)
    assert parse_cache_control("private, garbage=,") == CacheControl()


@pytest.mark.parametrize(
    ("team", "requested", "expected"),
    [
        ("team", None, "team"),
        ("team", "key", "key"),
        ("team", "session", "session"),
        ("key", "team", "key"),
        ("key", "session", "session"),
        ("session", "team", "session"),
        ("session", "key", "session"),
    ],
)
def test_a_request_may_narrow_its_scope_but_never_widen_it(team: str, requested: str | None, expected: str) -> None:
    scope, _ = resolve_scope(replace(ALICE, team_cache_scope=team), requested, "s-1")
    assert scope is not None and scope.scope == expected and scope.team_id == ALICE.team_id
    assert (scope.key_id == ALICE.key_id) == (expected == "key")
    assert (scope.session_id == "s-1") == (expected == "session")


def test_session_scope_without_a_session_turns_the_cache_off() -> None:
    policy = resolve_policy(LayerCacheOptions(cache_scope="session"), CacheControl(), ALICE, ROUTE, "")
    assert not policy.active and policy.bypass_reason


def test_policy_controls_only_ever_do_less() -> None:
    def policy(options: LayerCacheOptions = LayerCacheOptions(), control: CacheControl = CacheControl()) -> Any:  # noqa: B008
        return resolve_policy(options, control, ALICE, ROUTE, "")

    assert (policy().read, policy().write, policy().ttl_seconds) == (True, True, 300)
    assert not policy(LayerCacheOptions(bypass_cache=True)).active
    assert policy(LayerCacheOptions(cache_ttl=0)).write is False
    assert policy(LayerCacheOptions(skip_semantic_cache=True)).read_semantic is False
    assert policy(control=CacheControl(no_cache=True)).read is False
    assert policy(control=CacheControl(no_store=True)).write is False
    assert policy(control=CacheControl(max_age=0)).read is False
    assert policy(LayerCacheOptions(cache_max_age=60), CacheControl(max_age=30)).max_age_seconds == 30
    assert (
        resolve_policy(
            LayerCacheOptions(), CacheControl(), ALICE, replace(ROUTE, semantic_cache_enabled=False), ""
        ).read_semantic
        is False
    )
    assert (
        resolve_policy(
            LayerCacheOptions(), CacheControl(), ALICE, replace(ROUTE, semantic_cache_threshold=0.97), ""
        ).threshold
        == 0.97
    )
