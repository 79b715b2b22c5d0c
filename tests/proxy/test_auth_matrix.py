"""Who may call what: keys, scopes, expiry, revocation, limits — errors in the caller's format."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.utils import timezone

from analytics.models import RequestRecord
from proxy.models import ApiKey
from tests.gateway_support import make_key

OPENAI_BODY = {"model": "fake-gpt", "messages": [{"role": "user", "content": "hi"}]}
ANTHROPIC_BODY = {"model": "fake-claude", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}


def _openai(gateway: Any, headers: dict[str, str], body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(f"{gateway.base_url}/v1/chat/completions", json=body or OPENAI_BODY, headers=headers, timeout=10)


def _anthropic(gateway: Any, headers: dict[str, str], body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(f"{gateway.base_url}/v1/messages", json=body or ANTHROPIC_BODY, headers=headers, timeout=10)


def _openai_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def _anthropic_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["type"] == "error"
    error: dict[str, Any] = payload["error"]
    return error


@pytest.fixture
def alice(routes: dict[str, Any]) -> tuple[ApiKey, str]:
    return make_key("alpha")


def test_it_accepts_bearer_and_x_api_key(gateway: Any, alice: tuple[ApiKey, str]) -> None:
    assert _openai(gateway, {"authorization": f"Bearer {alice[1]}"}).status_code == 200
    assert _anthropic(gateway, {"x-api-key": alice[1]}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Basic abc"}, {"authorization": "Bearer lc_nope"}, {"x-api-key": "lc_abcdefgh_wrongsecret"}],
)
def test_it_rejects_missing_and_unknown_keys_in_both_formats(
    gateway: Any, routes: dict[str, Any], headers: dict[str, str]
) -> None:
    error = _openai_error(_openai(gateway, headers), 401)
    assert error["code"] == "invalid_api_key"
    assert _anthropic_error(_anthropic(gateway, headers), 401)["type"] == "authentication_error"


def test_it_rejects_a_key_with_the_right_prefix_but_wrong_secret(gateway: Any, alice: tuple[ApiKey, str]) -> None:
    forged = alice[1][:-4] + "AAAA"
    _openai_error(_openai(gateway, {"authorization": f"Bearer {forged}"}), 401)


def test_it_rejects_a_revoked_key_on_the_next_request(gateway: Any, alice: tuple[ApiKey, str]) -> None:
    key, plaintext = alice
    assert _openai(gateway, {"authorization": f"Bearer {plaintext}"}).status_code == 200
    key.revoked = True
    key.save()
    _openai_error(_openai(gateway, {"authorization": f"Bearer {plaintext}"}), 401)


def test_it_rejects_an_expired_key(gateway: Any, alice: tuple[ApiKey, str]) -> None:
    key, plaintext = alice
    key.expires_at = timezone.now() - timedelta(seconds=1)
    key.save()
    _anthropic_error(_anthropic(gateway, {"x-api-key": plaintext}), 401)


def test_it_forbids_routes_outside_the_keys_scopes(
    gateway: Any, alice: tuple[ApiKey, str], routes: dict[str, Any]
) -> None:
    key, plaintext = alice
    key.scopes.add(routes["claude"])
    error = _openai_error(_openai(gateway, {"authorization": f"Bearer {plaintext}"}), 403)
    assert error["param"] == "model"
    assert _anthropic(gateway, {"x-api-key": plaintext}).status_code == 200


def test_it_says_404_for_an_unknown_model(gateway: Any, alice: tuple[ApiKey, str]) -> None:
    error = _openai_error(
        _openai(gateway, {"authorization": f"Bearer {alice[1]}"}, {**OPENAI_BODY, "model": "gpt-x"}), 404
    )
    assert error["code"] == "model_not_found"
    assert (
        _anthropic_error(_anthropic(gateway, {"x-api-key": alice[1]}, {**ANTHROPIC_BODY, "model": "nope"}), 404)["type"]
        == "not_found_error"
    )


def test_it_limits_requests_per_minute_with_retry_after(gateway: Any, routes: dict[str, Any]) -> None:
    _, plaintext = make_key("alpha", rpm_limit=2)
    headers = {"authorization": f"Bearer {plaintext}"}
    assert [_openai(gateway, headers).status_code for _ in range(2)] == [200, 200]
    third = _openai(gateway, headers)
    error = _openai_error(third, 429)
    assert error["type"] == "requests" and 1 <= int(third.headers["retry-after"]) <= 60


def test_it_limits_tokens_per_minute(gateway: Any, routes: dict[str, Any]) -> None:
    _, plaintext = make_key("alpha", tpm_limit=5)
    headers = {"x-api-key": plaintext}
    assert _anthropic(gateway, headers).status_code == 200  # uses more than 5 tokens
    deadline = time.monotonic() + 5
    while (response := _anthropic(gateway, headers)).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.05)  # the first request's tokens are charged just after it answers
    assert _anthropic_error(response, 429)["type"] == "rate_limit_error"
    assert response.headers["retry-after"]


def test_it_stops_a_key_over_its_monthly_budget(gateway: Any, routes: dict[str, Any]) -> None:
    key, plaintext = make_key("alpha", monthly_budget_usd=Decimal("0.01"))
    RequestRecord.objects.create(
        request_id="earlier",
        team=key.team,
        api_key=key,
        route_name="fake-gpt",
        endpoint="chat.completions",
        status=200,
        cost_usd=Decimal("0.02"),
        created_at=timezone.now(),
    )
    error = _openai_error(_openai(gateway, {"authorization": f"Bearer {plaintext}"}), 429)
    assert error["type"] == "insufficient_quota"


def test_it_echoes_request_and_session_ids(gateway: Any, alice: tuple[ApiKey, str]) -> None:
    response = _openai(
        gateway, {"authorization": f"Bearer {alice[1]}", "x-request-id": "req-123", "x-session-id": "s-9"}
    )
    assert response.headers["x-request-id"] == "req-123"
    assert response.headers["x-session-id"] == "s-9"
    generated = _openai(gateway, {"authorization": f"Bearer {alice[1]}"}).headers["x-request-id"]
    assert generated.startswith("lc-") and len(generated) > 10
    unauthorized = _openai(gateway, {"x-request-id": "req-401"})
    assert unauthorized.headers["x-request-id"] == "req-401"


def test_the_provider_key_never_reaches_the_client_or_the_log(gateway: Any, alice: tuple[ApiKey, str]) -> None:
    from tests.gateway_support import UPSTREAM_KEY

    response = _openai(gateway, {"authorization": f"Bearer {alice[1]}"})
    assert UPSTREAM_KEY not in response.text
    assert UPSTREAM_KEY not in gateway.log()
    assert alice[1] not in gateway.log()
