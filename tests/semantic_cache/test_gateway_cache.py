"""The response caches through a real gateway process, with the real embedding model.

Personas: alice and bob share team alpha; charlie is in team beta.
"""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from proxy.models import Team
from semantic_cache.models import CacheEntry
from tests.gateway_support import make_key
from tests.semantic_cache.cache_support import ask, settle, wait_for_entries


def _client(gateway: Any, plaintext: str, **headers: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=gateway.openai_base, api_key=plaintext, max_retries=0, default_headers=headers or None
    )


@pytest.fixture
def keys(gateway: Any, routes: dict[str, Any]) -> dict[str, str]:
    return {"alice": make_key("alpha")[1], "bob": make_key("alpha")[1], "charlie": make_key("beta")[1]}


@pytest.fixture
def alice(gateway: Any, keys: dict[str, str]) -> openai.OpenAI:
    return _client(gateway, keys["alice"])


@pytest.fixture
def bob(gateway: Any, keys: dict[str, str]) -> openai.OpenAI:
    return _client(gateway, keys["bob"])


@pytest.fixture
def charlie(gateway: Any, keys: dict[str, str]) -> openai.OpenAI:
    return _client(gateway, keys["charlie"])


def test_a_repeated_request_is_an_exact_hit_with_a_fresh_id(alice: openai.OpenAI, fake: Any) -> None:
    status, text, first = ask(alice, "How do I reverse a list in Python?")
    assert status == "MISS"
    wait_for_entries(1)
    status, again, second = ask(alice, "How do I reverse a list in Python?")
    assert status == "HIT"
    assert again == text
    assert second.parse().id != first.parse().id and second.parse().id.startswith("chatcmpl-")
    assert second.headers["x-layercache-similarity"] == "1.0000"
    assert int(second.headers["x-layercache-cache-age"]) >= 0
    assert len(fake.received) == 1
    entry = CacheEntry.objects.get()
    assert entry.embedding_model == "sentence-transformers/all-MiniLM-L6-v2"
    wait_for = 150  # hit counts are written once a second
    while CacheEntry.objects.get().hit_count == 0 and wait_for:
        settle(0.02)
        wait_for -= 1
    assert CacheEntry.objects.get().hit_count == 1


def test_a_paraphrase_is_a_semantic_hit(alice: openai.OpenAI, fake: Any) -> None:
    ask(alice, "How do I clear the cache in Chrome?")
    wait_for_entries(1)
    status, text, raw = ask(alice, "How can I clear Chrome's cache?")
    assert status == "SEMANTIC_HIT"
    assert text == "Answer to: How do I clear the cache in Chrome?"
    assert 0.9 <= float(raw.headers["x-layercache-similarity"]) < 1.0
    assert len(fake.received) == 1


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("What is 15% of 80?", "What is 15% of 90?"),
        ("Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?"),
        ("How much is 100 dollars in yen?", "How much is 100 euros in yen?"),
        ("How do I enable dark mode in VS Code?", "How do I disable dark mode in VS Code?"),
    ],
    ids=["numbers", "negation", "entities", "opposites"],
)
def test_a_near_miss_is_not_a_hit(alice: openai.OpenAI, fake: Any, stored: str, asked: str) -> None:
    ask(alice, stored)
    wait_for_entries(1)
    status, text, _ = ask(alice, asked)
    assert status == "MISS"
    assert text == f"Answer to: {asked}"


def test_a_follow_up_in_another_conversation_never_matches(alice: openai.OpenAI) -> None:
    def turn(topic: str) -> tuple[str, str]:
        raw = alice.chat.completions.with_raw_response.create(
            model="fake-gpt",
            messages=[
                {"role": "user", "content": f"Tell me about {topic}."},
                {"role": "assistant", "content": f"{topic} is interesting."},
                {"role": "user", "content": "Please continue with more details."},
            ],
        )
        return raw.headers["x-layercache-cache"], raw.parse().choices[0].message.content or ""

    assert turn("volcanoes")[0] == "MISS"
    wait_for_entries(1)
    assert turn("glaciers")[0] == "MISS"
    assert turn("volcanoes")[0] == "HIT"


def test_bob_shares_alices_answers_and_charlie_never_sees_them(
    alice: openai.OpenAI, bob: openai.OpenAI, charlie: openai.OpenAI
) -> None:
    ask(alice, "What is the chemical formula of water?")
    wait_for_entries(1)
    assert ask(bob, "What is the chemical formula of water?")[0] == "HIT"
    # Neither the exact request nor a paraphrase finds team alpha's entry.
    assert ask(charlie, "What's water's chemical formula?")[0] == "MISS"
    status, text, _ = ask(
        charlie, "What is the chemical formula of water?", extra_body={"lc_skip_semantic_cache": True}
    )
    assert (status, text) == ("MISS", "Answer to: What is the chemical formula of water?")


