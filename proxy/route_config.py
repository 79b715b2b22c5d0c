"""Model routes from the YAML file at LAYERCACHE_CONFIG, created or updated by name.

Routes not in the file are left alone (they may have been made in admin). A malformed file
raises `RouteConfigError` naming the route and field, and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from proxy.models import ModelRoute, RouteFallback
from proxy.verifier_spec import VerifierSpecError, parse_verifier_spec

PRICE_FIELDS = {
    "input": "price_input",
    "cached_input": "price_cached_input",
    "cache_write": "price_cache_write",
    "output": "price_output",
}
SIMPLE_FIELDS = {
    "model": str,
    "api_base": str,
    "api_key_env": str,
    "timeout": float,
    "retries": int,
    "min_cacheable_tokens": int,
    "hoist_volatile": bool,
    "anthropic_cache_ttl": str,
    "max_session_tokens": int,
    "enabled": bool,
    "kind": str,
    "semantic_verifier": str,
}
MODEL_FIELD = {"timeout": "timeout_seconds"}


class RouteConfigError(ValueError):
    pass


def _route_values(entry: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = set(entry) - set(SIMPLE_FIELDS) - {"name", "prices", "fallbacks"}
    if unknown:
        raise RouteConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
    if not isinstance(entry.get("model"), str) or not entry["model"]:
        raise RouteConfigError(f"{where}: 'model' (a LiteLLM model string) is required")
    values: dict[str, Any] = {}
    for key, kind in SIMPLE_FIELDS.items():
        if key not in entry:
            continue
        value = entry[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise RouteConfigError(f"{where}: '{key}' must be {kind.__name__}")
        values[MODEL_FIELD.get(key, key)] = value
    if values.get("kind", "chat") not in ("chat", "embedding"):
        raise RouteConfigError(f"{where}: 'kind' must be chat or embedding")
    if values.get("semantic_verifier", "").strip():
        try:
            parse_verifier_spec(values["semantic_verifier"])
        except VerifierSpecError as exc:
            raise RouteConfigError(f"{where}: 'semantic_verifier': {exc}") from None
    if values.get("anthropic_cache_ttl", "5m") not in ("5m", "1h"):
        raise RouteConfigError(f"{where}: 'anthropic_cache_ttl' must be 5m or 1h")
    prices = entry.get("prices") or {}
    if not isinstance(prices, dict):
        raise RouteConfigError(f"{where}: 'prices' must be a mapping")
    for key, value in prices.items():
        if key not in PRICE_FIELDS:
            raise RouteConfigError(f"{where}: unknown price {key!r}; known: {sorted(PRICE_FIELDS)}")
        try:
            price = Decimal(str(value))
        except InvalidOperation:
            raise RouteConfigError(f"{where}: price {key!r} must be a number") from None
        if price < 0:
            raise RouteConfigError(f"{where}: price {key!r} must not be negative")
        values[PRICE_FIELDS[key]] = price
    return values


def parse_config(text: str) -> list[dict[str, Any]]:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RouteConfigError(f"not valid YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("routes", []), list):
        raise RouteConfigError("the file must be a mapping with a 'routes' list")
    entries = document.get("routes", [])
    names = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise RouteConfigError(f"routes[{index}]: each route needs a 'name'")
        if entry["name"] in names:
            raise RouteConfigError(f"routes[{index}]: duplicate route name {entry['name']!r}")
        names.add(entry["name"])
        fallbacks = entry.get("fallbacks", [])
        if not isinstance(fallbacks, list) or not all(isinstance(f, str) for f in fallbacks):
            raise RouteConfigError(f"route {entry['name']!r}: 'fallbacks' must be a list of route names")
        _route_values(entry, f"route {entry['name']!r}")
    return entries


@transaction.atomic
def apply_config(entries: list[dict[str, Any]]) -> list[str]:
    """Create or update the routes; return a line per route saying what happened."""
    report = []
    for entry in entries:
        values = _route_values(entry, f"route {entry['name']!r}")
        _, created = ModelRoute.objects.update_or_create(name=entry["name"], defaults=values)
        report.append(f"{'created' if created else 'updated'} route {entry['name']}")
    for entry in entries:
        route = ModelRoute.objects.get(name=entry["name"])
        wanted = entry.get("fallbacks", [])
        missing = [n for n in wanted if not ModelRoute.objects.filter(name=n).exists()]
        if missing or entry["name"] in wanted:
            raise RouteConfigError(f"route {entry['name']!r}: unknown or self fallback(s) {missing or [entry['name']]}")
        RouteFallback.objects.filter(route=route).delete()
        for position, name in enumerate(wanted):
            RouteFallback.objects.create(route=route, fallback=ModelRoute.objects.get(name=name), position=position)
    return report


def load_file(path: Path) -> list[str]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise RouteConfigError(f"cannot read {path}: {exc}") from None
    return apply_config(parse_config(text))
