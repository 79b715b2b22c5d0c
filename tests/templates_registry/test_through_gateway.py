"""lc_template end to end: OpenAI and Anthropic SDKs -> real gateway -> fake provider.

The provider must receive the template's L0 and L1 first, then the client's own system
text, and the template's tools before the client's; a missing variable is a 400 in the
caller's wire format.
"""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import pytest

from proxy.models import Team
from tests.gateway_support import make_key, wait_for_records
from tests.templates_registry.conftest import save

ESCALATE = {
    "type": "function",
    "function": {"name": "escalate", "description": "Hand over", "parameters": {"type": "object", "properties": {}}},
}
TEMPLATE_VARS = {"lc_template": "support", "lc_template_vars": {"product": "Acme"}}


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    return [block["text"] for block in content if block.get("type") == "text"]


def openai_system_texts(body: dict[str, Any]) -> list[str]:
    return [text for m in body["messages"] if m["role"] in ("system", "developer") for text in _texts(m["content"])]


def anthropic_system_texts(body: dict[str, Any]) -> list[str]:
    return _texts(body.get("system", []))


@pytest.fixture
def alice_key(gateway: Any, routes: dict[str, Any]) -> str:
    _, plaintext = make_key("alpha")
    save(Team.objects.get(name="alpha"), tools=[ESCALATE])
    return plaintext


def test_openai_clients_get_the_template_layers_before_their_own_system_text(
    gateway: Any, alice_key: str, fake: Any
) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=alice_key, max_retries=0)
    client.chat.completions.create(
        model="fake-gpt",
        messages=[{"role": "system", "content": "Client rules."}, {"role": "user", "content": "hi"}],
        tools=[
            {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}
        ],
        extra_body=TEMPLATE_VARS,
    )
    sent = fake.received[-1].json
    assert openai_system_texts(sent) == ["You support Acme.", "Policy: be kind.", "Client rules."]
    assert sent["messages"][-1]["role"] == "user"
    assert [t["function"]["name"] for t in sent["tools"]] == ["escalate", "lookup"]
    assert not any(key.startswith("lc_") for key in sent)


def test_anthropic_clients_get_the_template_layers_and_anthropic_shaped_tools(
    gateway: Any, alice_key: str, fake: Any
) -> None:
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key=alice_key, max_retries=0)
    client.messages.create(
        model="fake-claude",
        max_tokens=32,
        system="Client rules.",
        messages=[{"role": "user", "content": "hi"}],
        extra_body=TEMPLATE_VARS,
    )
    sent = fake.received[-1].json
    assert anthropic_system_texts(sent) == ["You support Acme.", "Policy: be kind.", "Client rules."]
    assert sent["tools"][0]["name"] == "escalate"
    assert sent["tools"][0]["input_schema"] == {"type": "object", "properties": {}}


def test_a_missing_variable_is_a_400_in_openai_format(gateway: Any, alice_key: str, fake: Any) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=alice_key, max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="fake-gpt", messages=[{"role": "user", "content": "hi"}], extra_body={"lc_template": "support"}
        )
    error = caught.value.response.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "lc_template_vars")
    assert "product" in error["message"]
    assert fake.received == []


def test_a_missing_variable_is_a_400_in_anthropic_format(gateway: Any, alice_key: str, fake: Any) -> None:
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key=alice_key, max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(
            model="fake-claude",
            max_tokens=32,
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"lc_template": "support"},
        )
    body = caught.value.response.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "product" in body["error"]["message"]
    assert fake.received == []


def test_another_team_cannot_use_alices_template(gateway: Any, alice_key: str, fake: Any) -> None:
    _, charlie_key = make_key("gamma")
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=charlie_key, max_retries=0)
    with pytest.raises(openai.BadRequestError, match="Unknown prompt template 'support'"):
        client.chat.completions.create(
            model="fake-gpt", messages=[{"role": "user", "content": "hi"}], extra_body=TEMPLATE_VARS
        )


def test_a_new_version_is_used_by_the_next_request(gateway: Any, alice_key: str, fake: Any) -> None:
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=alice_key, max_retries=0)

    def ask() -> None:
        client.chat.completions.create(
            model="fake-gpt", messages=[{"role": "user", "content": "hi"}], extra_body=TEMPLATE_VARS
        )

    ask()
    save(Team.objects.get(name="alpha"), L1=[{"role": "system", "content": "Policy: be brief."}], tools=[ESCALATE])
    ask()
    assert openai_system_texts(fake.received[-1].json)[1] == "Policy: be brief."
    # Each request's record names the version it used, for per-version usage in admin.
    assert [r.template_version for r in wait_for_records(2)] == ["support@1", "support@2"]