def test_a_team_with_key_scope_keeps_each_keys_answers_apart(alice: openai.OpenAI, bob: openai.OpenAI) -> None:
    Team.objects.filter(name="alpha").update(cache_scope=Team.CacheScope.KEY)
    ask(alice, "Who wrote Pride and Prejudice?")
    wait_for_entries(1)
    assert ask(bob, "Who wrote Pride and Prejudice?")[0] == "MISS"
    wait_for_entries(2)
    assert ask(alice, "Who wrote Pride and Prejudice?")[0] == "HIT"
    # Asking for the team scope cannot widen what the team allows.
    assert (
        ask(bob, "Who wrote Pride and Prejudice?", extra_body={"lc_cache_scope": "team"})[0] == "HIT"
    )  # bob's own entry
    assert CacheEntry.objects.filter(scope="team").count() == 0


def test_a_request_may_narrow_its_scope_to_the_key(alice: openai.OpenAI, bob: openai.OpenAI) -> None:
    ask(alice, "What does HTTP 404 mean?", extra_body={"lc_cache_scope": "key"})
    wait_for_entries(1)
    assert ask(bob, "What does HTTP 404 mean?", extra_body={"lc_cache_scope": "key"})[0] == "MISS"
    # A team-scoped request does not read a key-scoped entry either.
    assert ask(bob, "What does HTTP 404 mean?")[0] == "MISS"
    assert ask(alice, "What does HTTP 404 mean?", extra_body={"lc_cache_scope": "key"})[0] == "HIT"


def test_session_scope_keeps_sessions_apart(gateway: Any, keys: dict[str, str]) -> None:
    one = _client(gateway, keys["alice"], **{"x-session-id": "s-1"})
    two = _client(gateway, keys["alice"], **{"x-session-id": "s-2"})
    body = {"lc_cache_scope": "session"}
    assert ask(one, "How do vaccines work?", extra_body=body)[0] == "MISS"
    wait_for_entries(1)
    assert ask(two, "How do vaccines work?", extra_body=body)[0] == "MISS"
    assert ask(one, "How do vaccines work?", extra_body=body)[0] == "HIT"
    # Session scope without a session cannot be honoured: no caching at all.
    assert ask(_client(gateway, keys["alice"]), "How do vaccines work?", extra_body=body)[0] == "BYPASS"


def test_lc_bypass_cache_neither_reads_nor_stores(alice: openai.OpenAI, fake: Any) -> None:
    ask(alice, "What year did World War II end?")
    wait_for_entries(1)
    status, _, _ = ask(alice, "What year did World War II end?", extra_body={"lc_bypass_cache": True})
    assert status == "BYPASS"
    assert ask(alice, "What is the main cause of inflation?", extra_body={"lc_bypass_cache": True})[0] == "BYPASS"
    settle()
    assert CacheEntry.objects.count() == 1
    assert len(fake.received) == 3


def test_lc_skip_semantic_cache_skips_the_lookup_but_stores(alice: openai.OpenAI) -> None:
    ask(alice, "How do I clear the cache in Chrome?")
    wait_for_entries(1)
    assert ask(alice, "How can I clear Chrome's cache?", extra_body={"lc_skip_semantic_cache": True})[0] == "MISS"
    wait_for_entries(2)
    assert ask(alice, "How do I clear the cache in Chrome?", extra_body={"lc_skip_semantic_cache": True})[0] == "HIT"


def test_a_zero_ttl_is_not_stored(alice: openai.OpenAI) -> None:
    assert ask(alice, "How do I install numpy?", extra_body={"lc_cache_ttl": 0})[0] == "MISS"
    settle()
    assert CacheEntry.objects.count() == 0


def test_the_ttl_sets_the_expiry(alice: openai.OpenAI) -> None:
    ask(alice, "How do I install numpy?", extra_body={"lc_cache_ttl": 60})
    entry = wait_for_entries(1)[0]
    assert 59 <= (entry.expires_at - entry.created_at).total_seconds() <= 61


def test_cache_control_no_store_is_not_stored(gateway: Any, keys: dict[str, str]) -> None:
    client = _client(gateway, keys["alice"], **{"cache-control": "no-store"})
    assert ask(client, "How do I install numpy?")[0] == "MISS"
    settle()
    assert CacheEntry.objects.count() == 0


