"""Validation of the `lc_*` request fields into `LayerCacheOptions`.

Unknown `lc_*` names are refused rather than ignored: a typo such as `lc_bypas_cache` would
otherwise silently change nothing. Wrong types get a 400 that names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from proxy.errors import bad_request
from proxy.pipeline.names import ENHANCEMENT_NAMES, parse_layer_name
from proxy.pipeline.request import Layer, LayerCacheOptions

LC_FIELDS = frozenset(
    {
        "lc_template",
        "lc_template_vars",
        "lc_enhancements",
        "lc_layer_hints",
        "lc_max_session_tokens",
        "lc_session_id",
        "lc_cache_ttl",
        "lc_cache_scope",
        "lc_skip_semantic_cache",
        "lc_bypass_cache",
    }
)
CACHE_SCOPES = ("team", "key", "session")
MAX_CACHE_TTL = 30 * 24 * 3600


# LiteLLM's per-request cache controls arrive as a top-level `cache` object. It is ours to
# obey, not the provider's to receive (OpenAI would refuse the unknown field).
LITELLM_CACHE_FIELD = "cache"
_LITELLM_CACHE_KEYS = frozenset({"no-cache", "no-store", "ttl", "s-maxage", "namespace"})


def split_lc_fields(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a request body into (client fields for upstream, lc_* fields and `cache`)."""
    upstream: dict[str, Any] = {}
    lc: dict[str, Any] = {}
    for key, value in body.items():
        if key == LITELLM_CACHE_FIELD:
            lc[key] = value
        elif key.startswith("lc_"):
            if key not in LC_FIELDS:
                raise bad_request(f"Unknown LayerCache field {key!r}; known: {', '.join(sorted(LC_FIELDS))}", key)
            lc[key] = value
        else:
            upstream[key] = value
    return upstream, lc


def _bool(lc: Mapping[str, Any], name: str) -> bool:
    value = lc.get(name, False)
    if not isinstance(value, bool):
        raise bad_request(f"{name} must be a boolean", name)
    return value


def _optional_int(lc: Mapping[str, Any], name: str, minimum: int, maximum: int | None = None) -> int | None:
    if name not in lc or lc[name] is None:
        return None
    value = lc[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name} must be an integer", name)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise bad_request(f"{name} must be {bounds}", name)
    return value


def _optional_str(lc: Mapping[str, Any], name: str, max_length: int = 200) -> str | None:
    if name not in lc or lc[name] is None:
        return None
    value = lc[name]
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise bad_request(f"{name} must be a non-empty string of at most {max_length} characters", name)
    return value


def _enhancements(lc: Mapping[str, Any]) -> tuple[str, ...]:
    value = lc.get("lc_enhancements")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("lc_enhancements must be a list of enhancement names", "lc_enhancements")
    unknown = [v for v in value if v not in ENHANCEMENT_NAMES]
    if unknown:
        raise bad_request(
            f"Unknown enhancement(s) {unknown}; known: {', '.join(sorted(ENHANCEMENT_NAMES))}", "lc_enhancements"
        )
    return tuple(dict.fromkeys(value))


def _layer_hints(lc: Mapping[str, Any]) -> Mapping[int, Layer]:
    value = lc.get("lc_layer_hints")
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict):
        raise bad_request("lc_layer_hints must be an object of message index -> layer name", "lc_layer_hints")
    hints: dict[int, Layer] = {}
    for raw_index, raw_layer in value.items():
        try:
            index = int(raw_index)
        except (TypeError, ValueError):
            raise bad_request(f"lc_layer_hints key {raw_index!r} is not a message index", "lc_layer_hints") from None
        if index < 0 or not isinstance(raw_layer, str):
            raise bad_request(
                f"lc_layer_hints[{raw_index!r}] must map a message index to a layer name", "lc_layer_hints"
            )
        try:
            hints[index] = parse_layer_name(raw_layer)
        except ValueError as exc:
            raise bad_request(f"lc_layer_hints[{raw_index!r}]: {exc}", "lc_layer_hints") from None
    return MappingProxyType(hints)


def _template_vars(lc: Mapping[str, Any]) -> Mapping[str, Any]:
    value = lc.get("lc_template_vars")
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise bad_request("lc_template_vars must be an object of variable name -> value", "lc_template_vars")
    return MappingProxyType(dict(value))


def _litellm_cache(lc: Mapping[str, Any]) -> dict[str, Any]:
    value = lc.get(LITELLM_CACHE_FIELD)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request('cache must be an object such as {"no-cache": true}', LITELLM_CACHE_FIELD)
    unknown = sorted(set(value) - _LITELLM_CACHE_KEYS)
    if unknown:
        raise bad_request(
            f"Unknown cache control(s) {unknown}; known: {', '.join(sorted(_LITELLM_CACHE_KEYS))}", LITELLM_CACHE_FIELD
        )
    return {
        "cache_no_cache": _bool(value, "no-cache"),
        "cache_no_store": _bool(value, "no-store"),
        "ttl": _optional_int(value, "ttl", 0, MAX_CACHE_TTL),
        "cache_max_age": _optional_int(value, "s-maxage", 0),
        "cache_namespace": _optional_str(value, "namespace"),
    }


def parse_options(lc: Mapping[str, Any]) -> LayerCacheOptions:
    scope = _optional_str(lc, "lc_cache_scope", 20)
    if scope is not None and scope not in CACHE_SCOPES:
        raise bad_request(f"lc_cache_scope must be one of {', '.join(CACHE_SCOPES)}", "lc_cache_scope")
    litellm_cache = _litellm_cache(lc)
    ttl = _optional_int(lc, "lc_cache_ttl", 0, MAX_CACHE_TTL)
    if ttl is None:
        ttl = litellm_cache.get("ttl")
    return LayerCacheOptions(
        template=_optional_str(lc, "lc_template"),
        template_vars=_template_vars(lc),
        enhancements=_enhancements(lc),
        layer_hints=_layer_hints(lc),
        max_session_tokens=_optional_int(lc, "lc_max_session_tokens", 1),
        session_id=_optional_str(lc, "lc_session_id"),
        cache_ttl=ttl,
        cache_scope=scope,
        skip_semantic_cache=_bool(lc, "lc_skip_semantic_cache"),
        bypass_cache=_bool(lc, "lc_bypass_cache"),
        cache_no_cache=litellm_cache.get("cache_no_cache", False),
        cache_no_store=litellm_cache.get("cache_no_store", False),
        cache_max_age=litellm_cache.get("cache_max_age"),
        cache_namespace=litellm_cache.get("cache_namespace"),
    )