def test_cache_control_no_cache_goes_upstream_and_refreshes(
    gateway: Any, keys: dict[str, str], alice: openai.OpenAI, fake: Any
) -> None:
    ask(alice, "How do I install numpy?")
    first = wait_for_entries(1)[0]
    client = _client(gateway, keys["alice"], **{"cache-control": "no-cache"})
    assert ask(client, "How do I install numpy?")[0] == "MISS"
    assert len(fake.received) == 2
    for _ in range(100):
        if CacheEntry.objects.get().created_at > first.created_at:
            break
        settle(0.02)
    assert CacheEntry.objects.get().created_at > first.created_at


def test_cache_control_max_age_refuses_older_entries(gateway: Any, keys: dict[str, str], alice: openai.OpenAI) -> None:
    ask(alice, "How do I install numpy?")
    wait_for_entries(1)
    CacheEntry.objects.update(created_at=CacheEntry.objects.get().created_at.replace(year=2020))
    client = _client(gateway, keys["alice"], **{"cache-control": "max-age=60"})
    assert ask(client, "How do I install numpy?")[0] == "MISS"


def test_litellm_cache_controls_are_obeyed_and_not_sent_upstream(alice: openai.OpenAI, fake: Any) -> None:
    ask(alice, "How do I install numpy?", extra_body={"cache": {"no-store": True}})
    settle()
    assert CacheEntry.objects.count() == 0
    assert "cache" not in fake.received[-1].json
    ask(alice, "How do I install numpy?", extra_body={"cache": {"ttl": 30, "namespace": "docs"}})
    entry = wait_for_entries(1)[0]
    assert 29 <= (entry.expires_at - entry.created_at).total_seconds() <= 31
    # Another namespace is another cache.
    assert ask(alice, "How do I install numpy?", extra_body={"cache": {"namespace": "other"}})[0] == "MISS"
    assert ask(alice, "How do I install numpy?", extra_body={"cache": {"namespace": "docs"}})[0] == "HIT"
    assert (
        ask(alice, "How do I install numpy?", extra_body={"cache": {"no-cache": True, "namespace": "docs"}})[0]
        == "MISS"
    )


def test_generation_parameters_separate_entries(alice: openai.OpenAI) -> None:
    ask(alice, "Write a haiku about autumn.", temperature=0.2)
    wait_for_entries(1)
    assert ask(alice, "Write a haiku about autumn.", temperature=0.9)[0] == "MISS"
    assert ask(alice, "Write a haiku about autumn.", temperature=0.2, seed=3)[0] == "MISS"
    assert ask(alice, "Write a haiku about autumn.", temperature=0.2)[0] == "HIT"


def test_a_repeated_hit_is_served_from_the_gateways_copy_without_postgres(alice: openai.OpenAI) -> None:
    ask(alice, "How do I reverse a list in Python?")
    wait_for_entries(1)
    assert ask(alice, "How do I reverse a list in Python?")[0] == "HIT"  # read from Postgres, copied
    # Deleted behind the gateway's back (not through invalidate()): only the copy can answer.
    CacheEntry.objects.all().delete()
    assert ask(alice, "How do I reverse a list in Python?")[0] == "HIT"


def test_invalidation_reaches_the_gateways_copy(gateway: Any, keys: dict[str, str], alice: openai.OpenAI) -> None:
    ask(alice, "How do I reverse a list in Python?")
    wait_for_entries(1)
    assert ask(alice, "How do I reverse a list in Python?")[0] == "HIT"
    response = httpx.post(
        f"{gateway.base_url}/v1/cache/invalidate",
        json={"all": True},
        headers={"authorization": f"Bearer {keys['alice']}"},
    )
    assert response.json() == {"deleted": 1}
    assert ask(alice, "How do I reverse a list in Python?")[0] == "MISS"


def test_a_re_stored_answer_replaces_the_gateways_copy(
    gateway: Any, keys: dict[str, str], alice: openai.OpenAI
) -> None:
    ask(alice, "How do I install numpy?")
    first = wait_for_entries(1)[0]
    assert ask(alice, "How do I install numpy?")[0] == "HIT"  # the gateway now holds a copy
    settle(1.1)  # so the first entry's age is at least 1 s
    refresh = _client(gateway, keys["alice"], **{"cache-control": "no-cache"})
    assert ask(refresh, "How do I install numpy?")[0] == "MISS"
    for _ in range(100):
        if CacheEntry.objects.get().created_at > first.created_at:
            break
        settle(0.02)
    status, _, response = ask(alice, "How do I install numpy?")
    assert status == "HIT"
    assert response.headers["x-layercache-cache-age"] == "0"  # the new entry, not the old copy
